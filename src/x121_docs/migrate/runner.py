"""Apply pending migrations exactly as SQLx does, under SQLx's lock, with better failures.

Per migration (transactional): BEGIN; the whole file as ONE simple-protocol query; the
ledger INSERT with execution_time -1; COMMIT; then, outside that transaction, the UPDATE
of execution_time in nanoseconds.  `-- no-transaction` files run without BEGIN/COMMIT and
the INSERT follows in autocommit.  The only departure from SQLx is invisible in the
ledger: the execution_time UPDATE is committed without waiting for the disk flush
(synchronous_commit off for that one transaction), because SQLx already accepts losing
it in a crash and waiting for a second flush per migration would double the cost.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg.pq import TransactionStatus

from ..config import Settings
from ..database.connect import connect, resolve
from ..errors import WorkbenchError
from .files import MigrationFile, discover
from .ledger import INSERT_ROW, TABLE, UPDATE_TIME, ensure_table, read_rows, table_exists
from .lock import migration_lock
from .plan import Entry, Plan, make_plan
from .session import open_session
from .txcontrol import find_transaction_control, statement_slices, statement_start


class Progress(Protocol):
    """What the runner reports while it works (the CLI draws it with rich)."""

    def start(self, total: int) -> None: ...
    def begin(self, migration: MigrationFile) -> None: ...
    def done(self, migration: MigrationFile, nanoseconds: int) -> None: ...


@dataclass(frozen=True)
class Applied:
    version: int
    description: str
    name: str
    execution_ns: int


@dataclass
class RunReport:
    """What a run did (or, for a dry run, would do)."""

    plan: Plan
    applied: list[Applied] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def pending(self) -> list[Entry]:
        return self.plan.pending

    def summary(self) -> str:
        total = len(self.plan.entries)
        before = len(self.plan.applied)
        if total == 0:
            return f"No migrations in {self.plan.folder}."
        if self.dry_run:
            n = len(self.pending)
            return (f"Dry run: {n} migration{'s' if n != 1 else ''} would be applied, {before} already applied "
                    f"({total} in {self.plan.folder}); the database was not changed.")
        n = len(self.applied)
        if n == 0:
            return f"No pending migrations: {before} applied, the database is up to date ({self.seconds:.2f} s)."
        sql_ms = sum(a.execution_ns for a in self.applied) / 1e6
        return (f"Applied {n} migration{'s' if n != 1 else ''} in {self.seconds:.2f} s "
                f"({sql_ms:.1f} ms in migrations); {before} were already applied, {before + n} of {total} now.")


class MigrationFailed(WorkbenchError):
    """A migration failed: it was rolled back, earlier ones stay, later ones were not tried."""


def error_location(text: str, position: int | None) -> tuple[int, int] | None:
    """(line, column), both 1-based, of PostgreSQL's 1-based character position in `text`."""
    if not position or position < 1:
        return None
    offset = min(position - 1, len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


SAVEPOINT = "x121_locate"


def locate_failure(conn: psycopg.Connection, m: MigrationFile) -> tuple[int, int] | None:
    """Where a transactional migration failed when PostgreSQL gave no position.

    Bisection over the file's statements inside one transaction that is always rolled back:
    the first half of the range that still holds the failure runs as one query inside a
    savepoint; if it fails it is rolled back to the savepoint and searched, else it is kept
    and the second half is searched.  About log2(statements) queries and one pass over the
    file in all, whatever its size.  Never for `-- no-transaction` files (their statements
    could not be undone); the runner has refused transaction control in the others, so no
    statement can end this transaction.
    """
    if m.no_transaction or conn.closed or conn.broken:
        return None
    slices = statement_slices(m.sql)
    if not slices:
        return None
    sql = m.sql
    found = None
    try:
        conn.execute("BEGIN")
        lo, hi = 0, len(slices)  # the failure is in slices[lo:hi], run from the current state
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _fails(conn, sql[slices[lo].start:slices[mid - 1].stop]) is None:
                lo = mid
            else:
                hi = mid
        if _fails(conn, sql[slices[lo].start:slices[lo].stop]) is not None:  # confirmed on its own
            found = error_location(sql, statement_start(sql, slices[lo]) + 1)
    except psycopg.Error:
        found = None
    finally:
        _rollback_quietly(conn)
    return found


def _fails(conn: psycopg.Connection, text: str) -> psycopg.Error | None:
    """Run `text` inside a savepoint: None (kept) when it succeeds, else its error (rolled back)."""
    conn.execute(f"SAVEPOINT {SAVEPOINT}")
    try:
        conn.execute(text, prepare=False)
    except psycopg.Error as exc:
        conn.execute(f"ROLLBACK TO SAVEPOINT {SAVEPOINT}")
        return exc
    conn.execute(f"RELEASE SAVEPOINT {SAVEPOINT}")
    return None


class LedgerWriteFailed(Exception):
    """The migration's SQL ran, but writing its ledger row failed (e.g. it dropped the ledger)."""

    def __init__(self, cause: psycopg.Error):
        super().__init__(str(cause))
        self.cause = cause


def transaction_control_problems(files: list[MigrationFile]) -> list[str]:
    """`file:line: statement` of every transaction control in the transactional migrations among `files`."""
    problems = []
    for m in files:
        if m.no_transaction:
            continue
        for line, statement in find_transaction_control(m.sql):
            problems.append(f"{m.path}:{line}: `{statement.splitlines()[0][:80]}`")
    return problems


def refuse_transaction_control(files: list[MigrationFile]) -> None:
    """Refuse, before anything runs, a transactional migration that controls transactions itself."""
    problems = transaction_control_problems(files)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise WorkbenchError(
            f"Transaction control in a transactional migration: {shown}. The runner wraps each migration and its "
            "ledger row in one transaction; a COMMIT, ROLLBACK, BEGIN, END, SAVEPOINT, RELEASE or PREPARE TRANSACTION "
            "in the file would break that, so nothing was run.",
            "Remove the statement (the runner commits for you), or make the file `-- no-transaction` on its first "
            "line if it must manage transactions itself.",
        )


def _ledger_failure(m: MigrationFile, exc: psycopg.Error, done: int, later: int) -> MigrationFailed:
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag and diag.message_primary else str(exc).strip()) or type(exc).__name__
    kept = ("It ran without a transaction (-- no-transaction), so its changes stay although no ledger row was "
            "written." if m.no_transaction else "It was rolled back and no ledger row was written.")
    return MigrationFailed(
        f"Migration {m.path} ran, but writing its row to the ledger {TABLE} failed: {message}. Does the migration "
        f"drop, rename or change {TABLE}? {kept} {done} earlier migration(s) of this run stay applied; {later} later "
        "one(s) were not attempted.",
        f"A migration must leave {TABLE} as it found it; fix the file and run `x121-docs migrate run` again.",
    )


