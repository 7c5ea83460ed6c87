"""`x121-docs lint`: the compliance linter on migrations (default), --static, a live database or code.

Only argparse is imported at registration; each mode imports what it uses when it runs, so
`lint --static` (editors, pre-commit) never loads the database stack.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

FORMATS = ("table", "markdown", "json", "sarif", "github")
PROFILES = ("standard", "legacy")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint", help="check the schema conventions: migrations (default), --static, --db, or --code PATHS",
                       description="Lint the migrations folder (applied to a throwaway database), its source only "
                                   "(--static, no database), a live database (--db) or application code (--code). "
                                   "Exit 0 clean, 1 findings at or above --fail-on, 2 usage or connection error.")
    p.add_argument("--migrations", type=Path, metavar="DIR", help="migrations folder (default: X121_MIGRATIONS_DIR)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--static", action="store_true",
                      help="source rules only, no database (FILES: report only these migration files, as pre-commit passes them)")
    mode.add_argument("--db", action="store_true", help="lint the configured live database (catalog rules only)")
    mode.add_argument("--code", nargs="+", type=Path, metavar="PATH", help="SELECT * rule over .py and .sql files")
    p.add_argument("files", nargs="*", type=Path, metavar="FILES", help="with --static: the migration files to report on")
    p.add_argument("--profile", choices=PROFILES,
                   help="legacy: keep the safety and integrity rules, drop naming and house-convention rules")
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


def render(report, fmt: str) -> None:  # noqa: ANN001 (LintReport)
    if fmt == "table":
        from ..output import console

        report.print_table(console())
    elif fmt == "markdown":
        sys.stdout.write(report.to_markdown())
    elif fmt == "json":
        sys.stdout.write(report.to_json())
    elif fmt == "sarif":
        sys.stdout.write(json.dumps(report.to_sarif(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(report.to_github())


def _static_target(args: argparse.Namespace) -> tuple[Path, set[str] | None]:
    """The folder to read and the files to report on (pre-commit passes files, all in one folder)."""
    from ..errors import WorkbenchError
    from .source import display_path

    if not args.files:
        if args.migrations:
            return args.migrations, None
        from ..config import load_settings

        return load_settings().migrations_dir, None
    folders = {f.resolve().parent for f in args.files}
    if len(folders) != 1:
        raise WorkbenchError("lint --static FILES: the files must be migrations of one folder, got "
                             f"{len(folders)} folders ({', '.join(sorted(str(f) for f in folders))}).")
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise WorkbenchError(f"No such migration file: {', '.join(missing)}.")
    return args.migrations or args.files[0].parent, {display_path(f) for f in args.files}


def cmd_lint(args: argparse.Namespace) -> int:
    from ..errors import WorkbenchError
    from .config import load_config
    from .engine import Options, baseline_path, lint_code, lint_static, write_baseline

    if args.files and not args.static:
        raise WorkbenchError("lint: FILES are only taken with --static (use --code PATHS for application code).")
    config = load_config(args.config)
    if args.profile:
        config = config.with_profile(args.profile)
    confirmed = ()
    if args.dependencies:
        from ..integrity.dependencies import load_dependency_findings

        confirmed = load_dependency_findings(args.dependencies).findings
    options = Options(baseline=args.baseline, use_baseline=not (args.no_baseline or args.update_baseline),
                      changed=args.changed, dependencies=confirmed)
    if args.code:
        report = lint_code(args.code, config, options)
    elif args.static:
        from ..collector import leave_to_the_os

        folder, only = _static_target(args)
        report = lint_static(folder, config, options, only)
        leave_to_the_os()  # parse trees only: nothing to close, so the console entry skips freeing them
    else:
        from ..config import load_settings
        from .engine import lint_database, lint_migrations

        settings = load_settings()
        if args.db:
            report = lint_database(settings, config, options)
        else:
            report = lint_migrations(settings, args.migrations or settings.migrations_dir, config, options)
    if args.update_baseline:
        from ..output import console

        path = baseline_path(config, options)
        n = write_baseline(path, report.findings)
        console().print(f"Wrote {n} finding(s) to the baseline {path}.")
        return 0
    render(report, args.format)
    return report.exit_code(args.fail_on)
