"""The MkDocs side: project files, writing the generated tree, `mkdocs build --strict`, serving.

The site is built from a staging copy of docs/ whose generated/ holds the pages with their live
values, so site/ shows current counts and times while the committed docs/generated/ keeps them
blank.  MkDocs runs in this process (offline: Material with `font: false`, the built-in search)
with SOURCE_DATE_EPOCH fixed, so two builds of the same pages give the same site.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import logging
import os
import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ..errors import WorkbenchError

GENERATED = Path("docs") / "generated"
THEME = Path("overrides")  # Material custom_dir: CSP meta, escaped <title>


def _template(name: str) -> str:
    return resources.files("x121_docs.docs").joinpath("templates", name).read_text(encoding="utf-8")


def asset_files(vendor: bool = False) -> dict[str, bytes]:
    """The viewer's script and the styles, under generated/assets/; with `vendor`, also assets/vendor/:
    Graphviz in WebAssembly (1.3 MB) and its notice, for a site with diagrams laid out in the browser."""
    folder = resources.files("x121_docs.docs").joinpath("assets")
    out = {f"assets/{p.name}": p.read_bytes() for p in sorted(folder.iterdir(), key=lambda p: p.name)
           if p.name.endswith((".js", ".css"))}
    if vendor:
        out.update({f"assets/vendor/{p.name}": p.read_bytes()
                    for p in sorted(folder.joinpath("vendor").iterdir(), key=lambda p: p.name)
                    if p.name.endswith((".js", ".txt"))})
    return out


def ensure_project(root: Path) -> list[Path]:
    """Create mkdocs.yml, docs/index.md and the theme overrides from the defaults where missing (never overwrite)."""
    created = []
    for path, template in ((root / "mkdocs.yml", "mkdocs.yml.j2"), (root / "docs" / "index.md", "index.md.j2"),
                           (root / THEME / "main.html", "theme-main.html.j2"),
                           (root / THEME / "partials" / "javascripts" / "content.html", "theme-content-js.html.j2"),
                           (root / THEME / "partials" / "javascripts" / "palette.html", "theme-palette-js.html.j2")):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_template(template), encoding="utf-8")
            created.append(path)
    return created


def write_tree(folder: Path, files: dict[str, bytes]) -> tuple[int, int]:
    """Make `folder` hold exactly `files`: rewrite changed ones, delete stale ones. -> (written, removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = removed = 0
    for rel, content in files.items():
        path = folder / rel
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written += 1
    wanted = {folder / rel for rel in files}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written, removed


def read_tree(folder: Path, skip: str | None = None) -> dict[str, bytes]:
    """Every file under `folder` by relative path; `skip`: a sub-folder not read (docs/generated/, whose
    files the build already holds: 280 MB at 2,000 tables)."""
    if not folder.is_dir():
        return {}
    out: dict[str, bytes] = {}
    for top, dirs, names in os.walk(folder, followlinks=True):  # as rglob did
        if skip is not None and top == str(folder):
            dirs[:] = [d for d in dirs if d != skip]
        for name in names:
            path = Path(top, name)
            if path.is_file():
                out[path.relative_to(folder).as_posix()] = path.read_bytes()
    return dict(sorted(out.items(), key=lambda item: item[0].split("/")))  # Path order, as before


def build_site(root: Path, files: dict[str, bytes], site_dir: Path | None = None,
               extra_nav: list | None = None, *, incremental: bool = True) -> Path:
    """Build the site from a staging copy of root/docs/ whose generated/ holds `files` (live values in).

    The rest of docs/ (hand-written pages, erd.yml) is copied as it is; mkdocs.yml stays in place, so
    its other relative paths (theme overrides, hooks) still resolve from the project.  The staging
    copy persists under .x121/docs-staging/ so that a rebuild renders only the pages that changed
    (docs/incremental.py); `incremental=False` forces a full build."""
    from . import incremental as incremental_build  # imports MkDocs: only when a site is built

    docs = root / GENERATED.parent
    staging = root / incremental_build.STAGING
    wanted = read_tree(docs, skip=GENERATED.name)
    wanted.update({f"{GENERATED.name}/{rel}": content for rel, content in files.items()})
    site = (site_dir or root / "site").resolve()
    key = incremental_build.build_key(root, list(wanted), site, extra_nav)
    dirty = incremental and incremental_build.can_build_dirty(staging, key, site)
    staging.mkdir(parents=True, exist_ok=True)
    incremental_build.forget(staging)
    write_tree(staging / GENERATED.parent, wanted)
    index = mkdocs_build(root, site_dir, docs_dir=staging / GENERATED.parent, extra_nav=extra_nav, dirty=dirty,
                         search_cache=staging / incremental_build.SEARCH_CACHE)
    incremental_build.remember(staging, key, site)
    return index


def mkdocs_build(root: Path, site_dir: Path | None = None, docs_dir: Path | None = None,
                 extra_nav: list | None = None, *, dirty: bool = False, search_cache: Path | None = None) -> Path:
    """`mkdocs build --strict` of root/mkdocs.yml (its docs_dir replaced by `docs_dir` when given);
    `dirty`: render only pages newer than their HTML; `search_cache`: reuse search entries by page hash.

    Returns site/index.html; raises with MkDocs' warnings on failure."""
    config = root / "mkdocs.yml"
    if not config.is_file():
        raise WorkbenchError(f"No mkdocs.yml in {root}.", "Run `x121-docs docs build` there to create the default one.")
    site = (site_dir or root / "site").resolve()
    messages: list[str] = []
    if _run_mkdocs(config, docs_dir, site, extra_nav or [], dirty, search_cache, messages) != 0:
        output = "\n".join(messages)
        if docs_dir:  # name the project's folder, not the staging copy
            output = output.replace(str(docs_dir), str(root / GENERATED.parent))
        lines = [ln for ln in output.splitlines() if ln.strip()]
        detail = " | ".join(ln for ln in lines if "WARNING" in ln or "ERROR" in ln or "Error" in ln)[:2000]
        raise WorkbenchError(f"mkdocs build --strict failed in {root}: {detail or ' | '.join(lines[-5:])}",
                             "Fix the page or mkdocs.yml it names; generated pages are rebuilt on every run.")
    return site / "index.html"


def site_nav(configured: list | None) -> list:
    """mkdocs.yml's own nav entries (hand-written pages) followed by the generated pages, from the registry."""
    from .pages import nav

    def generated(entry: object) -> bool:
        values = entry.values() if isinstance(entry, dict) else [entry]
        return any(isinstance(v, str) and v.startswith(GENERATED.name + "/") for v in values)

    hand = [e for e in (configured or [{"Home": "index.md"}]) if not generated(e)]
    return hand + nav(GENERATED.name + "/")


#: Material features that turn text into markup: `content.tooltips` copies an element's `title`
#: attribute (table and column names in the navigation, our cells' full texts) into a tooltip
#: through innerHTML, so a name like `<a href=...>x</a>` would become a link.  Dropped from any
#: mkdocs.yml; the browser's own title tooltip shows the same text, as text.
UNSAFE_FEATURES = frozenset({"content.tooltips"})


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.messages = messages
        self.setFormatter(logging.Formatter("%(levelname)-8s-  %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@contextlib.contextmanager
def _build_environment(messages: list[str]) -> Iterator[None]:
    """SOURCE_DATE_EPOCH fixed (MkDocs dates the site by it: two builds of the same pages are the same
    site) for the build only, and MkDocs' warnings and errors collected in `messages` rather than printed."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    log = logging.getLogger("mkdocs")
    level, propagate = log.level, log.propagate
    handler = _Collect(messages)
    log.setLevel(logging.WARNING)
    log.propagate = False
    log.addHandler(handler)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def _run_mkdocs(config_file: Path, docs_dir: Path | None, site_dir: Path, extra_nav: list, dirty: bool,
                search_cache: Path | None, messages: list[str]) -> int:
    """What `mkdocs build --strict --clean -q` does (`--dirty` when `dirty`), in this process (a
    subprocess cost ~0.7 s of start-up and imports per build), through MkDocs' Python API because its
    command line cannot override docs_dir.  Warnings and errors go to `messages`; 0 when it built."""
    from mkdocs import config
    from mkdocs.commands import build
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.exceptions import MkDocsException

    from . import incremental as incremental_build
    from . import forked, render_pool

    overrides = {"docs_dir": str(docs_dir)} if docs_dir else {}
    # MkDocs keeps plugins that have start-up hooks between builds of one process (for `mkdocs serve`);
    # Material's search would then merge the previous dirty build's index, of any site, into this one.
    MkDocsConfig.plugins.plugin_cache.clear()
    with _build_environment(messages):
        try:
            cfg = config.load_config(config_file=str(config_file), site_dir=str(site_dir), strict=True, **overrides)
            cfg["nav"] = site_nav(cfg["nav"]) + extra_nav  # + pages only some builds have (Changes)
            features = cfg.theme["features"] if "features" in cfg.theme else []
            cfg.theme["features"] = [f for f in features if f not in UNSAFE_FEATURES]
            cfg.plugins["x121/template-cache"] = incremental_build.TemplateCache()
            if search_cache:
                cfg.plugins["x121/search-cache"] = incremental_build.SearchCache(search_cache)
                dirty = incremental_build.same_nav(search_cache.parent, cfg["nav"]) and dirty
            if dirty:
                incremental_build.quiet_dirty_warning()
            cfg.plugins["x121/render-pool"] = render_pool.RenderPool(
                forked.cores(), dirty, cfg.plugins["x121/search-cache"] if search_cache else None)
            cfg.plugins.on_startup(command="build", dirty=dirty)
            try:
                build.build(cfg, dirty=dirty)
            finally:
                cfg.plugins.on_shutdown()
        except MkDocsException as exc:
            messages.append(f"ERROR   -  {exc.format_message()}")
            return 1
        except Exception as exc:  # noqa: BLE001 - a theme override or hook of the project's: its error, said once
            messages.append(f"ERROR   -  {type(exc).__name__}: {exc}")
            return 1
    return 0


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000,
          handler: type[http.server.SimpleHTTPRequestHandler] | None = None) -> http.server.ThreadingHTTPServer:
    """An HTTP server over the built site (call serve_forever(); port 0 picks a free one)."""
    server = _QuietServer((host, port), functools.partial(handler or SiteHandler, directory=str(site)))
    server.daemon_threads = True
    return server


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Quiet, and every response revalidated (no-cache): a page reloaded after a rebuild is the new one,
    while an unchanged script or style is a 304 that keeps the browser's compiled copy."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def cache_control(self) -> str:
        """The Cache-Control of the response to `self.path` (the tests' server caches the assets)."""
        return "no-cache"

    def end_headers(self) -> None:
        self.send_header("Cache-Control", self.cache_control())
        super().end_headers()


class _QuietServer(http.server.ThreadingHTTPServer):
    """A browser that drops a connection mid-response (a closed tab, a cancelled fetch) is normal
    traffic, not a server fault: the base class prints a traceback for it."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
