"""`x121-docs scan orphans|files`, `x121-docs delete-preview`, `x121-docs delete`.

Exit codes: 0 clean / done, 1 findings (orphans, file drift) or a delete that needs
confirmation, 2 errors (bad input, a blocked delete, a scan that could not finish).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_FINDINGS, EXIT_OK, WorkbenchError

if TYPE_CHECKING:
    import psycopg
    from rich.progress import Progress

# Registering these commands imports argparse only: psycopg, rich and the catalog are imported by
# the command that runs (a `--help` or a usage error costs nothing more).


def err_console():  # noqa: ANN201 (rich Console)
    """The stderr console the notes and progress bars draw on (one name here, so it can be swapped)."""
    from ..output import err_console as make

    return make()


def register(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="integrity scans: orphaned rows, file drift, data dependencies")
    scansub = scan.add_subparsers(dest="scan_command", metavar="SCAN", required=True)

    p = scansub.add_parser("orphans", help="rows whose foreign key (or *_id column) points at no parent row")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--resume", metavar="FILE", type=Path,
                   help="state file: continue a cut-off scan from it; removed when the scan completes")
    p.add_argument("--sample", type=int, default=5, metavar="N", help="orphan rows shown per reference (default 5)")
    p.add_argument("--batch-rows", type=int, default=2_000_000, metavar="N", help="rows per first batch")
    p.add_argument("--timeout-ms", type=int, default=None, metavar="MS",
                   help="statement_timeout per batch (default: the server's, else 60000)")
    p.add_argument("--no-soft", action="store_true", help="skip the soft references (*_id columns without a FK)")
    p.set_defaults(func=cmd_scan_orphans)

    p = scansub.add_parser("files", help="file records (path, size, SHA-256) vs the files under ROOT")
    p.add_argument("root", metavar="ROOT", type=Path, help="storage root the record paths are relative to")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--table", default="video_segments", help="table of the file records (default video_segments)")
    p.add_argument("--path-column", default="file_path")
    p.add_argument("--size-column", default="file_size_bytes", help="'' when the table records no size")
    p.add_argument("--hash-column", default="file_sha256", help="'' when the table records no SHA-256")
    p.add_argument("--workers", type=int, default=None, help="hashing threads (default 2 x CPUs, at most 8)")
    p.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                   help="paths under ROOT that are not untracked files (repeatable), e.g. 'images/*'")
    p.set_defaults(func=cmd_scan_files)

    p = scansub.add_parser("dependencies", help="3NF and missing foreign keys checked on a sample of the data")
    p.add_argument("tables", nargs="*", metavar="TABLE", help="tables to scan (default: every table)")
    p.add_argument("--sample", type=int, metavar="N", help="rows per table (default: sample-rows of the config)")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    p.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE instead of the terminal")
    p.add_argument("--config", type=Path, metavar="PYPROJECT",
                   help="pyproject.toml with [tool.x121-lint.dependencies] (default: ./pyproject.toml)")
    p.set_defaults(func=cmd_scan_dependencies)

    p = sub.add_parser("delete-preview", help="what deleting one row would delete, clear or be refused by")
    p.add_argument("table", metavar="TABLE", help="table name or schema.name")
    p.add_argument("id", metavar="ID", help="primary key value (comma-separated for a composite key)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_delete_preview)

    p = sub.add_parser("delete", help="delete one row; a delete that cascades needs the preview's token")
    p.add_argument("table", metavar="TABLE")
    p.add_argument("id", metavar="ID")
    p.add_argument("--token", help="confirmation token printed by delete-preview")
    p.add_argument("--yes", action="store_true", help="confirm the impact computed now (no token needed)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_delete)


@contextmanager
def _session(*, writes: bool = False) -> Iterator[tuple[psycopg.Connection, object]]:
    """A connection and the catalog; read-only (any database, never migrated) unless `writes`
    (the confirmed delete, which still never migrates)."""
    from ..catalog.reflect import reflect
    from ..config import load_settings
    from ..database.connect import connect
    from ..output import esc
    from ..startup import start_read_only

    runtime = start_read_only(load_settings())
    for note in runtime.notes:
        err_console().print(esc(note), highlight=False, soft_wrap=True)
    with connect(runtime.settings, autocommit=True, read_only=not writes) as conn:
        yield conn, reflect(conn)


@contextmanager
def _progress(enabled: bool, unit: str) -> Iterator[Progress]:
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn(unit), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=err_console(), transient=True, disable=not enabled)
    with progress:
        yield progress


# --- scan orphans ------------------------------------------------------------------------------

def cmd_scan_orphans(args: argparse.Namespace) -> int:
    from rich.table import Table as RichTable

    from ..output import console, esc, print_json
    from .common import format_row
    from .orphans import scan_orphans

    with _session() as (conn, catalog), _progress(err_console().is_terminal, "rows (est.)") as bar:
        task = bar.add_task("orphan scan", total=None)
        report = scan_orphans(
            conn, catalog, soft=not args.no_soft, state_path=args.resume, sample_size=max(args.sample, 0),
            batch_rows=args.batch_rows, timeout_ms=args.timeout_ms,
            progress_start=lambda total: bar.update(task, total=int(total)),
            progress=lambda advance, label: bar.update(task, advance=advance, description=esc(label)))
    if args.format == "json":
        print_json(report.as_dict())
        return report.exit_code
    out = console()
    table = RichTable(title=f"Orphan scan of {esc(report.database)}")
    for col in ("Table", "Constraint", "Columns", "Parent", "Orphans", "Sample", "Notes"):
        table.add_column(col, justify="right" if col == "Orphans" else "left")
    for f in report.foreign_keys:
        ref = f.reference
        table.add_row(*map(esc, (ref.child.display_name, ref.constraint, ", ".join(ref.columns),
                                 ref.parent.display_name, "error" if f.error else f"{f.orphans:,}",
                                 "; ".join(format_row(r) for r in f.sample), f.error or ", ".join(f.notes))))
    out.print(table)
    if report.soft_references:
        soft = RichTable(title="Soft references (integer *_id columns without a foreign key)")
        for col in ("Table", "Column", "Evident parent", "Orphans", "Sample"):
            soft.add_column(col, justify="right" if col == "Orphans" else "left", overflow="fold")
        for ref, f in report.soft_references:
            soft.add_row(*map(esc, (ref.table.display_name, ref.column,
                                    ref.parent.display_name if ref.parent else "(none)",
                                    "-" if f is None else ("error" if f.error else f"{f.orphans:,}"),
                                    "" if f is None else (f.error or "; ".join(format_row(r) for r in f.sample)))))
        out.print(soft)
    verdict = ("clean: no orphaned rows" if not report.orphans else f"{report.orphans:,} orphaned row(s)")
    if report.errors:
        verdict += f"; {len(report.errors)} reference(s) could not be scanned"
    out.print(f"{len(report.foreign_keys)} foreign key(s), {len(report.soft_references)} soft reference(s): {verdict}.")
    return report.exit_code


# --- scan dependencies -------------------------------------------------------------------------

def cmd_scan_dependencies(args: argparse.Namespace) -> int:
    from .dependency_report import cmd_scan_dependencies as run  # Desbordante, pandas: only when scanning

    return run(args)


# --- scan files --------------------------------------------------------------------------------

def cmd_scan_files(args: argparse.Namespace) -> int:
    from rich.table import Table as RichTable

    from ..output import console, esc, print_json
    from .common import format_row
    from .files import FileSource, scan_files

    source = FileSource(args.table, args.path_column, args.size_column or None, args.hash_column or None)
    with _session() as (conn, catalog), _progress(err_console().is_terminal, "rows") as bar:
        task = bar.add_task("file scan", total=None)

        def progress(advance: int, total: int | None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.update(task, advance=advance)

        drift = scan_files(conn, catalog, args.root, source, workers=args.workers, ignore=tuple(args.ignore),
                           progress=progress)
    if args.format == "json":
        print_json(drift.as_dict())
        return drift.exit_code
    out = console()
    table = RichTable(title=f"File drift: {esc(drift.table)} vs {esc(drift.root)}")
    for col in ("Problem", "Path", "Record", "Recorded", "On disk"):
        table.add_column(col)
    for label, items in (("missing", drift.missing), ("size differs", drift.size_mismatch),
                         ("hash differs", drift.hash_mismatch), ("path leaves root", drift.invalid_path)):
        for r in items:
            table.add_row(label, *map(esc, (r["path"], format_row(r["key"]), r.get("recorded", ""),
                                            r.get("actual", ""))))
    for path in drift.untracked:
        table.add_row("untracked", esc(path), "", "", "")
    if drift.problems:
        out.print(table)
    out.print(f"{drift.records:,} record(s), {drift.files_on_disk:,} file(s) on disk, {drift.planned:,} not rendered yet: "
              + ("no drift." if not drift.problems else f"{drift.problems:,} problem(s)."))
    return drift.exit_code


# --- delete-preview and delete -----------------------------------------------------------------

def _signer():  # noqa: ANN202
    from ..config import load_settings
    from .token import signer_for

    return signer_for(load_settings().data_dir)


def _print_impact(impact, catalog, title: str) -> None:  # noqa: ANN001
    from rich.table import Table as RichTable

    from ..output import console, esc

    out = console()
    table = RichTable(title=esc(title))
    for col in ("Table", "Deleted", "Set to NULL", "Set to default"):
        table.add_column(col, justify="left" if col == "Table" else "right")
    names = list(impact.deleted) + [n for n in list(impact.set_null) + list(impact.set_default)
                                    if n not in impact.deleted]
    for name in dict.fromkeys(names):
        table.add_row(esc(name), f"{impact.deleted.get(name, 0):,}", f"{impact.set_null.get(name, 0):,}",
                      f"{impact.set_default.get(name, 0):,}")
    out.print(table)
    if impact.blockers:
        blockers = RichTable(title="References that refuse the delete")
        for col in ("Table", "Columns", "Refers to", "Action", "Rows"):
            blockers.add_column(col, justify="right" if col == "Rows" else "left")
        for e in impact.blockers:
            blockers.add_row(*map(esc, (e.table, ", ".join(e.columns), e.parent, e.action, f"{e.rows:,}")))
        out.print(blockers)
    if impact.side_effects:
        fires = RichTable(title="Rules and triggers the delete fires (their effect is not predicted; confirming "
                                "the token covers them)")
        fires.add_column("What")
        for what in impact.side_effects:
            fires.add_row(esc(what))
        out.print(fires)
    for warning in impact.warnings:
        out.print(f"[yellow]warning:[/] {esc(warning)}")


def cmd_delete_preview(args: argparse.Namespace) -> int:
    from ..output import console, esc, print_json
    from .common import find_table
    from .impact import preview
    from .messages import blocked_sentence, cascade_sentence

    signer = _signer()
    with _session() as (conn, catalog):
        impact = preview(conn, catalog, args.table, args.id, signer)
        table = find_table(catalog, args.table)
        key = list(impact.key.values())
        if impact.blocked:
            sentence = blocked_sentence(conn, catalog, table, key, impact)
        elif impact.cascades:
            sentence = cascade_sentence(conn, catalog, table, key, impact)
        elif impact.side_effects:
            sentence = "The delete touches no other row through foreign keys, but it fires rules or triggers."
        else:
            sentence = "The delete touches no other row and fires nothing: it needs no confirmation token."
    if args.format == "json":
        print_json({**impact.as_dict(), "summary": sentence})
        return EXIT_OK
    _print_impact(impact, catalog, f"Impact of deleting {impact.table} {', '.join(key)}")
    console().print(esc(sentence))
    if impact.token:
        minutes = signer.ttl_seconds // 60
        console().print(f"Token (valid {minutes} minutes, for exactly these rows): {impact.token}\n"
                        f"Confirm with: x121-docs delete {esc(_arg(args.table))} {esc(_arg(args.id))} "
                        f"--token {impact.token}", soft_wrap=True)
    return EXIT_OK


def _arg(text: str) -> str:
    """A command-line argument as the shell needs it typed."""
    import shlex

    return shlex.quote(text)


def cmd_delete(args: argparse.Namespace) -> int:
    from ..output import console, esc, print_json
    from .impact import ConfirmationRequired, delete_row, preview

    signer = _signer()
    with _session(writes=True) as (conn, catalog):
        token = args.token
        if args.yes and not token:
            token = preview(conn, catalog, args.table, args.id, signer).token
        try:
            impact = delete_row(conn, catalog, args.table, args.id, token, signer)
        except ConfirmationRequired as exc:
            if args.token or not sys.stdin.isatty():
                if args.format == "json":
                    print_json({**exc.impact.as_dict(), "deleted_now": False})
                else:
                    _print_impact(exc.impact, catalog, "Impact (nothing was deleted)")
                raise
            _print_impact(exc.impact, catalog, "Impact")
            console().print(esc(exc.message))
            answer = input("Delete? Type 'yes' to confirm: ").strip().lower()
            if answer != "yes":
                raise WorkbenchError("Nothing was deleted.", exit_code=EXIT_FINDINGS) from None
            impact = delete_row(conn, catalog, args.table, args.id, exc.impact.token, signer)
    if args.format == "json":
        print_json({**impact.as_dict(), "deleted_now": True})
    else:
        console().print(esc(f"Deleted {impact.table} {', '.join(impact.key.values())}: "
                            f"{impact.total_deleted:,} row(s) deleted"
                            + (f", {sum(impact.set_null.values()) + sum(impact.set_default.values()):,} row(s) "
                               "cleared" if impact.set_null or impact.set_default else "")
                            + (f"; fired {len(impact.side_effects)} rule(s)/trigger(s) as confirmed"
                               if impact.side_effects else "") + "."))
    return EXIT_OK
