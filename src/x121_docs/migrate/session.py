"""The migration connection: one session, set up as SQLx sets up its own.

SQLx starts every connection with DateStyle, client_encoding, TimeZone and
extra_float_digits fixed; a migration must mean the same under both runners (a timestamp
literal, a float rendered into text), so we set the same values.  We add one thing SQLx
lacks: the server checks every second whether we are still there, so a runner killed
mid-migration does not leave a backend running the migration and holding the lock.
"""

from __future__ import annotations

import psycopg

from ..config import Settings
from ..database.connect import connect

#: SQLx's start-up parameters (sqlx-postgres, connection/establish.rs and its default options).
SQLX_SESSION = (
    "SET DateStyle = 'ISO, MDY'; SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET extra_float_digits = 2"
)
#: PostgreSQL 14+: notice a vanished client during a long statement.
CLIENT_CHECK = "SET client_connection_check_interval = '1s'"


def open_session(settings: Settings) -> psycopg.Connection:
    """An autocommit connection (we send BEGIN/COMMIT ourselves, as SQLx does)."""
    conn = connect(settings, autocommit=True)
    try:
        setup = SQLX_SESSION
        if conn.info.server_version >= 140000:
            setup += "; " + CLIENT_CHECK
        conn.execute(setup)
    except BaseException:
        conn.close()
        raise
    return conn
