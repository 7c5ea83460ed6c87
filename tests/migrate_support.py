"""Helpers for the migration tests: write migration files, read the ledger as SQLx stores it."""

from __future__ import annotations

from pathlib import Path

import psycopg

from x121_docs.database.connect import conn_params

#: SQLx's own DDL for the ledger (sqlx-postgres migrate.rs), kept here independently of the runner.
SQLX_DDL = """
CREATE TABLE IF NOT EXISTS _sqlx_migrations (
    version BIGINT PRIMARY KEY,
    description TEXT NOT NULL,
    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
    success BOOLEAN NOT NULL,
    checksum BYTEA NOT NULL,
    execution_time BIGINT NOT NULL
);
"""


def write(folder: Path, version: int, description: str, body: str | bytes) -> Path:
    """Write `{version}_{description}.sql` with exactly `body` (bytes kept as they are)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}_{description}.sql"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return path


def ledger(settings) -> list[tuple]:  # noqa: ANN001
    """(version, description, success, checksum, execution_time) rows in version order."""
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        if conn.execute("SELECT to_regclass('_sqlx_migrations')").fetchone()[0] is None:
            return []
        return conn.execute(
            "SELECT version, description, success, checksum, execution_time FROM _sqlx_migrations ORDER BY version"
        ).fetchall()


def tables(settings) -> set[str]:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        return {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'")}
