"""Diagrams: the whole-schema ERD (or an overview of the domain groups) and one diagram per group."""

from __future__ import annotations

from ...catalog.model import display_name
from .. import erd
from ..names import slug
from .base import Context

TITLE = "Diagrams"
PATH = "erd.md"


def write(ctx: Context) -> None:
    cat, config = ctx.catalog, ctx.config
    drawable = [k for g in ctx.groups for k in g.tables]
    n_tables = len(drawable)
    columns_ok = lambda n: n <= config.columns_max_tables  # noqa: E731
    overview = whole = ""
    if n_tables > config.whole_schema_max_tables:
        overview = ctx.diagram("erd-overview.svg", lambda: erd.draw_overview(
            cat, ctx.groups, link=lambda s: f"erd/{s}.html", folded=ctx.folded))
    elif n_tables:
        whole = ctx.diagram("erd-schema.svg", lambda: erd.draw(
            cat, drawable, link=lambda k: f"tables/{slug(*k)}.html", folded=ctx.lookup_keys,
            columns=columns_ok(n_tables), stubs=False))
    classic = False
    if 0 < n_tables <= config.classic_max_tables:
        classic = bool(ctx.diagram("erd/schema-eralchemy.svg", lambda: erd.eralchemy_svg(cat, drawable)))
    ctx.page(PATH, "diagrams.md.j2", overview=overview, whole=whole, classic=classic, groups=ctx.groups,
             hubs=[display_name(*k) for k in ctx.hub_keys], n_tables=n_tables,
             max_tables=config.whole_schema_max_tables, group_max=config.group_max_tables)
    for g in ctx.groups:
        fold_here = ctx.folded - set(g.tables)
        svg = ctx.diagram(f"erd/{g.slug}.svg", lambda g=g, fold_here=fold_here: erd.draw(
            cat, g.tables, link=lambda k: f"../tables/{slug(*k)}.html", folded=fold_here,
            columns=columns_ok(len(g.tables))))
        ctx.page(f"erd/{g.slug}.md", "diagrams_group.md.j2", group=g, diagram=svg,
                 tables=[cat.table(k[1], k[0]) for k in g.tables])
