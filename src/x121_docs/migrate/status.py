"""`migrate status` and `migrate check` as a Python API: read-only, no lock, no writes."""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from ..database.connect import connect, resolve
from .files import discover
from .ledger import read_rows, table_exists
from .plan import Entry, Plan, make_plan


def read_plan(settings: Settings, folder: Path | None = None) -> Plan:
    """Files and ledger compared; the ledger table is not created when absent."""
    folder = Path(folder if folder is not None else settings.migrations_dir)
    files = discover(folder)
    with connect(resolve(settings), autocommit=True, read_only=True) as conn:
        exists = table_exists(conn)
        rows = read_rows(conn) if exists else []
    return make_plan(folder, files, rows, table_exists=exists)


def migration_status(settings: Settings, folder: Path | None = None) -> list[Entry]:
    """Every migration (files and ledger rows) in version order, with its state.

    The same data `x121-docs migrate status` prints; `Entry.as_dict()` is its JSON form.
    """
    return read_plan(settings, folder).entries
