"""Incremental site builds: a persistent staging folder, MkDocs dirty builds, cached search entries.

A full `mkdocs build` of 2,000 tables converts and re-indexes every page although a changed comment
touches a handful.  So the staging copy of docs/ lives on under .x121/docs-staging/ and is updated
in place (unchanged files keep their mtimes); when the set of files, mkdocs.yml, the theme overrides,
the extra nav and the site folder are what the last successful build saw, MkDocs runs with
dirty=True and renders only the pages whose source is newer than their HTML.  Anything else (a page
added or removed, a config edit, a failed or missing previous build) gives a full build.

Material's search plugin indexes only the pages it renders (and of a table page only what people
search for, see NOT_SEARCHED), so SearchCache keeps each page's index
entries keyed by a hash of what they are made from (URL, HTML, title, table of contents, metadata)
and puts the index back together in page order: a dirty build's search_index.json is the one a full
build writes, and a full build re-parses only the pages whose HTML changed, with
docs/search_sections.py (Material's sections without its `html.parser`) where the HTML is ours.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

from mkdocs.plugins import BasePlugin, event_priority

from . import search_sections

STAGING = Path(".x121") / "docs-staging"
STATE = "state.json"
SEARCH_CACHE = "search-cache.json"
FORMAT = 2  # bump when what is cached changes shape
# What people search for is table and column names and comments (issue 18): on a table page the
# sections below are left out of the search index, and so out of Material's HTML parser, which
# otherwise spends a third of a 2,000-table build there.  A renamed heading is merely indexed.
TABLE_PAGES = "generated/tables/"
NOT_SEARCHED = frozenset({"neighbourhood", "primary-key", "constraints", "indexes", "triggers",
                          "foreign-keys-this-table-references", "referenced-by", "policies", "partitions"})
_H2 = re.compile(r'(?=<h2 id="([^"]*)")')


def searched_html(url: str, html: str) -> str:
    """The part of a page's HTML that goes into the search index (see NOT_SEARCHED)."""
    if not url.startswith(TABLE_PAGES) or "<h2" not in html:
        return html
    parts = _H2.split(html)  # [head, id1, section1, id2, section2, ...]
    kept = [parts[0]] + [sec for hid, sec in zip(parts[1::2], parts[2::2]) if hid not in NOT_SEARCHED]
    return "".join(kept)


def build_key(root: Path, paths: list[str], site: Path, extra_nav: list | None) -> str:
    """What must be unchanged for a dirty build to equal a full one (file contents are compared by mtime)."""
    h = hashlib.sha256(f"format {FORMAT}\n{site}\n{json.dumps(extra_nav or [])}\n".encode())
    for name in ("mkdocs.yml",):
        path = root / name
        h.update(path.read_bytes() if path.is_file() else b"-")
    overrides = root / "overrides"  # theme custom_dir: a template change touches every page
    if overrides.is_dir():
        for p in sorted(overrides.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(overrides).as_posix().encode() + b"\0" + p.read_bytes())
    try:
        from importlib.metadata import version

        h.update(f"{version('mkdocs')} {version('mkdocs-material')}".encode())
    except Exception:  # noqa: BLE001 - an unknown version only costs a full build
        h.update(b"unknown")
    h.update("\n".join(sorted(paths)).encode())
    return h.hexdigest()


def same_nav(staging: Path, nav: object) -> bool:
    """Record the nav MkDocs is given (it may come from code, not mkdocs.yml); False when it differs
    from last time's, as every page shows it and a dirty build would leave stale ones."""
    path = staging / "nav.json"
    text = json.dumps(nav, sort_keys=True, default=str)
    try:
        same = path.read_text(encoding="utf-8") == text
    except OSError:
        same = False
    if not same:
        path.write_text(text, encoding="utf-8")
    return same


def _site_stamp(site: Path) -> int | None:
    """When our last build wrote the search index: another tool writing site/ since then changes it."""
    try:
        return (site / "search" / "search_index.json").stat().st_mtime_ns
    except OSError:
        return None


def previous_key(staging: Path) -> str | None:
    try:
        return json.loads((staging / STATE).read_text(encoding="utf-8")).get("key")
    except (OSError, ValueError):
        return None


