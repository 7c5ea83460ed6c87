"""The one start-up path every entry point uses (CLI, notebooks, tests, the docs job).

Load the configuration, resolve the server (embedded when no DB_HOST), connect and run the
health check.  Later stages (migrations) hook in here so that no entry point skips them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings, load_settings
from .database.bootstrap import BootstrapReport, bootstrap
from .database.connect import resolve
from .database.health import health_check


@dataclass(frozen=True)
class Runtime:
    settings: Settings  # resolved: points at a running server
    health_ms: float
    bootstrap: BootstrapReport | None = None


def start(settings: Settings | None = None, *, create: bool = False) -> Runtime:
    """Configuration -> server -> (bootstrap when `create`) -> `SELECT 1`.

    Raises WorkbenchError with a clear message at the first step that fails.
    """
    settings = resolve(settings if settings is not None else load_settings())
    report = bootstrap(settings) if create else None
    return Runtime(settings=settings, health_ms=health_check(settings), bootstrap=report)
