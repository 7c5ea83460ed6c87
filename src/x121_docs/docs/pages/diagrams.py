"""Diagrams: the whole-schema ERD (or the overview of groups, or the names-only map) and one diagram
per group, drawn and laid out by docs/erd_pages.py (the ERD pages keep their own templates)."""

from __future__ import annotations

from .. import erd_pages
from .base import Context, tidy

TITLE = "Diagrams"
PATH = "erd.md"
LIVE = False  # reads no live figure: a second generation reuses its files


def write(ctx: Context) -> None:
    ctx.files.update(erd_pages.erd_files(ctx.catalog, ctx.config, ctx.erd, ctx.render_erd, ctx.store, tidy))
