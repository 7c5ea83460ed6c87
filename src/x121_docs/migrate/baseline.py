"""`migrate baseline`: adopt an existing database by recording migrations without running them.

Rows are written as SQLx would have written them (real description and checksum, success
TRUE) so that SQLx sees them as applied; execution_time is 0 (a run never records 0: the
clock always advances), which marks the row as baselined for anyone reading the ledger.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..database.connect import resolve
from ..errors import WorkbenchError
from .files import MigrationFile, discover
from .ledger import INSERT_BASELINE, ensure_table, read_rows
from .lock import migration_lock
from .plan import make_plan
from .session import open_session


def baseline(settings: Settings, version: int, folder: Path | None = None, *,
             on_wait=None) -> list[MigrationFile]:  # noqa: ANN001
    """Record every not-yet-applied migration up to and including `version`; return them."""
    folder = Path(folder if folder is not None else settings.migrations_dir)
    files = discover(folder)
    if version not in {f.version for f in files}:
        raise WorkbenchError(
            f"There is no migration with version {version} in {folder}.",
            "Give the version of an existing migration file (see `x121-docs migrate status`).",
        )
    conn = open_session(resolve(settings))
    try:
        with migration_lock(conn, on_wait):
            ensure_table(conn)
            plan = make_plan(folder, files, read_rows(conn))
            plan.raise_problems(pending=False, outcome="Nothing was recorded.")
            todo = [e.file for e in plan.pending if e.version <= version]
            with conn.transaction():
                with conn.cursor() as cur:
                    cur.executemany(INSERT_BASELINE, [(m.version, m.description, m.checksum) for m in todo])
    finally:
        conn.close()
    return todo
