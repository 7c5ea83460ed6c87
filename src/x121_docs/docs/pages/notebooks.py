"""Notebooks: the executed notebooks of notebooks/, converted by nbconvert (project content)."""

from __future__ import annotations

from .base import Context, tidy

TITLE = "Notebooks"
PATH = "notebooks.md"
LIVE = False  # reads no live figure: a second generation reuses its files


def write(ctx: Context) -> None:
    ctx.page(PATH, "notebooks.md.j2", notebooks=ctx.inputs.notebooks)
    for nb in ctx.inputs.notebooks:
        ctx.files[f"notebooks/{nb.slug}.md"] = tidy(nb.markdown)
        for rel, content in nb.files.items():
            ctx.files[f"notebooks/{rel}"] = content
