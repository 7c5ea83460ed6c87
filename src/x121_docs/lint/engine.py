"""The linter's flow: source + catalog rules -> attribution -> suppressions -> baseline -> report.

Four entry points, one per mode: `lint_migrations` (apply the folder to a throwaway database,
both kinds of rules, findings attributed to the file and line that introduced each object),
`lint_static` (the source rules only, no database: the same source findings as the full lint),
`lint_database` (a live database, catalog rules only, with data samples as evidence) and
`lint_code` (SELECT * in code). Database modules are imported only by the modes that use them,
so `lint --static` starts fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import WorkbenchError
from .config import LintConfig
from .report import Finding, LintReport, count_metric

if TYPE_CHECKING:  # the source analysis (pglast, orjson) is imported by the modes that read migrations
    from .source import MigrationSource, SourceHit
    from ..catalog.model import Catalog
    from .scope import Hit
    from ..config import Settings

BASELINE_VERSION = 1


@dataclass(frozen=True)
class Options:
    """What the command line adds to the configuration."""

    baseline: Path | None = None  # None: the configured baseline file, when it exists
    use_baseline: bool = True
    changed: str | None = None  # git ref: only findings from migration files changed since it
    dependencies: tuple = ()  # findings of a `scan dependencies` JSON file (integrity.dependencies)


# -- building findings ----------------------------------------------------------------------------

def _finding(config: LintConfig, rule: str, obj: str, message: str, file: str | None = None, line: int | None = None,
             evidence: tuple[str, ...] = (), detail: str | None = None, fix: str | None = None) -> Finding:
    return Finding(rule, config.severity(rule), obj, message, file, line, evidence, detail, fix, config.rule_url(rule))


def attribute(hits: Iterable[Hit], source: MigrationSource | None, config: LintConfig) -> list[Finding]:
    """Catalog hits with the file and line that introduced their object (when a migration did)."""
    out = []
    for h in hits:
        where = next((source.defs[k] for k in h.keys if k in source.defs), None) if source else None
        out.append(_finding(config, h.rule, h.object, h.message, *(where or (None, None)), h.evidence, h.detail, h.fix))
    return out


def _from_source(hits: Iterable[SourceHit], config: LintConfig) -> list[Finding]:
    return [_finding(config, h.rule, h.object, h.message, h.file, h.line, (), h.detail)
            for h in hits if config.enabled(h.rule)]


def _suppressions(source: MigrationSource, findings: list[Finding]) -> list[str | None]:
    by_file = {f.display: f for f in source.files}
    return [by_file[f.file].suppression(f.rule, f.line) if f.file in by_file and f.rule != "invalid-suppression"
            else None for f in findings]


# -- baseline ------------------------------------------------------------------------------------

def baseline_path(config: LintConfig, options: Options) -> Path:
    return options.baseline or Path(config.baseline)


def load_baseline(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["findings"]
        return {e["fingerprint"] for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WorkbenchError(f"Cannot read the baseline file {path}: {exc}.",
                             "Regenerate it with `x121-docs lint --update-baseline`.") from None


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    entries = sorted({(f.rule, f.object, f.fingerprint) for f in findings})
    data = {"tool": "x121-lint", "version": BASELINE_VERSION,
            "findings": [{"rule": r, "object": o, "fingerprint": fp} for r, o, fp in entries]}
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return len(entries)


# -- pull-request mode ---------------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> str:
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise WorkbenchError("--changed needs git, which is not installed.") from None
    if done.returncode != 0:
        raise WorkbenchError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip() or done.stdout.strip()}.",
                             "Is the folder in a git repository, and does the ref exist (fetch it in CI)?")
    return done.stdout


def changed_files(folder: Path, ref: str) -> set[str]:
    """Display paths of the migration files added or changed since `ref` (committed, staged, unstaged or new)."""
    from .source import display_path

    folder = folder.resolve()
    top = Path(_git(folder, "rev-parse", "--show-toplevel").strip())
    _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    rel = folder.relative_to(top).as_posix() if folder != top else "."
    names = _git(top, "diff", "--name-only", "--diff-filter=ACMR", ref, "--", rel).splitlines()
    names += _git(top, "ls-files", "--others", "--exclude-standard", "--", rel).splitlines()
    return {display_path(top / n) for n in names if n.strip()}


# -- the modes -----------------------------------------------------------------------------------

def _finish(mode: str, target: str, findings: list[Finding], reasons: list[str | None], metrics: dict,
            config: LintConfig, options: Options, keep: set[str] | None = None) -> LintReport:
    """Suppressions, baseline and --changed, then the report."""
    active, suppressed = [], []
    for f, reason in zip(findings, reasons):
        (suppressed.append((f, reason)) if reason else active.append(f))
    if keep is not None:
        active = [f for f in active if f.file in keep]
        suppressed = [(f, r) for f, r in suppressed if f.file in keep]
    baselined: list[Finding] = []
    path = baseline_path(config, options)
    if options.use_baseline and (options.baseline is not None or path.is_file()):
        if not path.is_file():
            raise WorkbenchError(f"The baseline file {path} does not exist.",
                                 "Create it with `x121-docs lint --update-baseline`.")
        known = load_baseline(path)
        baselined = [f for f in active if f.fingerprint in known]
        active = [f for f in active if f.fingerprint not in known]
    return LintReport(mode, target, active, suppressed, baselined, metrics, config.fail_on)


def _select_star_metric(findings: list[Finding]) -> dict:
    return count_metric(sum(f.rule == "no-select-star" for f in findings))


def lint_catalog(catalog: Catalog, config: LintConfig, source: MigrationSource | None = None,
                 probe=None, confirmed: tuple = ()) -> list[Finding]:  # noqa: ANN001
    from ..collector import paused
    from .catalog_rules import run_catalog_rules

    with paused():  # 2,000 tables: 1.9-2.6 s with the collector running, 1.4-1.9 s without
        return attribute(run_catalog_rules(catalog, config, probe, confirmed), source, config)


def lint_migrations(settings: Settings, folder: Path, config: LintConfig, options: Options = Options(),
                    catalog: Catalog | None = None) -> LintReport:
    """Apply `folder` to a throwaway database, run source and catalog rules, attribute, report.

    `catalog`: the folder's catalog when the caller has already applied it (the review does); the
    rules then decide on the schema alone (no rows to sample)."""
    from ..catalog.reflect import reflect
    from ..database.connect import connect
    from .apply import apply_to_throwaway
    from .catalog_rules import catalog_metrics
    from .probe import DataProbe
    from .source import analyse_migrations, display_path

    source = analyse_migrations(folder, config.enabled)  # bad SQL fails here, before any database work
    keep = changed_files(folder, options.changed) if options.changed else None
    if catalog is not None:
        findings = lint_catalog(catalog, config, source, None, options.dependencies)
    else:
        with apply_to_throwaway(settings, folder) as temp, connect(temp, autocommit=True) as conn:
            catalog = reflect(conn)
            with DataProbe.open(conn) as probe:  # rows the migrations seed are evidence too
                findings = lint_catalog(catalog, config, source, probe, options.dependencies)
    findings += _from_source(source.hits, config)
    metrics = catalog_metrics(catalog, config)
    metrics["select_star"] = _select_star_metric(findings)
    return _finish("migrations", display_path(folder), findings, _suppressions(source, findings), metrics, config,
                   options, keep)


def lint_static(folder: Path, config: LintConfig, options: Options = Options(), only: set[str] | None = None) -> LintReport:
    """The source rules over the migrations of `folder`, no database: for editors and pre-commit.

    The whole folder is read (a rule must know which tables earlier files created); `only`
    (display paths) limits the report to those files, as pre-commit passes the changed ones.
    """
    from .source import analyse_migrations, display_path

    source = analyse_migrations(folder, config.enabled, defs=False)  # no catalog finding to attribute
    keep = changed_files(folder, options.changed) if options.changed else None
    if only is not None:
        keep = only if keep is None else keep & only
    findings = _from_source(source.hits, config)
    metrics = {"select_star": _select_star_metric(findings)}
    return _finish("static", display_path(folder), findings, _suppressions(source, findings), metrics, config,
                   options, keep)


def lint_database(settings: Settings, config: LintConfig, options: Options = Options()) -> LintReport:
    """Catalog rules on the live database of `settings` (no source, so no file/line and no suppressions).

    The database's rows serve as evidence where a rule asks (a status column's distinct values,
    a copied column's agreement with its source), read in one read-only transaction.
    """
    from ..catalog.reflect import reflect
    from ..database.connect import connect, resolve
    from .catalog_rules import catalog_metrics
    from .probe import DataProbe

    if options.changed:
        raise WorkbenchError("--changed works on migrations only, not with --db.")
    settings = resolve(settings)
    with connect(settings, autocommit=True) as conn:
        catalog = reflect(conn)
        with DataProbe.open(conn) as probe:
            findings = lint_catalog(catalog, config, probe=probe, confirmed=options.dependencies)
    return _finish("database", settings.url(), findings, [None] * len(findings), catalog_metrics(catalog, config),
                   config, options)


def lint_code(paths: list[Path], config: LintConfig, options: Options = Options()) -> LintReport:
    """The SELECT * rule over Python string literals and `.sql` files under `paths`."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise WorkbenchError(f"No such file or folder: {', '.join(missing)}.")
    if options.changed:
        raise WorkbenchError("--changed works on migrations only, not with --code.")
    from .code import scan_code
    from .source import display_path

    hits = [h for h in scan_code(paths) if config.enabled(h.hit.rule)]
    findings = [_finding(config, h.hit.rule, h.hit.object, h.hit.message, h.hit.file, h.hit.line) for h in hits]
    metrics = {"select_star": _select_star_metric(findings)}
    return _finish("code", ", ".join(display_path(p) for p in paths), findings, [h.reason for h in hits], metrics,
                   config, options)
