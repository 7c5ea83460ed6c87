"""One docs build: reflect the live catalog once, read the data around it, write pages, build the site.

Data flow: database -> catalog (reflect, once) + data reads (lookups, ledger) + files
(SCHEMA_CONVENTIONS.md, lint report, notebooks) -> `pages.generate` (pure) -> docs/generated/
with the live values blanked (committed: the same for the same schema on any database) and a
staging copy with them -> `mkdocs build --strict` -> site/.  Timings per stage are kept for the
benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..catalog import reflect
from ..catalog.facts import TOOLING_TABLES
from ..config import MASK, Settings
from ..database.connect import connect
from . import erd, erd_cache, site
from .check import blank_live
from .config import CONFIG_FILE, DocsConfig, load_config
from .data import ledger_rows, live_figures, lookup_data
from .groups import lookups
from . import notebooks as notebook_pages
from .pages import Compliance, Finding, Generated, Inputs, Migration, generate

CONVENTIONS_FILE = "SCHEMA_CONVENTIONS.md"


@dataclass
class BuildResult:
    generated: Generated
    written: int = 0
    removed: int = 0
    index_html: Path | None = None
    created: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # reflection, data, pages, diagrams, write, mkdocs
    query_count: int = 0
    tables: int = 0
    layouts: tuple[int, int] = (0, 0)  # diagram layouts (taken from the cache, laid out now)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _lint_config(root: Path):  # noqa: ANN202 - lint.LintConfig | None
    """The linter's configuration (pyproject.toml), None without the linter."""
    try:
        from ..lint import load_config as load_lint_config
    except ImportError:
        return None
    pyproject = root / "pyproject.toml"
    return load_lint_config(pyproject if pyproject.is_file() else None)


def _compliance(catalog, config) -> dict:  # noqa: ANN001 - Catalog, lint.LintConfig | None
    """The Inputs fields of the linter's catalog rules and metrics on the already-reflected catalog (no
    second reflection).

    Named after the database, not its connection, so the page is the same on every machine and
    `docs check` sees exactly what `docs build` wrote.  Kept as data (the page escapes every string
    of it).  Optional: skipped with a note without the linter.
    """
    if config is None:
        return dict(compliance=None, lint_metrics=(), compliance_note="The compliance report appears here once "
                    "the migration linter is part of the workbench.")
    from ..lint import LintReport, lint_catalog
    from ..lint.catalog_rules import catalog_metrics
    from ..lint.report import METRICS, format_metric

    report = LintReport(mode="database", target=catalog.database, findings=lint_catalog(catalog, config),
                        metrics=catalog_metrics(catalog, config))
    metrics = tuple((METRICS[k][0], format_metric(k, report.metrics[k])) for k in METRICS if k in report.metrics)
    c = report.counts()
    compliance = Compliance(
        target=report.target, mode=report.mode, status="failed" if report.failing() else "passed",
        errors=c["error"], warnings=c["warning"], suppressed=c["suppressed"], baselined=c["baselined"],
        findings=tuple(Finding(f.severity, f.rule, f.object, f.location, f.message) for f in report.findings),
        metrics=metrics)
    return dict(compliance=compliance, lint_metrics=metrics, compliance_note="")


