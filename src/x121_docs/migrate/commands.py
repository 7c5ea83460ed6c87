"""`x121-docs migrate run|status|check|new|baseline`."""

from __future__ import annotations

import argparse
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_FINDINGS, EXIT_OK, WorkbenchError

if TYPE_CHECKING:
    from rich.table import Table

    from .files import MigrationFile
    from .plan import Entry, Plan
    from .runner import RunReport

# Registration imports argparse only: psycopg (the ledger, the runner) and rich are imported by the
# action that runs, so `migrate new` and every `--help` stay light.

#: Style of each plan.State, by member name.
STATE_STYLE = {"APPLIED": "green", "PENDING": "yellow", "OUT_OF_ORDER": "magenta",
               "MODIFIED": "red", "MISSING": "red", "DIRTY": "bold red"}
CONFIRM_FLAG = "--yes-mark-applied"


def register(sub: argparse._SubParsersAction) -> None:
    mig = sub.add_parser("migrate", help="SQL migrations (SQLx-compatible ledger): run, status, check, new, baseline")
    msub = mig.add_subparsers(dest="migrate_command", metavar="ACTION", required=True)

    def add(name: str, help: str, func) -> argparse.ArgumentParser:  # noqa: ANN001, A002
        p = msub.add_parser(name, help=help)
        p.add_argument("--dir", type=Path, default=None,
                       help="migrations folder (default: X121_MIGRATIONS_DIR, else migrations/)")
        p.set_defaults(func=func)
        return p

    p = add("run", "apply every pending migration in version order, under the migration lock", cmd_run)
    p.add_argument("--dry-run", action="store_true", help="show what would run and its SQL; change nothing")
    p.add_argument("--allow-out-of-order", action="store_true",
                   help="apply pending migrations older than the newest applied one")
    p = add("status", "every migration with its state, applied at and execution time", cmd_status)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p = add("check", "exit 1 when anything is pending, modified, missing, dirty or out of order", cmd_check)
    p = add("new", "create {YYYYMMDDHHMMSS}_{description}.sql (UTC)", cmd_new)
    p.add_argument("description", help='e.g. "create lookup tables"')
    p = add("baseline", "record migrations up to VERSION as applied without running them", cmd_baseline)
    p.add_argument("version", type=int, help="the last migration the existing database already has")
    p.add_argument(CONFIRM_FLAG, dest="confirmed", action="store_true",
                   help="confirm that the database already contains these migrations' changes")


def _folder(args: argparse.Namespace, settings) -> Path:  # noqa: ANN001
    return args.dir if args.dir is not None else settings.migrations_dir


def _wait_message(pid: int | None) -> None:
    from ..output import err_console

    holder = f"held by pid {pid}" if pid is not None else "(its holder is finishing)"
    err_console().print(f"waiting for the migration lock {holder}: another migration run (x121-docs or the "
                        "backend's SQLx migrator) is in progress...", highlight=False)


class _RichProgress:
    """The run's progress bar, with one line per applied file."""

    def __init__(self) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn)

        from ..output import console

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console(), transient=True)
        self.task = None

    def start(self, total: int) -> None:
        if total:
            self.bar.start()
            self.task = self.bar.add_task("migrating", total=total)

    def begin(self, m: MigrationFile) -> None:
        from ..output import esc

        self.bar.update(self.task, description=esc(m.name))

    def done(self, m: MigrationFile, nanoseconds: int) -> None:
        from ..output import esc

        self.bar.console.print(f"[green]applied[/] {esc(m.name)} ({nanoseconds / 1e6:.1f} ms)", highlight=False)
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.bar.stop()


