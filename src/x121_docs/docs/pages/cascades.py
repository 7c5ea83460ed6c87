"""Cascades: every foreign key with its actions, and what deleting one row of each table reaches."""

from __future__ import annotations

import functools

from ...catalog import graph
from ...catalog.model import CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL, display_name
from ..names import anchor
from .base import Context

TITLE = "Cascades"
PATH = "cascades.md"
LIVE = False  # reads no live figure: a second generation reuses its files
ROWS_MAX = 30  # path rows per entity


@functools.cache
def _code_version() -> str:
    """This page's code: its module and template, the helpers it renders through, the FK walk, Jinja."""
    from pathlib import Path

    import jinja2

    from .. import erd_cache, escape, names
    from ...catalog import model
    from . import base

    here = Path(__file__)
    code = erd_cache.source_digest(here, here.with_suffix(".md.j2"), base, escape, names, graph, model)
    return f"{jinja2.__version__} {code}"


def write(ctx: Context) -> None:
    """From the build's cache when the relations and FKs are those of the last build (a comment changed,
    say): 0.4-0.6 s of a 2,000-table rebuild, on the parent's path while the relation pages' workers run."""
    from .. import erd_cache

    cat = ctx.catalog
    source = ["cascades", _code_version(), ROWS_MAX,
              [[t.schema, t.name, t.kind, t.partition_of] for t in cat.tables],
              list(cat.foreign_keys)]  # every field of every FK (orjson writes the dataclasses whole)

    def made() -> bytes:
        _write(ctx)
        return ctx.files[PATH]

    ctx.files[PATH] = erd_cache.memo(source, made, encode=lambda b: b.decode("utf-8"),
                                     decode=lambda t: t.encode("utf-8"))


def _write(ctx: Context) -> None:
    cat = ctx.catalog
    fks = graph.declared_foreign_keys(cat)
    entities, leaves = [], []
    for t in cat.base_tables:
        if t.is_partition:
            continue
        if not graph.children(cat, t.key):
            leaves.append(t.display_name)
            continue
        r = graph.reach(cat, t.key)
        # one row per (table, outcome) by its shortest path (the walk is breadth-first), capped:
        # the bullet lists above the table name every table reached
        first: dict = {}
        for step in r.steps:
            first.setdefault((step.fk.child, step.outcome), step)
        steps = list(first.values())
        entities.append(dict(key=t.key, anchor=anchor(t.display_name), steps=steps[:ROWS_MAX],
                             more=max(len(steps) - ROWS_MAX, 0),
                             deleted=[display_name(*k) for k in r.deleted], nulled=[display_name(*k) for k in r.nulled],
                             defaulted=[display_name(*k) for k in r.defaulted],
                             refused=[display_name(*k) for k in r.refused]))
    actions = [(a, sum(1 for fk in fks if fk.on_delete == a)) for a in (CASCADE, SET_NULL, SET_DEFAULT, RESTRICT, NO_ACTION)]
    ctx.page(PATH, "cascades.md.j2", fks=fks, clones=len(cat.foreign_keys) - len(fks),
             action_counts=[(a, n) for a, n in actions if n], entities=entities, leaves=leaves)