def can_build_dirty(staging: Path, key: str, site: Path) -> bool:
    """The last build here succeeded with the same key, into a site/ nobody else has written since."""
    try:
        state = json.loads((staging / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (state.get("key") == key and state.get("site") == _site_stamp(site) is not None
            and (site / "index.html").is_file() and (staging / SEARCH_CACHE).is_file())


def forget(staging: Path) -> None:
    """Before a build: until it succeeds, the next build must be a full one."""
    (staging / STATE).unlink(missing_ok=True)


def remember(staging: Path, key: str, site: Path) -> None:
    (staging / STATE).write_text(json.dumps({"key": key, "site": _site_stamp(site)}), encoding="utf-8")


class _QuietDirty(logging.Filter):
    """MkDocs warns on every dirty build (strict mode would abort); ours are checked against full builds."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build is being performed" not in record.getMessage()


def quiet_dirty_warning() -> None:
    log = logging.getLogger("mkdocs.commands.build")
    if not any(isinstance(f, _QuietDirty) for f in log.filters):  # once per process: builds run in-process
        log.addFilter(_QuietDirty())


def _toc(items) -> list:  # noqa: ANN001 - MkDocs' TableOfContents
    return [[i.id, i.url, i.title, _toc(i.children)] for i in items]


def template_cache_dir() -> Path | None:
    """The per-user folder of compiled theme templates (None where there is no private home to keep it in)."""
    import os

    import jinja2
    import mkdocs

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / "x121-docs" / f"jinja-{jinja2.__version__}-mkdocs-{mkdocs.__version__}"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None
    # compiled templates are code: only from a folder nobody else can write to
    return folder if st.st_uid == os.getuid() and not st.st_mode & 0o022 else None


class TemplateCache(BasePlugin):
    """Material's ~40 templates compiled once, not on every build (half of a small build's time):
    Jinja's own bytecode cache, which recompiles a template whose source checksum changed."""

    def on_env(self, env, *, config, files):  # noqa: ANN001, ANN201
        import jinja2

        folder = template_cache_dir()
        if folder is not None:
            env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
        return env


class SearchCache(BasePlugin):
    """Per-page search entries, cached by content hash, merged back in page order (see module doc)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.old_pages: dict[str, str] = {}
        self.old_entries: dict[str, list] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == FORMAT:
                self.old_pages, self.old_entries = data["pages"], data["entries"]
        except (OSError, ValueError, KeyError):
            pass
        self.pages: dict[str, str] = {}  # url -> key, this build
        self.entries: dict[str, list] = {}  # key -> entries
        self.order: list[str] = []
        self.index = None
        self.parsed = 0

    @event_priority(-100)  # after Material's search plugin has made its index
    def on_pre_build(self, *, config) -> None:  # noqa: ANN001
        from material.plugins.search.plugin import SearchPlugin

        search = next((p for p in config.plugins.values() if isinstance(p, SearchPlugin)), None)
        if search is None or not search.config.enabled:
            return
        self.index = search.search_index
        self.original = self.index.add_entry_from_context

        def add_entry_from_context(page) -> None:  # noqa: ANN001
            h, entries = self.entries_for(page)
            self.entries[h] = entries
            self.pages[page.url] = h

        self.index.add_entry_from_context = add_entry_from_context

    def entries_for(self, page) -> tuple[str, list]:  # noqa: ANN001 - mkdocs Page
        """(key, the page's search entries), from the cache or parsed now (also in a forked worker:
        docs/render_pool.py sends them to the parent, whose index then finds them by key). Only once the
        search index is known (`on_pre_build`)."""
        h = hashlib.sha256("\0".join([
            page.url, page.content or "", str(page.title),
            json.dumps(_toc(page.toc)), json.dumps(page.meta, sort_keys=True, default=str),
        ]).encode()).hexdigest()
        cached = self.entries.get(h, self.old_entries.get(h))
        if cached is None:
            start, content = len(self.index.entries), page.content
            page.content = searched_html(page.url, content or "")
            try:
                if not search_sections.add_entries(self.index, page):  # HTML that is not ours: Material's parser
                    self.original(page)
            finally:
                page.content = content
            cached = self.index.entries[start:]
            del self.index.entries[start:]
            self.parsed += 1
        return h, cached

    @event_priority(-100)
    def on_files(self, files, *, config):  # noqa: ANN001, ANN201
        self.order = [f.url for f in files.documentation_pages()]
        return files

    @event_priority(100)  # before Material's search plugin writes search_index.json
    def on_post_build(self, *, config) -> None:  # noqa: ANN001
        if self.index is None:
            return
        for url in self.order:  # pages a dirty build did not render: their entries of last time
            if url not in self.pages and url in self.old_pages and self.old_pages[url] in self.old_entries:
                self.pages[url] = h = self.old_pages[url]
                self.entries[h] = self.old_entries[h]
        missing = [u for u in self.order if u not in self.pages]
        if missing:  # cannot happen after a successful build of the same files; never write a partial index
            raise RuntimeError(f"search entries missing for {len(missing)} page(s), e.g. {missing[0]}")
        self.index.entries = [e for url in self.order for e in self.entries[self.pages[url]]]
        keep = {self.pages[u] for u in self.order}
        self.path.write_text(json.dumps({"format": FORMAT, "pages": {u: self.pages[u] for u in self.order},
                                         "entries": {k: self.entries[k] for k in sorted(keep)}},
                                        separators=(",", ":")), encoding="utf-8")
