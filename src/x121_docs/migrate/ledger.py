"""The `_sqlx_migrations` table, byte for byte as SQLx creates, writes and reads it.

The SQL text below is SQLx's own (PostgreSQL driver), so that the Rust backend and this
runner share one ledger: the table is unqualified (first schema of `search_path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

TABLE = "_sqlx_migrations"

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
"""

INSERT_ROW = (
    "INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) "
    "VALUES ( %s, %s, TRUE, %s, -1 )"
)
UPDATE_TIME = "UPDATE _sqlx_migrations SET execution_time = %s WHERE version = %s"
#: Baseline rows: recorded as applied without running; execution_time 0 marks them.
INSERT_BASELINE = (
    "INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) "
    "VALUES ( %s, %s, TRUE, %s, 0 )"
)
SELECT_ROWS = (
    "SELECT version, description, installed_on, success, checksum, execution_time "
    "FROM _sqlx_migrations ORDER BY version"
)


@dataclass(frozen=True)
class LedgerRow:
    version: int
    description: str
    installed_on: datetime
    success: bool
    checksum: bytes
    execution_time: int  # nanoseconds; -1 while SQLx/this runner had not yet updated it, 0 for a baseline


def table_exists(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchone()[0]


def ensure_table(conn: psycopg.Connection) -> None:
    """CREATE TABLE IF NOT EXISTS, as SQLx runs it before every run (under the lock)."""
    conn.execute(CREATE_TABLE)


def read_rows(conn: psycopg.Connection) -> list[LedgerRow]:
    """Every ledger row in version order; none when the table does not exist (read-only)."""
    if not table_exists(conn):
        return []
    return [LedgerRow(v, d, i, s, bytes(c), t) for v, d, i, s, c, t in conn.execute(SELECT_ROWS)]
