"""The generated pages: a registry of page modules, each with its data (`write`) and its template.

Adding a page is one module here (with `TITLE`, `PATH`, `LIVE`, `write(ctx)`, optionally `start(ctx)`)
and one `.md.j2` template beside it, then its name in `REGISTRY`: `generate()` runs every page and the site's nav lists
them in registry order (`nav()`). `LIVE` says whether the page reads `ctx.live`: the live site's
generation reuses the files of the pages that do not (tests/test_docs_incremental.py checks it).

`generate()` is a pure function of its inputs: the same catalog and data give byte-identical
files, which is what lets `docs check` compare the committed pages with the live schema.  Figures
that follow the data (row estimates, status usage, migration times) appear only when the inputs
carry live figures (`Inputs.live`, from `docs build --live`), inside `<span class="x121-live">`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import DocsConfig
from . import cascades, conventions, diagrams, migrations, notebooks, overview, statuses, tables
from .base import (LIVE_CLOSE, LIVE_OPEN, LIVE_SPAN, Compliance, Context, Finding, Generated, Inputs, Live, Migration,
                   Notebook, _env)

#: The pages in nav order.
REGISTRY = (overview, diagrams, tables, cascades, statuses, migrations, conventions, notebooks)

__all__ = ["LIVE_CLOSE", "LIVE_OPEN", "LIVE_SPAN", "REGISTRY", "Compliance", "Finding", "Generated", "Inputs", "Live",
           "Migration", "Notebook", "_env", "generate", "nav"]


def nav(prefix: str = "generated/") -> list[dict[str, str]]:
    """The nav entries of the generated pages (MkDocs' format), from the registry."""
    return [{page.TITLE: prefix + page.PATH} for page in REGISTRY]


def generate(inputs: Inputs, config: DocsConfig, *, progress: Callable[[str], None] | None = None,
             diagrams: dict | None = None, reuse: Generated | None = None,
             meanwhile: Callable[[Inputs], Inputs] | None = None) -> Generated:
    """All files under docs/generated/ for these inputs (pure: no database, no clock in the output).

    `diagrams` (path -> drawn SVG) caches the diagrams across generations of the same catalog.
    `reuse`: an earlier generation of the same catalog and configuration (the committed pages, when
    this one is the live site's): its schema facts are taken, and so are the files of every page
    that reads no live figure, instead of writing them again (the same bytes either way).
    A page module with `start(ctx)` begins there (the relation pages: forked workers) and is finished
    by `write(ctx, started)` after the other pages; `meanwhile` completes the inputs while it runs
    (the linter's report, which no page with `start` reads)."""
    ctx = Context(inputs, config, diagrams, erd=reuse.erd if reuse is not None else None)
    by_page: dict[str, tuple[str, ...]] = {}
    todo = []
    for page in REGISTRY:
        if reuse is not None and not page.LIVE and page.PATH in reuse.by_page:
            by_page[page.PATH] = reuse.by_page[page.PATH]
            ctx.files.update((path, reuse.files[path]) for path in by_page[page.PATH])
        else:
            todo.append(page)
    started = {page.PATH: pending for page in todo
               if hasattr(page, "start") and (pending := page.start(ctx)) is not None}
    try:
        if meanwhile is not None:
            ctx.inputs = meanwhile(ctx.inputs)
        for page in sorted(todo, key=lambda p: p.PATH in started):  # the started pages last
            before = set(ctx.files)
            page.write(ctx, started.pop(page.PATH)) if page.PATH in started else page.write(ctx)
            by_page[page.PATH] = tuple(sorted(set(ctx.files) - before))
            if progress:
                progress(page.TITLE)
    finally:
        for pending in started.values():  # a page failed before these were finished
            pending.cancel()
    return Generated(dict(sorted(ctx.files.items())), ctx.timings, ctx.diagrams,
                     {page.PATH: by_page[page.PATH] for page in REGISTRY}, ctx.erd)
