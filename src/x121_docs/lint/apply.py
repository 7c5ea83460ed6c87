"""Build a throwaway database from the migrations folder, for the catalog rules to read.

`apply_to_throwaway(settings, folder)` is the one seam between the linter and the migration
runner: it applies the folder with the runner itself (same validation, same transactions, same
error naming file and line as `migrate run`), yields settings of that database, and drops it
afterwards whatever happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from ..config import Settings
from ..database.bootstrap import bootstrap, drop_database
from ..database.connect import resolve
from ..errors import WorkbenchError
from ..migrate.runner import MigrationFailed, run_migrations


def throwaway_name() -> str:
    return f"x121_lint_{uuid.uuid4().hex[:12]}"


@contextmanager
def apply_to_throwaway(settings: Settings, folder: Path) -> Iterator[Settings]:
    """Settings of a new database (same server) with every migration of `folder` applied; dropped on exit."""
    settings = resolve(settings)
    temp = replace(settings, name=throwaway_name())
    bootstrap(temp)  # as the real database: created, with the allow-listed extensions
    try:
        try:
            run_migrations(temp, folder)  # the runner itself: what CI lints is what SQLx would apply
        except MigrationFailed as err:
            raise WorkbenchError(err.message.split(" It was rolled back")[0].split(" It ran without")[0],
                                 "Fix the migration and lint again; the linter applies the migrations to a "
                                 "throwaway database, so nothing was applied to yours.") from None
        yield temp
    finally:
        drop_database(temp, temp.name)
