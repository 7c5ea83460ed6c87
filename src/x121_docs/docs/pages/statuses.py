"""Statuses: every lookup table (one definition, `catalog.facts.LookupRule`) with its values and, in a
build with live figures, how many rows use each value."""

from __future__ import annotations

from ...catalog.model import display_name
from ..data import LookupData
from ..escape import Md, code, text
from .base import Context, live, md_table

TITLE = "Statuses"
PATH = "statuses.md"
LIVE = True  # reads the live figures (Inputs.live)


def _values(ctx: Context, l: LookupData) -> Md:
    if not l.rows:
        return Md("")
    usage = ctx.live.usage.get(l.table, {}) if ctx.live else None
    header = [text(c) for c in l.columns] + (["Rows using it", "By column"] if usage is not None else [])
    rows = []
    for values, key in zip(l.rows, l.keys):
        row: list = list(values)
        if usage is not None:
            by = usage.get(key, {})
            row += [live(f"{sum(by.values()):,}"), live(", ".join(f"{via}: {n:,}" for via, n in sorted(by.items())))]
        rows.append(row)
    n = len(l.columns)
    return md_table(header, rows, right=[n] if usage is not None else [])


def write(ctx: Context) -> None:
    cat, config = ctx.catalog, ctx.config
    ctx.page(PATH, "statuses.md.j2", lookups=ctx.inputs.lookups, values=lambda l: _values(ctx, l),
             suffixes=[code(s) for s in config.lookup_suffixes], extra=[code(s) for s in config.lookup_tables],
             max_rows=config.status_values_max, comment_of=lambda k: cat.table(k[1], k[0]).comment or "",
             name_of=lambda k: display_name(*k))
