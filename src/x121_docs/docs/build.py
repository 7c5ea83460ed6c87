"""One docs build: reflect the live catalog once, read the data around it, write pages, build the site.

Data flow: database -> catalog (reflect, once) + data reads (lookups, ledger) + files
(SCHEMA_CONVENTIONS.md, lint report, notebooks) -> `pages.generate` (pure) -> docs/generated/
with the live values blanked (committed: the same for the same schema on any database) and a
staging copy with them -> `mkdocs build --strict` -> site/.  Timings per stage are kept for the
benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import reflect
from ..config import MASK, Settings
from ..database.connect import connect
from . import site
from .check import blank_live
from .config import CONFIG_FILE, DocsConfig, load_config
from .data import ledger_rows, lookup_data
from .groups import lookups
from .notebooks import convert_notebooks
from .pages import Compliance, Finding, Generated, Inputs, generate

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


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _compliance(catalog, root: Path) -> tuple[Compliance | None, str, tuple[tuple[str, str], ...]]:  # noqa: ANN001
    """The linter's catalog rules and metrics on the already-reflected catalog (no second reflection).

    Named after the database, not its connection, so the page is the same on every machine and
    `docs check` sees exactly what `docs build` wrote.  Kept as data (the page escapes every string
    of it).  Optional: skipped with a note without the linter.
    """
    try:
        from ..lint import LintReport, lint_catalog
        from ..lint import load_config as load_lint_config
        from ..lint.catalog_rules import catalog_metrics
        from ..lint.report import METRICS, format_metric
    except ImportError:
        return None, "The compliance report appears here once the migration linter is part of the workbench.", ()
    pyproject = root / "pyproject.toml"
    config = load_lint_config(pyproject if pyproject.is_file() else None)
    report = LintReport(mode="database", target=catalog.database, findings=lint_catalog(catalog, config),
                        metrics=catalog_metrics(catalog, config))
    metrics = tuple((METRICS[k][0], format_metric(k, report.metrics[k])) for k in METRICS if k in report.metrics)
    c = report.counts()
    compliance = Compliance(
        target=report.target, mode=report.mode, status="failed" if report.failing() else "passed",
        errors=c["error"], warnings=c["warning"], suppressed=c["suppressed"], baselined=c["baselined"],
        findings=tuple(Finding(f.severity, f.rule, f.object, f.location, f.message) for f in report.findings),
        metrics=metrics)
    return compliance, "", metrics


def collect(settings: Settings, config: DocsConfig, root: Path, timings: dict[str, float]) -> Inputs:
    """Everything the pages need, with the catalog reflected once."""
    t0 = time.perf_counter()
    with connect(settings, autocommit=True) as conn:
        catalog = reflect(conn)
        timings["reflection"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        lookup = lookup_data(conn, catalog, lookups(catalog, config), config.status_values_max)
    ledger = ledger_rows(settings, catalog, settings.migrations_dir)
    conventions_path = root / CONVENTIONS_FILE
    conventions = conventions_path.read_text(encoding="utf-8") if conventions_path.is_file() else None
    compliance, note, metrics = _compliance(catalog, root)
    notebooks = convert_notebooks(root / "notebooks")
    timings["data"] = time.perf_counter() - t0
    return Inputs(catalog=catalog, lookups=lookup, ledger=ledger,
                  migrations_folder=_relative(settings.migrations_dir, root), conventions=conventions,
                  compliance=compliance, compliance_note=note, lint_metrics=metrics, notebooks=notebooks)


def scrub_secrets(files: dict[str, bytes], settings: Settings) -> dict[str, bytes]:
    """Defence in depth: the pages never hold connection settings, but a password that turns up in
    the data (a comment, a lookup value) is masked before anything is written."""
    secret = settings.password.reveal() if settings.password else None
    if not secret or len(secret) < 3:
        return files
    needle = secret.encode("utf-8")
    return {k: v.replace(needle, MASK.encode()) for k, v in files.items()}


def produce(settings: Settings, root: Path, config: DocsConfig | None = None,
            timings: dict[str, float] | None = None) -> tuple[Generated, Inputs]:
    """The generated files for the live database, live values in (nothing written)."""
    timings = {} if timings is None else timings
    config = config or load_config(root / CONFIG_FILE)
    inputs = collect(settings, config, root, timings)
    generated = generate(inputs, config)
    generated.files.update(site.asset_files())
    generated.files = dict(sorted(scrub_secrets(generated.files, settings).items()))
    timings.update(generated.timings)
    return generated, inputs


def build(settings: Settings, root: Path, *, with_site: bool = True, site_dir: Path | None = None,
          config: DocsConfig | None = None) -> BuildResult:
    """Regenerate docs/generated/ under `root` (live values blanked) and, by default, build the site
    (live values shown) into site/."""
    timings: dict[str, float] = {}
    created = site.ensure_project(root)
    generated, inputs = produce(settings, root, config, timings)
    t0 = time.perf_counter()
    written, removed = site.write_tree(root / site.GENERATED, blank_live(generated.files))
    timings["write"] = time.perf_counter() - t0
    index = None
    if with_site:
        t0 = time.perf_counter()
        index = site.build_site(root, generated.files, site_dir)
        timings["mkdocs"] = time.perf_counter() - t0
    return BuildResult(generated, written, removed, index, created, timings, inputs.catalog.query_count,
                       len(inputs.catalog.tables))