def _migrations(folder: Path, root: Path) -> tuple[Migration, ...]:
    """Each migration file with its SQL, checksum and the objects the linter's source analysis
    attributes to it (none when the files cannot be parsed: the linter reports that)."""
    if not folder.is_dir():
        return ()
    from ..errors import WorkbenchError
    from ..migrate.files import discover

    try:
        found = discover(folder)
    except WorkbenchError:
        return ()
    objects: dict[str, list[tuple[str, str, int]]] = {}
    try:
        from ..lint.source import parse_migrations

        src = parse_migrations(folder)  # parse and attribute only (no rules)
        for key, (display, line) in src.defs.items():
            kind, *name = key
            if kind == "column" and ("table", name[0], name[1]) in src.defs \
                    and src.defs[("table", name[0], name[1])][0] == display:
                continue  # a column of a table this file creates: the table says it
            shown = ".".join(n for i, n in enumerate(name) if not (i == 0 and n == "public" and len(name) > 1))
            objects.setdefault(display, []).append((kind, shown, line))
    except (ImportError, WorkbenchError):
        src = None
    out = []
    for m in found:
        display = None
        if src is not None:
            display = next((f.display for f in src.files if f.path.resolve() == m.path.resolve()), None)
        out.append(Migration(m.version, m.description, _relative(m.path, root), m.data.decode("utf-8", "replace"),
                             m.checksum.hex(), tuple(sorted(objects.get(display, []), key=lambda o: (o[2], o)))))
    return tuple(out)


def collect(settings: Settings, config: DocsConfig, root: Path, timings: dict[str, float],
            live: Settings | None = None, dependencies: object | None = None,
            notebook_cache: Path | None = None, compliance: bool = True) -> Inputs:
    """Everything the pages need, with the catalog reflected once; live figures only from `live`;
    notebooks converted again only where they are not in `notebook_cache`; the linter's report unless
    `compliance` is false (`produce` has it made while the relation pages are written)."""
    t0 = time.perf_counter()
    with connect(settings, autocommit=True, read_only=True) as conn:
        catalog = reflect(conn)
        timings["reflection"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        lookup_keys = lookups(catalog, config)
        lookup = lookup_data(conn, catalog, lookup_keys, config.status_values_max)
    ledger = ledger_rows(settings, catalog, settings.migrations_dir)
    conventions_path = root / CONVENTIONS_FILE
    conventions = conventions_path.read_text(encoding="utf-8") if conventions_path.is_file() else None
    lint_config = _lint_config(root)
    report = _compliance(catalog, lint_config) if compliance else {}
    notebooks = notebook_pages.convert_notebooks(root / "notebooks", notebook_cache)
    figures = live_figures(live, catalog, lookup_keys, config.status_values_max) if live is not None else None
    timings["data"] = time.perf_counter() - t0
    return Inputs(catalog=catalog, lookups=lookup, ledger=ledger,
                  migrations_folder=_relative(settings.migrations_dir, root), conventions=conventions,
                  notebooks=notebooks, migrations=_migrations(settings.migrations_dir, root), live=figures,
                  exclude_tables=tuple(lint_config.ignore_tables) if lint_config is not None else TOOLING_TABLES,
                  dependencies=dependencies, **report)


def scrub_secrets(files: dict[str, bytes], settings: Settings) -> dict[str, bytes]:
    """Defence in depth: the pages never hold connection settings, but a password that turns up in
    the data (a comment, a lookup value) is masked before anything is written."""
    secret = settings.password.reveal() if settings.password else None
    if not secret or len(secret) < 3:
        return files
    needle = secret.encode("utf-8")
    return {k: v.replace(needle, MASK.encode()) for k, v in files.items()}


def _finish(generated: Generated, settings: Settings) -> Generated:
    # The assets are ours, not the database's: added after the scrub (a password could occur in their bytes).
    files = scrub_secrets(generated.files, settings)
    files.update(site.asset_files(vendor=any(path.endswith(erd.BROWSER) for path in files)))
    generated.files = dict(sorted(files.items()))
    return generated


def produce(settings: Settings, root: Path, config: DocsConfig | None = None,
            timings: dict[str, float] | None = None, live: Settings | None = None,
            diagrams: dict | None = None, dependencies: object | None = None,
            notebook_cache: Path | None = None) -> tuple[Generated, Inputs]:
    """The files of docs/generated/ for the database (never with live figures: the same for the same
    schema on any database), and the inputs (with live figures when `live` names their source).
    `diagrams` (path -> SVG) is filled with the drawn diagrams, for a second generation to reuse."""
    timings = {} if timings is None else timings
    config = config or load_config(root / CONFIG_FILE)
    inputs = collect(settings, config, root, timings, live, dependencies, notebook_cache, compliance=False)
    report: dict = {}

    def meanwhile(done: Inputs) -> Inputs:  # the linter's rules run while forked workers write the relation pages
        report.update(_compliance(done.catalog, _lint_config(root)))
        return replace(done, **report)

    generated = _finish(generate(replace(inputs, live=None), config, diagrams=diagrams, meanwhile=meanwhile),
                        settings)
    inputs = replace(inputs, **report)
    timings.update(generated.timings)
    return generated, inputs


def build(settings: Settings, root: Path, *, with_site: bool = True, site_dir: Path | None = None,
          config: DocsConfig | None = None, live: Settings | None = None,
          dependencies: object | None = None, since: str | None = None) -> BuildResult:
    """Regenerate docs/generated/ under `root` and, by default, build the site into site/ (with the live
    figures read from `live` when given, otherwise without any)."""
    from ..collector import paused

    with paused():  # what a build makes lives until its end: 1.5 s of a 15.7 s rebuild were collector passes
        return _build(settings, root, with_site=with_site, site_dir=site_dir, config=config, live=live,
                      dependencies=dependencies, since=since)


def _build(settings: Settings, root: Path, *, with_site: bool, site_dir: Path | None, config: DocsConfig | None,
           live: Settings | None, dependencies: object | None, since: str | None) -> BuildResult:
    timings: dict[str, float] = {}
    created = site.ensure_project(root)
    config = config or load_config(root / CONFIG_FILE)
    drawn: dict = {}  # the live site reuses the diagrams of the committed pages (they hold no live figure)
    # open until the end: the live site's generation reads the diagrams its workers got by cache key
    with erd_cache.open_cache(root / erd_cache.FOLDER) as layouts:
        generated, inputs = produce(settings, root, config, timings, live, drawn, dependencies,
                                    root / notebook_pages.CACHE)
        # docs/generated/ is written by a thread while the site is built from the staging copy (which the
        # site reads instead): the two serial writes of the same 6,400 files at 2,000 tables overlap.
        from concurrent.futures import ThreadPoolExecutor

        index = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="x121-write-generated") as pool:
            writing = pool.submit(_write_generated, root / site.GENERATED, blank_live(generated.files), layouts,
                                  timings)
            try:
                if with_site:
                    index = _site(settings, root, generated, inputs, config, drawn, site_dir, since, timings)
            finally:
                written, removed = writing.result()  # every build waits for it, and raises what it raised
    return BuildResult(generated, written, removed, index, created, timings, inputs.catalog.query_count,
                       len(inputs.catalog.tables), (layouts.hits, layouts.misses))


