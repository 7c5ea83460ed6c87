"""The one start-up path of the application and the writers (the main job, notebooks, tests).

Load the configuration, resolve the server (embedded when no DB_HOST), connect, run the
health check, then migrations: applied when auto-migrate is on (development), otherwise only
checked, refusing to start on a database that is behind (production).

Read-only commands (db status, migrate status/check/run --dry-run, lint --db, scan, delete-preview,
docs) start through :func:`start_read_only` instead: same server and health check, never a
migration, on any database, in any mode; at most one line saying that ours is behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .config import Settings, load_settings
from .database.connect import resolve
from .database.health import health_check

if TYPE_CHECKING:  # imported by the step that runs them: a read-only command never loads the runner
    from .database.bootstrap import BootstrapReport
    from .migrate.startup import StartupMigrations


@dataclass(frozen=True)
class Runtime:
    settings: Settings  # resolved: points at a running server
    health_ms: float
    bootstrap: BootstrapReport | None = None
    migrations: StartupMigrations | None = None
    notes: tuple[str, ...] = field(default=())  # one-line remarks for the user (e.g. the database is behind)


def start(settings: Settings | None = None, *, create: bool = False, migrate: bool | None = None) -> Runtime:
    """Configuration -> server -> (bootstrap when `create`) -> `SELECT 1` -> migrations.

    `migrate`: None follows the settings (apply when DB_AUTO_MIGRATE, else check and refuse
    a database that is behind); True applies; False skips the migrations stage.
    Raises WorkbenchError with a clear message at the first step that fails.
    """
    settings = resolve(settings if settings is not None else load_settings())
    report = None
    if create:
        from .database.bootstrap import bootstrap

        report = bootstrap(settings)
    health_ms = health_check(settings)
    migrations = None
    if migrate is not False:
        from .migrate.startup import on_startup

        apply = settings.auto_migrate if migrate is None else True
        migrations = on_startup(settings, apply=apply, require_folder=migrate is True)
    return Runtime(settings=settings, health_ms=health_ms, bootstrap=report, migrations=migrations)


def start_read_only(settings: Settings | None = None) -> Runtime:
    """Configuration -> server -> `SELECT 1` (read-only session); never bootstraps or migrates.

    `notes` holds one line when the database has our ledger and migrations are pending.
    """
    from .migrate.startup import behind_note

    runtime = start(settings, migrate=False)
    note = behind_note(runtime.settings)
    return replace(runtime, notes=(note,) if note else ())
