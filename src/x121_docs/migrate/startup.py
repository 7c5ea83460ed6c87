"""What start-up does about migrations: apply them (development) or refuse to start behind (production)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..errors import WorkbenchError
from .plan import Plan
from .runner import RunReport, run_migrations
from .status import read_plan


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


def on_startup(settings: Settings, *, apply: bool, require_folder: bool = False) -> StartupMigrations:
    """Apply pending migrations (`apply`) or check that none are pending.

    A missing folder is only a note when applying by default (development from a folder
    with no migrations); when checking (production) or when asked explicitly it is an error.
    """
    folder = settings.migrations_dir
    if not folder.exists() and apply and not require_folder:
        return StartupMigrations(True, notes=[f"No migrations folder at {folder}: no migrations applied."])
    if apply:
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
