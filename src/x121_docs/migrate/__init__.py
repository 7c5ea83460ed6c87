"""Migrations: SQL files in `migrations/`, applied in version order under SQLx's ledger and lock.

Data flow: files.py (the folder) + ledger.py (the table) -> plan.py (states) ->
runner.py (apply) / status.py (report) / baseline.py; commands.py is the CLI.
"""

import importlib

from .files import MigrationFile, discover

#: Imported on first use (they need psycopg), so reading the folder (`lint --static`) stays light.
_LAZY = {"lock_key": ".lock", "Entry": ".plan", "Plan": ".plan", "State": ".plan", "RunReport": ".runner",
         "run_migrations": ".runner", "migration_status": ".status"}

__all__ = ["Entry", "MigrationFile", "Plan", "RunReport", "State", "discover", "lock_key", "migration_status",
           "run_migrations"]


def __getattr__(name: str):  # noqa: ANN202
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
