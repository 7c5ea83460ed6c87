"""Connections: libpq parameters from the settings, friendly errors, the pool and the engine.

Everything that opens a connection goes through :func:`connect`, :func:`make_pool` or
:func:`make_engine`, so the parameters and the error messages live in one place.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors as pgerrors

from ..config import Settings
from ..errors import DatabaseError
from . import embedded

if TYPE_CHECKING:
    import sqlalchemy
    from psycopg_pool import ConnectionPool

APPLICATION_NAME = "x121-docs"
#: Start-up option of read-only sessions: every transaction is READ ONLY unless it says otherwise,
#: so a write that slips into a read path fails loudly instead of changing the database.
READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"


def resolve(settings: Settings) -> Settings:
    """Settings that point at a real server: start or reuse the embedded one when no DB_HOST."""
    if settings.embedded or settings.host:
        return settings
    info = embedded.server_for(settings).ensure_running()
    return replace(
        settings,
        host=str(info.socket_dir),
        port=info.port,
        user=embedded.SUPERUSER,
        sslmode="disable",
        embedded=True,
    )


def conn_params(settings: Settings, database: str | None = None) -> dict[str, Any]:
    """Keyword parameters for psycopg/libpq (contains the password: never print them)."""
    params: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "dbname": database or settings.name,
        "sslmode": settings.sslmode,
        "connect_timeout": settings.connect_timeout,
        "application_name": APPLICATION_NAME,
    }
    if settings.user:
        params["user"] = settings.user
    if settings.password:
        params["password"] = settings.password.reveal()
    return params


def conninfo(settings: Settings, database: str | None = None) -> str:
    """A libpq conninfo string (contains the password: never print it)."""
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in conn_params(settings, database).items()})


def explain_connect_error(exc: Exception, settings: Settings, database: str | None = None) -> DatabaseError:
    """Turn a psycopg connection failure into a message naming the server, user or database."""
    db = database or settings.name
    where = f"{settings.host}:{settings.port}" if settings.host and not settings.host.startswith("/") \
        else f"socket {settings.host}/.s.PGSQL.{settings.port}"
    text = str(exc).strip()
    lowered = text.lower()
    user = settings.user or "(default user)"
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(exc, pgerrors.InvalidPassword) or sqlstate == "28P01" or "password authentication failed" in lowered:
        return DatabaseError(
            f"Authentication failed for user {user!r} on {where}.",
            "Check DB_USER and DB_PASSWORD (the password is not shown).",
        )
    if "server does not support ssl" in lowered or "ssl was required" in lowered:
        return DatabaseError(
            f"SSL is required by DB_SSL={settings.sslmode} but the server at {where} refused SSL.",
            "Enable SSL on the server, or set DB_SSL=false (or prefer) for a server without SSL.",
        )
    if "no encryption" in lowered or ("pg_hba.conf" in lowered and "ssl off" in lowered):
        return DatabaseError(
            f"The server at {where} requires SSL but DB_SSL={settings.sslmode} does not use it.",
            "Set DB_SSL=true (or require/verify-full).",
        )
    if isinstance(exc, pgerrors.InvalidCatalogName) or sqlstate == "3D000" or "does not exist" in lowered and "database" in lowered:
        return DatabaseError(
            f"The database {db!r} does not exist on {where}.",
            "Run `x121-docs db bootstrap` to create it.",
        )
    if sqlstate == "28000" or "no pg_hba.conf entry" in lowered or "role" in lowered and "does not exist" in lowered:
        return DatabaseError(
            f"The server at {where} does not let user {user!r} connect to database {db!r}: {text}",
            "Check DB_USER, or ask an administrator to allow this role (pg_hba.conf, CONNECT privilege).",
        )
    if sqlstate == "42501":
        return DatabaseError(
            f"User {user!r} may not connect to database {db!r} on {where}.",
            "Ask an administrator to GRANT CONNECT on the database.",
        )
    if any(s in lowered for s in ("connection refused", "could not connect", "no such file", "timeout expired",
                                  "could not translate host name", "name or service not known", "connection timed out")):
        return DatabaseError(
            f"Cannot reach the PostgreSQL server at {where} (database {db!r}).",
            "Is the server running and are DB_HOST and DB_PORT right? Leave DB_HOST empty to use the embedded server.",
        )
    return DatabaseError(f"Cannot connect to {where} (database {db!r}): {text}")


def connect(settings: Settings, database: str | None = None, *, autocommit: bool = False,
            read_only: bool = False) -> psycopg.Connection:
    """Open one connection, translating failures into a :class:`DatabaseError`.

    `read_only`: the session's transactions default to READ ONLY (read paths use it).
    """
    settings = resolve(settings)
    params = conn_params(settings, database)
    if read_only:
        params["options"] = READ_ONLY_OPTIONS
    try:
        return psycopg.connect(autocommit=autocommit, **params)
    except psycopg.Error as exc:
        raise explain_connect_error(exc, settings, database) from None


def make_pool(settings: Settings, *, open: bool = True) -> ConnectionPool:
    """A psycopg_pool pool sized and timed by the settings."""
    from psycopg_pool import ConnectionPool

    settings = resolve(settings)
    pool = ConnectionPool(
        conninfo(settings),
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        max_idle=settings.pool_idle_timeout,
        max_lifetime=settings.pool_max_lifetime,
        timeout=settings.connect_timeout,
        name="x121",
        open=False,
        check=ConnectionPool.check_connection,
    )
    if open:
        try:
            pool.open(wait=settings.pool_min > 0, timeout=settings.connect_timeout)
        except Exception as exc:  # PoolTimeout hides the cause: probe once for a clear message
            pool.close()
            try:
                connect(settings).close()
            except DatabaseError:
                raise
            raise DatabaseError(f"The connection pool could not open {settings.pool_min} connection(s): {exc}") from None
    return pool


def make_engine(settings: Settings) -> sqlalchemy.Engine:
    """An SQLAlchemy engine over the same settings (reflection, notebooks, pandas)."""
    import sqlalchemy

    settings = resolve(settings)
    params = conn_params(settings)
    return sqlalchemy.create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(**params),
        pool_size=max(settings.pool_min, 1),
        max_overflow=max(settings.pool_max - max(settings.pool_min, 1), 0),
        pool_recycle=int(settings.pool_max_lifetime),
        pool_timeout=settings.connect_timeout,
        pool_pre_ping=True,
    )
