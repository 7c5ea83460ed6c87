"""Bootstrap: create the database when absent and install only the allow-listed extensions.

Idempotent by construction: every step first looks, then acts only on what is missing, so
a second run changes nothing and says so.  Nothing here drops or alters existing objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql

from ..config import Settings
from ..errors import DatabaseError
from .connect import connect, resolve

#: Extensions the platform needs (PRD 1.0). plpgsql ships with every database and is not counted.
ALLOWED_EXTENSIONS: tuple[str, ...] = ("vector",)
BUILTIN_EXTENSIONS: tuple[str, ...] = ("plpgsql",)
MAINTENANCE_DATABASES: tuple[str, ...] = ("postgres", "template1")


@dataclass
class BootstrapReport:
    database: str
    created_database: bool = False
    created_extensions: list[str] = field(default_factory=list)
    extensions: dict[str, str] = field(default_factory=dict)
    not_allowed: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.created_database or bool(self.created_extensions)

    def lines(self) -> list[str]:
        out = []
        if self.created_database:
            out.append(f"Created database {self.database}.")
        for ext in self.created_extensions:
            out.append(f"Installed extension {ext} {self.extensions.get(ext, '')}.".replace(" .", "."))
        if not self.changed:
            out.append(
                f"Nothing to do: database {self.database} and extension(s) "
                f"{', '.join(ALLOWED_EXTENSIONS)} are already in place."
            )
        for ext, version in sorted(self.not_allowed.items()):
            out.append(
                f"Extension {ext} {version} is installed but not allowed (allow-list: {', '.join(ALLOWED_EXTENSIONS)}); "
                f"drop it with DROP EXTENSION {ext} if nothing uses it."
            )
        return out


def _database_exists(settings: Settings) -> bool:
    """Look for the database, connecting to it first (a role may lack access to `postgres`)."""
    try:
        connect(settings).close()
        return True
    except DatabaseError as err:
        if "does not exist" not in err.message:
            raise
        return False


@contextmanager
def maintenance_connection(settings: Settings) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the first maintenance database the role may use (CREATE/DROP DATABASE)."""
    last: DatabaseError | None = None
    for maintenance in MAINTENANCE_DATABASES:
        try:
            conn = connect(settings, maintenance, autocommit=True)
        except DatabaseError as err:
            last = err
            continue
        with conn:
            yield conn
        return
    assert last is not None
    raise last


def drop_database(settings: Settings, name: str) -> bool:
    """Drop database `name` on the settings' server, closing its connections; False when it was absent."""
    with maintenance_connection(settings) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    return exists is not None


def _create_database(settings: Settings) -> None:
    with maintenance_connection(settings) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings.name)))
        except pgerrors.DuplicateDatabase:
            return  # created by a concurrent bootstrap: fine
        except pgerrors.InsufficientPrivilege:
            raise DatabaseError(
                f"User {settings.user!r} is not allowed to create the database {settings.name!r} "
                f"(no CREATEDB privilege).",
                f"Have an administrator create it: CREATE DATABASE {settings.name} OWNER {settings.user}; "
                "then run the bootstrap again.",
            ) from None


def _ensure_extension(conn: psycopg.Connection, name: str, database: str, report: BootstrapReport) -> None:
    row = conn.execute("SELECT default_version, installed_version FROM pg_available_extensions WHERE name = %s",
                       (name,)).fetchone()
    if row is None:
        raise DatabaseError(
            f"The extension {name} (pgvector) is not installed on the server, so database {database!r} cannot use it.",
            "Install pgvector on the server (e.g. the postgresql-NN-pgvector package, or the provider's "
            "extension settings), or leave DB_HOST empty to use the embedded server, which has it.",
        )
    if row[1] is not None:
        return
    try:
        conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
    except pgerrors.InsufficientPrivilege:
        raise DatabaseError(
            f"The user connected to database {database!r} is not allowed to create the extension {name}.",
            f"Ask an administrator to run CREATE EXTENSION {name}; in {database} (on managed servers, use the "
            "provider's extension mechanism), then run the bootstrap again.",
        ) from None
    except pgerrors.UniqueViolation:
        return  # a concurrent bootstrap created it
    report.created_extensions.append(name)


def bootstrap(settings: Settings) -> BootstrapReport:
    """Create the database and the allow-listed extensions where missing; report the rest."""
    settings = resolve(settings)
    report = BootstrapReport(settings.name)
    if not _database_exists(settings):
        _create_database(settings)
        report.created_database = True
    with connect(settings, autocommit=True) as conn:
        for ext in ALLOWED_EXTENSIONS:
            _ensure_extension(conn, ext, settings.name, report)
        for name, version in conn.execute("SELECT extname, extversion FROM pg_extension ORDER BY extname"):
            report.extensions[name] = version
            if name not in ALLOWED_EXTENSIONS and name not in BUILTIN_EXTENSIONS:
                report.not_allowed[name] = version
    return report
