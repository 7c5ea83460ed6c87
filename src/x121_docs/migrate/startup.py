"""What start-up does about migrations: apply them (development) or refuse to start behind (production)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import WorkbenchError
from .plan import Plan
from .status import read_plan

if TYPE_CHECKING:  # the runner (locks, sessions) is imported only when start-up applies migrations
    from .runner import RunReport


@dataclass(frozen=True)
class StartupMigrations:
    """The migrate stage of start-up: what was applied, or what was checked."""

    applied: bool  # True: pending migrations were applied; False: only checked
    report: RunReport | None = None
    plan: Plan | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.report is not None:
            return [*self.notes, self.report.summary()]
        if self.plan is not None:
            return [*self.notes, f"Migrations checked: all {len(self.plan.entries)} in {self.plan.folder} are applied."]
        return list(self.notes)


def behind_note(settings: Settings, folder: Path | None = None) -> str | None:
    """One line when the database is ours (it has the ledger) and migrations are pending; else None.

    For read-only commands, which work on any database and never migrate it: read-only, and
    quiet about a database that is not ours or a folder that is absent or has bad files.
    """
    folder = Path(folder if folder is not None else settings.migrations_dir)
    if not folder.is_dir():
        return None
    try:
        plan = read_plan(settings, folder)
    except WorkbenchError:
        return None
    if not plan.table_exists or not plan.pending:
        return None
    n = len(plan.pending)
    return (f"note: the database {settings.name} is behind: {n} pending migration{'s' if n != 1 else ''} in {folder} "
            "(read-only commands never apply them; `x121-docs migrate run` does).")


def on_startup(settings: Settings, *, apply: bool, require_folder: bool = False) -> StartupMigrations:
    """Apply pending migrations (`apply`) or check that none are pending.

    A missing folder is only a note when applying by default (development from a folder
    with no migrations); when checking (production) or when asked explicitly it is an error.
    """
    folder = settings.migrations_dir
    if not folder.exists() and apply and not require_folder:
        return StartupMigrations(True, notes=[f"No migrations folder at {folder}: no migrations applied."])
    if apply:
        from .runner import run_migrations

        return StartupMigrations(True, report=run_migrations(settings, folder))
    plan = read_plan(settings, folder)
    plan.raise_problems(pending=False, outcome="Start-up stopped.")
    pending = plan.pending
    if pending:
        n = len(pending)
        raise WorkbenchError(
            f"The database {settings.name} is behind: {n} pending migration{'s' if n != 1 else ''} "
            f"(oldest {pending[0].name}) in {folder}. Start-up does not apply migrations when auto-migrate "
            "is off (production).",
            "Run `x121-docs migrate run` (after a backup), or set DB_AUTO_MIGRATE=true in development.",
        )
    return StartupMigrations(False, plan=plan)