def _line(text: str, number: int) -> str:
    """Line `number` (1-based) of `text`, without splitting a big file into a list of lines."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _failure(m: MigrationFile, exc: BaseException, done: int, later: int,
             conn: psycopg.Connection | None = None) -> MigrationFailed:
    diag = getattr(exc, "diag", None)
    where = error_location(m.sql, int(diag.statement_position)) if diag and diag.statement_position else None
    statement_only = False
    if where is None and conn is not None:
        where = locate_failure(conn, m)
        statement_only = where is not None
    message = (diag.message_primary if diag and diag.message_primary else str(exc).strip()) or type(exc).__name__
    sqlstate = getattr(exc, "sqlstate", None)
    if where:
        line_text = _line(m.sql, where[0]).strip()
        at = f"in the statement starting at line {where[0]}" if statement_only else \
            f"at line {where[0]}, column {where[1]}"
        head = f"Migration {m.path} failed {at} (`{line_text[:80]}`): {message}"
    else:
        context = f" (context: {diag.context.strip().splitlines()[0]})" if diag and diag.context else ""
        head = f"Migration {m.path} failed: {message}{context}; PostgreSQL gave no position, so the line is unknown"
    details = "".join(f" {label}: {value.strip()}." for label, value in
                      (("Detail", diag and diag.message_detail), ("PostgreSQL hint", diag and diag.message_hint))
                      if value)
    state = f" [SQLSTATE {sqlstate}]" if sqlstate else ""
    if m.no_transaction:
        kept = ("It ran without a transaction (-- no-transaction) as one query, so PostgreSQL rolled it back and "
                "no ledger row was written; a failed CREATE INDEX CONCURRENTLY can still leave an INVALID index "
                "behind: drop it before retrying.")
    else:
        kept = "It was rolled back and no ledger row was written."
    return MigrationFailed(
        f"{head}.{state}{details} {kept} {done} earlier migration(s) of this run stay applied; "
        f"{later} later one(s) were not attempted.",
        "Fix the file and run `x121-docs migrate run` again.",
    )


def _lost(m: MigrationFile, exc: BaseException) -> WorkbenchError:
    return WorkbenchError(
        f"The connection to the server was lost while applying {m.path}: {str(exc).strip()}. PostgreSQL rolls back "
        "a transaction it had not committed, so the migration is applied only if its ledger row exists.",
        "Check with `x121-docs migrate status`, then run `x121-docs migrate run` again.",
    )


def _apply_one(conn: psycopg.Connection, m: MigrationFile) -> int:
    """Apply one migration with its ledger row (SQLx steps 1-4); return the elapsed ns."""
    started = time.perf_counter_ns()
    params = (m.version, m.description, m.checksum)
    if m.no_transaction:
        conn.execute(m.sql, prepare=False)  # no parameters: psycopg sends it as one simple query
        try:
            conn.execute(INSERT_ROW, params)
        except psycopg.Error as exc:
            raise LedgerWriteFailed(exc) from exc
    else:
        conn.execute("BEGIN")
        conn.execute(m.sql, prepare=False)
        if conn.info.transaction_status != TransactionStatus.INTRANS:  # the file ended our transaction
            raise WorkbenchError(
                f"Migration {m.path} ended the runner's transaction itself (transaction control the check did not "
                "recognise); no ledger row was written and whatever it committed stays.",
                "Remove the transaction control, or make the file `-- no-transaction`.")
        try:
            with conn.pipeline():
                conn.execute(INSERT_ROW, params)
                conn.execute("COMMIT")
        except psycopg.Error as exc:
            raise LedgerWriteFailed(exc) from exc
    return time.perf_counter_ns() - started


def _record_time(conn: psycopg.Connection, m: MigrationFile, elapsed: int) -> None:
    """SQLx step 5, outside the migration's transaction (no need to wait for the flush)."""
    with conn.pipeline():
        conn.execute("BEGIN")
        conn.execute("SET LOCAL synchronous_commit TO off")
        conn.execute(UPDATE_TIME, (elapsed, m.version))
        conn.execute("COMMIT")


