"""MkDocs plugin: the site's pages rendered by forked workers, MkDocs' own loop taking the results.

MkDocs renders one page after another: at 2,000 tables, the pages' Markdown and the search index's
HTML parser were most of a 21.6 s site build, on one core. The pages are independent (each is its
own Markdown instance over the same config and file list), so once MkDocs has gathered the files and
the nav, `RenderPool` forks workers that render the pages exactly as MkDocs does (`Page.render`, then
their search entries through `incremental.SearchCache`); MkDocs' loop then takes each page's result
instead of rendering it again. Once every page is rendered, workers forked again put the pages through
the theme's template (Jinja), and the parent's `_build_page` takes their output (`_Prerendered`), runs
`on_post_page` and writes it. The generated pages' tables skip Python-Markdown there
(docs/fast_tables.py). The same site, byte for byte: 21.6 s → 14.7 s with the workers, 8.4–9.0 s
with the tables too.
What a render logs (a broken link, say) is logged again in the parent, so `--strict` counts it as
before, and what it raises is raised when MkDocs reaches that page, so the error names it.

Only with plugins whose page events are known to be pure (`PURE_PLUGINS`): another plugin might
keep state across pages, which a worker's copy would lose; then MkDocs renders as usual.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from mkdocs.plugins import BasePlugin, event_priority

from .forked import sendable

#: Pages rendered by workers only from this many on (fewer: a fork costs more than it saves).
MIN_PAGES = 200
#: Plugins whose page events keep no state across pages (Material's search, ours).
PURE_PLUGINS = frozenset({"search", "material/search", "x121/template-cache", "x121/search-cache",
                          "x121/render-pool"})


class _Page(NamedTuple):
    """What a worker's render of one page leaves on it (set again on the parent's page)."""

    src_uri: str
    content: str
    toc: object
    title: str | None
    anchor_ids: set
    anchors: dict | None  # links to anchors, by the source path of the page they point at
    entries: tuple[str, list] | None  # (key, search entries) of incremental.SearchCache, if it runs
    records: list  # what the render logged


class _Themed(NamedTuple):
    """A page put through the theme's template by a worker (what `_build_page` renders)."""

    src_uri: str
    output: str
    records: list


class _Failed(NamedTuple):
    src_uri: str
    error: Exception


class _Counts(NamedTuple):
    """A share's tables, rendered here and left to Python-Markdown."""

    fast: int
    slow: int


class _Records(logging.Handler):
    """What a worker's render logs, to be logged again by the parent (`_replay`)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


@contextmanager
def _current(config, page) -> Iterator[list]:  # noqa: ANN001
    """In a worker: `page` is MkDocs' current page, and what is logged meanwhile is kept (the list)."""
    handler = _Records()
    log = logging.getLogger("mkdocs")
    log.addHandler(handler)
    config._current_page = page
    try:
        yield handler.records
    finally:
        config._current_page = None
        log.removeHandler(handler)


def _replay(records: list[tuple[str, int, str]]) -> None:
    for name, level, message in records:
        logging.getLogger(name).log(level, message)


def _render(state: tuple, index: int, step: int) -> tuple[list, _Counts]:
    """In a worker: render every `step`-th page from `index`, as `_populate_page` and the search do."""
    from .fast_tables import Tables

    plugin, config, files, pages = state
    out: list[_Page | _Failed] = []
    fast = slow = 0
    for file in pages[index::step]:
        page = file.page
        with _current(config, page) as records:
            try:
                page.read_source(config)
                page.markdown = config.plugins.on_page_markdown(page.markdown, page=page, config=config, files=files)
                tables = Tables(file, files, config) if Tables.applies(file.src_uri) else None
                if tables is not None:  # the generator's tables rendered without Python-Markdown (docs/fast_tables.py)
                    page.markdown = tables.extract(page.markdown)
                page.render(config, files)
                if tables is not None:
                    page.content = tables.insert(page.content)
                    if page.links_to_anchors is not None:
                        for target, links in tables.links_to_anchors.items():
                            page.links_to_anchors.setdefault(target, {}).update(links)
                    fast, slow = fast + len(tables.html), slow + tables.fallbacks
                search = plugin.search
                entries = search.entries_for(page) if search is not None and search.index is not None else None
            except Exception as exc:  # noqa: BLE001 - raised again when MkDocs reaches this page
                out.append(_Failed(file.src_uri, sendable(exc)))
                continue
        anchors = ({f.src_uri: links for f, links in page.links_to_anchors.items()}
                   if page.links_to_anchors is not None else None)
        out.append(_Page(file.src_uri, page.content, page.toc, page._title_from_render, page.present_anchor_ids,
                         anchors, entries, records))
    return out, _Counts(fast, slow)


def _theme(state: tuple, index: int, step: int) -> list:
    """In a worker forked once every page is rendered: every `step`-th page through the theme, as
    MkDocs' `_build_page` does up to the template's output (the parent runs the rest: `on_post_page`
    and the write)."""
    from mkdocs.commands.build import get_context

    config, nav, env, files, pages = state
    doc_files = files.documentation_pages()
    out: list[_Themed | _Failed] = []
    for file in pages[index::step]:
        page = file.page
        page.active = True
        with _current(config, page) as records:
            try:
                context = get_context(nav, doc_files, config, page)
                template = env.get_template(page.meta.get("template", "main.html"))
                context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
                out.append(_Themed(file.src_uri, template.render(context), records))
            except Exception as exc:  # noqa: BLE001 - raised again when MkDocs builds this page
                out.append(_Failed(file.src_uri, sendable(exc)))
            finally:
                page.active = False
    return out


