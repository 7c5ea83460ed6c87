"""The one start-up path every entry point uses (CLI, notebooks, tests, the docs job).

Load the configuration, resolve the server (embedded when no DB_HOST), connect, run the
health check, then migrations: applied when auto-migrate is on (development), otherwise only
checked, refusing to start on a database that is behind (production).
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings, load_settings
from .database.bootstrap import BootstrapReport, bootstrap
from .database.connect import resolve
from .database.health import health_check
from .migrate.startup import StartupMigrations, on_startup


@dataclass(frozen=True)
class Runtime:
    settings: Settings  # resolved: points at a running server
    health_ms: float
    bootstrap: BootstrapReport | None = None
    migrations: StartupMigrations | None = None


def start(settings: Settings | None = None, *, create: bool = False, migrate: bool | None = None) -> Runtime:
    """Configuration -> server -> (bootstrap when `create`) -> `SELECT 1` -> migrations.

    `migrate`: None follows the settings (apply when DB_AUTO_MIGRATE, else check and refuse
    a database that is behind); True applies; False skips the migrations stage.
    Raises WorkbenchError with a clear message at the first step that fails.
    """
    settings = resolve(settings if settings is not None else load_settings())
    report = bootstrap(settings) if create else None
    health_ms = health_check(settings)
    migrations = None
    if migrate is not False:
        apply = settings.auto_migrate if migrate is None else True
        migrations = on_startup(settings, apply=apply, require_folder=migrate is True)
    return Runtime(settings=settings, health_ms=health_ms, bootstrap=report, migrations=migrations)