def _write_generated(folder: Path, files: dict[str, bytes], layouts: erd_cache.LayoutCache,
                     timings: dict[str, float]) -> tuple[int, int]:
    """`site.write_tree` of docs/generated/, then the layout cache's pruning. -> (written, removed)"""
    t0 = time.perf_counter()
    counts = site.write_tree(folder, files)
    erd_cache.prune(layouts)  # the cache holds this build's layouts only
    timings["write"] = time.perf_counter() - t0
    return counts


def _site(settings: Settings, root: Path, generated: Generated, inputs: Inputs, config: DocsConfig, drawn: dict,
          site_dir: Path | None, since: str | None, timings: dict[str, float]) -> Path:
    """The site, from the pages with their live figures (when the inputs have them) and the Changes page."""
    files = generated.files
    if inputs.live is not None:
        files = _finish(generate(inputs, config, diagrams=drawn, reuse=generated), settings).files
    nav = None
    if since:  # the Changes page (site only): the schema review of the migrations since that ref
        from .changes import NAV, changes_files

        files, nav = {**files, **changes_files(settings, root, since)}, NAV
    t0 = time.perf_counter()
    index = site.build_site(root, files, site_dir, extra_nav=nav)
    timings["mkdocs"] = time.perf_counter() - t0
    return index