class _Prerendered:
    """A theme template whose `render` gives a worker's output for the pages the workers themed."""

    def __init__(self, template, pool: RenderPool) -> None:  # noqa: ANN001 - jinja2.Template
        self.template, self.pool = template, pool

    def render(self, context) -> str:  # noqa: ANN001
        page = context.get("page")
        if page is None or page.file.src_uri not in self.pool.themed:
            return self.template.render(context)
        result = self.pool._themed_results()[page.file.src_uri]
        if isinstance(result, _Failed):
            raise result.error
        _replay(result.records)
        return result.output

    def __getattr__(self, name: str):  # noqa: ANN204 - anything else MkDocs or a plugin may read
        return getattr(self.template, name)


class RenderPool(BasePlugin):
    """See the module doc. `workers`: processes to fork; `dirty`: MkDocs renders only modified pages."""

    def __init__(self, workers: int, dirty: bool, search: object | None = None) -> None:
        super().__init__()
        self.workers, self.dirty = workers, dirty
        self.search = search  # incremental.SearchCache: the workers' entries go into it
        self.chosen: set[str] = set()
        self.shares = None  # forked.Shares
        self.results: dict[str, _Page | _Failed] | None = None
        self.rendered = 0  # pages the workers rendered, and their tables with and without Python-Markdown
        self.fast_tables = self.slow_tables = 0
        self.nav = None
        self.themed: set[str] = set()  # pages the workers put through the theme (after every render)
        self.theme_shares = None
        self.theme_results: dict[str, _Themed | _Failed] | None = None

    @event_priority(-100)  # after every other plugin has seen the nav
    def on_nav(self, nav, *, config, files):  # noqa: ANN001, ANN201
        from .forked import Shares

        if self.workers < 2 or not set(config.plugins) <= PURE_PLUGINS:
            return nav
        pages = [f for f in files.documentation_pages() if f.page is not None
                 and not (self.dirty and not f.is_modified())]
        if len(pages) < MIN_PAGES:
            return nav
        self.chosen = {f.src_uri for f in pages}
        self.shares = Shares(_render, (self, config, files, pages), self.workers)
        self.nav = nav
        return nav

    @event_priority(-100)  # after every other plugin's env (the template cache's)
    def on_env(self, env, *, config, files):  # noqa: ANN001, ANN201
        """Every page is rendered now: workers forked here put the chosen pages through the theme (Jinja,
        the other serial half of a large build) while MkDocs copies the static files."""
        from .forked import Shares

        if not self.chosen:
            return env
        pages = [f for f in files.documentation_pages() if f.src_uri in self.chosen]
        env.get_template("main.html")  # compiled once, before the fork
        self.themed = {f.src_uri for f in pages}
        self.theme_shares = Shares(_theme, (config, self.nav, env, files, pages), self.workers)
        get_template = env.get_template
        env.get_template = lambda *args, **kwargs: _Prerendered(get_template(*args, **kwargs), self)
        return env

    def _themed_results(self) -> dict[str, _Themed | _Failed]:
        if self.theme_results is None:
            self.theme_results = {r.src_uri: r for share in self.theme_shares.results() for r in share}
        return self.theme_results

    def on_pre_page(self, page, *, config, files):  # noqa: ANN001, ANN201
        if page.file.src_uri not in self.chosen:  # rendered here as usual (meanwhile the workers run)
            return page
        page.render = types.MethodType(_rendered(self._results()[page.file.src_uri], files), page)
        return page

    def _results(self) -> dict[str, _Page | _Failed]:
        """The workers' pages by source path (waited for at the first page they rendered)."""
        if self.results is None:
            shares = self.shares.results()
            self.results = {r.src_uri: r for pages, _ in shares for r in pages}
            self.rendered = len(self.results)
            self.fast_tables = sum(counts.fast for _, counts in shares)
            self.slow_tables = sum(counts.slow for _, counts in shares)
            for result in self.results.values():
                if isinstance(result, _Page) and result.entries is not None:
                    key, entries = result.entries
                    self.search.entries[key] = entries
        return self.results

    def close(self) -> None:
        for shares in (self.shares, self.theme_shares):
            if shares is not None:
                shares.cancel()

    def on_build_error(self, *, error) -> None:  # noqa: ANN001
        self.close()

    def on_shutdown(self) -> None:
        self.close()


def _rendered(result: _Page | _Failed, files):  # noqa: ANN001, ANN202 - a Page.render replacement
    """`Page.render` for a page a worker rendered: its results set, what its render logged logged here
    (or what it raised raised here, so that MkDocs names the page)."""
    if isinstance(result, _Failed):
        def failed(self, config, files_=None) -> None:  # noqa: ANN001
            raise result.error

        return failed

    def render(self, config, files_=None) -> None:  # noqa: ANN001
        _replay(result.records)
        self.content, self.toc, self._title_from_render = result.content, result.toc, result.title
        self.present_anchor_ids = result.anchor_ids
        if result.anchors is not None:
            self.links_to_anchors = {files.get_file_from_path(uri): links for uri, links in result.anchors.items()}

    return render
