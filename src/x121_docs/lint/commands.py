"""`x121-docs lint`: the compliance linter on migrations (default), a live database or code."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..config import load_settings
from ..output import console
from .config import load_config
from .engine import Options, baseline_path, lint_code, lint_database, lint_migrations, write_baseline
from .report import LintReport

FORMATS = ("table", "markdown", "json", "sarif", "github")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint", help="check the schema conventions: migrations (default), --db, or --code PATHS",
                       description="Lint the migrations folder (applied to a throwaway database), a live database "
                                   "(--db) or application code (--code). Exit 0 clean, 1 findings at or above "
                                   "--fail-on, 2 usage or connection error.")
    p.add_argument("--migrations", type=Path, metavar="DIR", help="migrations folder (default: X121_MIGRATIONS_DIR)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--db", action="store_true", help="lint the configured live database (catalog rules only)")
    mode.add_argument("--code", nargs="+", type=Path, metavar="PATH", help="SELECT * rule over .py and .sql files")
    p.add_argument("--changed", metavar="REF", help="only findings from migration files changed since this git ref")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--fail-on", choices=("error", "warning"), help="lowest severity that fails (default: config, error)")
    p.add_argument("--baseline", type=Path, metavar="FILE", help="baseline file (default: .x121-lint-baseline.json)")
    p.add_argument("--no-baseline", action="store_true", help="report baselined findings too")
    p.add_argument("--update-baseline", action="store_true", help="write every current finding to the baseline and exit 0")
    p.add_argument("--config", type=Path, metavar="PYPROJECT", help="pyproject.toml with [tool.x121-lint]")
    p.add_argument("--dependencies", type=Path, metavar="FILE",
                   help="JSON of `scan dependencies`: normal-form and soft-reference findings confirmed on data")
    p.set_defaults(func=cmd_lint)


def render(report: LintReport, fmt: str) -> None:
    if fmt == "table":
        report.print_table(console())
    elif fmt == "markdown":
        sys.stdout.write(report.to_markdown())
    elif fmt == "json":
        sys.stdout.write(report.to_json())
    elif fmt == "sarif":
        sys.stdout.write(json.dumps(report.to_sarif(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(report.to_github())


def cmd_lint(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    confirmed = ()
    if args.dependencies:
        from ..integrity.dependencies import load_dependency_findings
        confirmed = load_dependency_findings(args.dependencies).findings
    options = Options(baseline=args.baseline, use_baseline=not (args.no_baseline or args.update_baseline),
                      changed=args.changed, dependencies=confirmed)
    if args.code:
        report = lint_code(args.code, config, options)
    else:
        settings = load_settings()
        if args.db:
            report = lint_database(settings, config, options)
        else:
            report = lint_migrations(settings, args.migrations or settings.migrations_dir, config, options)
    if args.update_baseline:
        path = baseline_path(config, options)
        n = write_baseline(path, report.findings)
        console().print(f"Wrote {n} finding(s) to the baseline {path}.")
        return 0
    render(report, args.format)
    return report.exit_code(args.fail_on)
