"""Where a notebook runs: the project root, its settings, and a scratch database of its own.

A notebook's kernel runs in `notebooks/`, but the configuration (`.env`, the embedded server's
data folder `.x121/pgdata`, `migrations/`) is relative to the project root.  So notebooks read
the settings as if started from the project root, and work in a scratch database that is
created at the top and dropped at the end: notebooks run in any order, side by side, and never
touch the developer's own database.
"""

from __future__ import annotations

import re
import secrets
import tomllib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings, load_settings
from ..database.bootstrap import BootstrapReport, bootstrap
from ..database.bootstrap import drop_database as _drop
from ..database.connect import resolve
from ..errors import WorkbenchError

PROJECT_NAME = "x121-docs"
SCRATCH_PREFIX = "nb"
#: Every scratch database name matches this, and only such names are ever dropped.
SCRATCH_NAME = re.compile(r"^nb_[a-z][a-z0-9_]{0,29}_[0-9a-f]{8}$")
_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


def _is_project(folder: Path) -> bool:
    try:
        data = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return data.get("project", {}).get("name") == PROJECT_NAME


def project_root(start: Path | None = None) -> Path:
    """The project checkout: the nearest folder at or above `start` (default: the working folder)
    whose pyproject.toml is this project's; else the checkout the package was imported from
    (an editable install, e.g. a notebook copied elsewhere); else `start` itself."""
    start = (start or Path.cwd()).absolute()
    for folder in (start, *start.parents):
        if _is_project(folder):
            return folder
    source = Path(__file__).resolve().parents[3]  # src/x121_docs/notebook/scratch.py -> checkout
    return source if _is_project(source) else start


def notebook_settings(env: Mapping[str, str] | None = None, root: Path | None = None) -> Settings:
    """`load_settings()` as the project root sees it: its `.env`, and relative paths (X121_PGDATA,
    X121_MIGRATIONS_DIR) resolved against it rather than against `notebooks/`."""
    return load_settings(env, cwd=root or project_root())


def scratch_name(label: str) -> str:
    """`nb_{label}_{8 random hex digits}`: unique per run, recognisable, safe to drop."""
    if not _LABEL.match(label):
        raise WorkbenchError(
            f"Invalid scratch database label {label!r}: use 1 to 30 lower-case letters, digits or "
            "underscores, starting with a letter.")
    return f"{SCRATCH_PREFIX}_{label}_{secrets.token_hex(4)}"


def drop_database(settings: Settings, name: str) -> bool:
    """Drop scratch database `name` (connections are closed by force); False when it was absent.

    Refuses any name that is not a scratch name, so a mistake can never drop real data.
    """
    if not SCRATCH_NAME.match(name):
        raise WorkbenchError(f"Refusing to drop database {name!r}: it is not a notebook scratch database.")
    return _drop(settings, name)


def _drop_quietly(settings: Settings, name: str) -> None:
    try:
        drop_database(settings, name)
    except Exception:  # noqa: BLE001 - interpreter exit: nothing useful to report to
        pass


@dataclass
class ScratchDatabase:
    """A database of one notebook run. Use as a context manager, or call `drop()` in the last cell.

    If the kernel stops first (restart, crash of a cell, shutdown), the database is dropped when
    the object is collected or the interpreter exits.
    """

    label: str
    settings: Settings  # resolved (points at a running server), name = the scratch database
    bootstrap: BootstrapReport | None = None
    dropped: bool = False
    _finalizer: weakref.finalize | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.settings.name

    def create(self) -> BootstrapReport:
        """Create the database and its extensions with the ordinary bootstrap."""
        self.bootstrap = bootstrap(self.settings)
        return self.bootstrap

    def drop(self) -> bool:
        """Drop the database; True when it existed."""
        if self._finalizer is not None:
            self._finalizer.detach()
        self.dropped = True
        return drop_database(self.settings, self.name)

    def __enter__(self) -> ScratchDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.dropped:
            self.drop()


def scratch_database(label: str, settings: Settings | None = None, *, create: bool = True) -> ScratchDatabase:
    """A uniquely named database on the configured server (embedded when no DB_HOST).

    With `create` (the default) it is bootstrapped at once (database + allowed extensions);
    without, only the name is reserved and `ScratchDatabase.create()` (or `bootstrap`) creates it.
    """
    server = resolve(settings if settings is not None else notebook_settings())
    name = scratch_name(label)
    scratch = ScratchDatabase(label=label, settings=server.with_database(name))
    scratch._finalizer = weakref.finalize(scratch, _drop_quietly, scratch.settings, name)
    if create:
        try:
            scratch.create()
        except BaseException:
            _drop_quietly(scratch.settings, name)
            scratch._finalizer.detach()
            raise
    return scratch