def _rollback_quietly(conn: psycopg.Connection) -> None:
    if conn.closed or conn.broken:
        return
    with contextlib.suppress(psycopg.Error):
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")


def _read_plan(conn: psycopg.Connection, folder: Path, files: list[MigrationFile]) -> Plan:
    exists = table_exists(conn)
    return make_plan(folder, files, read_rows(conn) if exists else [], table_exists=exists)


def run_migrations(
    settings: Settings,
    folder: Path | None = None,
    *,
    allow_out_of_order: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    on_wait: Callable[[int | None], None] | None = None,
) -> RunReport:
    """Apply every pending migration in version order (or, with `dry_run`, only plan it).

    Validation comes first (file names, duplicates, dirty/missing/modified rows, out of
    order): when anything is wrong nothing is applied.  Raises WorkbenchError.
    """
    started = time.perf_counter()
    folder = Path(folder if folder is not None else settings.migrations_dir)
    files = discover(folder)
    settings = resolve(settings)
    if dry_run:
        with connect(settings, autocommit=True, read_only=True) as conn:  # no lock, no CREATE TABLE
            plan = _read_plan(conn, folder, files)
        plan.raise_problems(allow_out_of_order=allow_out_of_order)
        refuse_transaction_control([e.file for e in plan.pending])
        return RunReport(plan, dry_run=True, seconds=time.perf_counter() - started)
    conn = open_session(settings)
    try:
        with migration_lock(conn, on_wait):
            plan = make_plan(folder, files, read_rows(conn))  # no ledger table yet: no rows
            plan.raise_problems(allow_out_of_order=allow_out_of_order)
            report = RunReport(plan)
            todo = [e.file for e in plan.pending]
            refuse_transaction_control(todo)  # before anything is written, the ledger table included
            ensure_table(conn)
            if progress is not None:
                progress.start(len(todo))
            for i, m in enumerate(todo):
                if progress is not None:
                    progress.begin(m)
                try:
                    ns = _apply_one(conn, m)
                except LedgerWriteFailed as exc:
                    _rollback_quietly(conn)
                    if conn.broken:
                        raise _lost(m, exc.cause) from None
                    raise _ledger_failure(m, exc.cause, i, len(todo) - i - 1) from None
                except WorkbenchError:
                    _rollback_quietly(conn)
                    raise
                except psycopg.Error as exc:
                    _rollback_quietly(conn)
                    if conn.broken:
                        raise _lost(m, exc) from None
                    raise _failure(m, exc, i, len(todo) - i - 1, conn) from None
                except KeyboardInterrupt:  # Ctrl-C / SIGTERM: psycopg has cancelled the query
                    _rollback_quietly(conn)
                    what = ("it ran without a transaction, so check whether its change is in the database"
                            if m.no_transaction else "it was rolled back and has no ledger row")
                    raise WorkbenchError(
                        f"Interrupted while applying {m.name}: {what}; {i} earlier migration(s) of this run stay "
                        "applied.",
                        "Run `x121-docs migrate run` again to continue.",
                        exit_code=130,
                    ) from None
                _record_time(conn, m, ns)
                report.applied.append(Applied(m.version, m.description, m.name, ns))
                if progress is not None:
                    progress.done(m, ns)
    finally:
        conn.close()
    report.seconds = time.perf_counter() - started
    return report


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interruption so that the current query is cancelled and rolled back."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While applying from the CLI, treat SIGTERM like Ctrl-C (roll back, unlock, exit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ANN001
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
