"""Migrations: SQL files in `migrations/`, applied in version order under SQLx's ledger and lock.

Data flow: files.py (the folder) + ledger.py (the table) -> plan.py (states) ->
runner.py (apply) / status.py (report) / baseline.py; commands.py is the CLI.
"""

from .files import MigrationFile, discover
from .lock import lock_key
from .plan import Entry, Plan, State
from .runner import RunReport, run_migrations
from .status import migration_status

__all__ = ["Entry", "MigrationFile", "Plan", "RunReport", "State", "discover", "lock_key", "migration_status",
           "run_migrations"]