def cmd_run(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .runner import run_migrations, sigterm_as_interrupt

    settings = load_settings()
    progress = _RichProgress()
    try:
        with sigterm_as_interrupt():
            report = run_migrations(settings, _folder(args, settings), allow_out_of_order=args.allow_out_of_order,
                                    dry_run=args.dry_run, progress=progress, on_wait=_wait_message)
    finally:
        progress.stop()
    if report.dry_run:
        _print_dry_run(report)
    console().print(esc(report.summary()), highlight=False)
    return EXIT_OK


def _print_dry_run(report: RunReport) -> None:
    from rich.rule import Rule
    from rich.syntax import Syntax

    from ..output import console, esc

    out = console()
    for e in report.pending:
        mode = "no transaction" if e.file.no_transaction else "one transaction"
        out.print(Rule(esc(f"{e.file.name} ({e.state.label}, {mode})"), align="left"))
        out.print(Syntax(e.file.sql, "sql", line_numbers=True, word_wrap=True))


def _when(e: Entry) -> str:
    return e.row.installed_on.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if e.row else ""


def _status_table(plan: Plan) -> Table:
    from rich.table import Table

    from ..output import esc

    table = Table(title=f"Migrations in {esc(plan.folder)}", title_justify="left")
    for col, justify in (("version", "right"), ("description", "left"), ("state", "left"),
                         ("applied at (UTC)", "left"), ("time (ms)", "right"), ("note", "left")):
        table.add_column(col, justify=justify)
    for e in plan.entries:
        ms = "" if e.execution_ms is None else f"{e.execution_ms:.1f}"
        table.add_row(str(e.version), esc(e.description), f"[{STATE_STYLE[e.state.name]}]{e.state.label}[/]", _when(e), ms,
                      esc(e.note or ""))
    return table


def cmd_status(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc, print_json
    from .status import read_plan

    settings = load_settings()
    plan = read_plan(settings, _folder(args, settings))
    if args.format == "json":
        print_json({"database": settings.name, "folder": str(plan.folder), "counts": plan.counts(),
                    "migrations": [e.as_dict() for e in plan.entries]})
        return EXIT_OK
    out = console()
    if not plan.entries:
        out.print(f"No migrations in {esc(plan.folder)}.", highlight=False)
        return EXIT_OK
    out.print(_status_table(plan))
    out.print(f"{esc(plan.counts_text())}.", highlight=False)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, err_console, esc
    from .files import MigrationFileError
    from .runner import transaction_control_problems
    from .status import read_plan

    settings = load_settings()
    folder = _folder(args, settings)
    try:
        plan = read_plan(settings, folder)
    except MigrationFileError as err:
        err_console().print(f"[bold red]check failed:[/] {esc(err.render())}", highlight=False, soft_wrap=True)
        return EXIT_FINDINGS
    out = console()
    style = {"ok": "", "problem": "[red]problem:[/] ", "pending": "[yellow]pending:[/] ", "behind": ""}
    for kind, text in plan.check_report():
        out.print(style[kind] + esc(text), highlight=False, soft_wrap=True)
    txc = transaction_control_problems([e.file for e in plan.pending])
    for text in txc:
        out.print(style["problem"] + esc(f"transaction control in a transactional migration (`migrate run` refuses "
                                         f"it): {text}"), highlight=False, soft_wrap=True)
    return EXIT_OK if plan.clean and not txc else EXIT_FINDINGS


def cmd_new(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .newfile import create_migration

    settings = load_settings()
    path = create_migration(_folder(args, settings), args.description)
    console().print(esc(path), highlight=False, soft_wrap=True)
    return EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .baseline import baseline
    from .files import discover

    settings = load_settings()
    folder = _folder(args, settings)
    if not args.confirmed:
        files = [m for m in discover(folder) if m.version <= args.version]
        raise WorkbenchError(
            f"Baseline records the {len(files)} migration(s) in {folder} up to version {args.version} as applied "
            "WITHOUT running them; it refuses without confirmation.",
            f"Check that the database already has their changes, then run again with {CONFIRM_FLAG}.",
        )
    recorded = baseline(settings, args.version, folder, on_wait=_wait_message)
    out = console()
    for m in recorded:
        out.print(f"recorded {esc(m.name)} as applied (not run)", highlight=False)
    out.print(f"Baseline: {len(recorded)} migration(s) up to {args.version} recorded as applied.", highlight=False)
    return EXIT_OK
