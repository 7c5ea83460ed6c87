"""Helpers for the integrity tests: the platform schema in a fresh database, seed data, counts.

`apply_migrations` is a plain in-order executor of migrations/*.sql (each file in one
transaction), standing in for the migration runner until it is merged.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from x121_docs.catalog.reflect import reflect
from x121_docs.config import Settings
from x121_docs.database.connect import conn_params

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def apply_migrations(settings: Settings) -> None:
    files = sorted(MIGRATIONS.glob("*.sql"))
    assert files, f"no migrations in {MIGRATIONS}"
    with psycopg.connect(**conn_params(settings)) as conn:
        for path in files:
            conn.execute(path.read_text())
            conn.commit()


def run_sql(settings: Settings, text: str) -> None:
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute(text)


def seed(settings: Settings) -> None:
    run_sql(settings, (FIXTURES / "x121_seed.sql").read_text())


def connect(settings: Settings, autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(autocommit=autocommit, **conn_params(settings))


def catalog_of(settings: Settings):  # noqa: ANN201
    with connect(settings) as conn:
        return reflect(conn)


def row_counts(conn: psycopg.Connection, catalog) -> dict[str, int]:  # noqa: ANN001
    counts = {}
    for t in catalog.base_tables:
        if t.is_partition:
            continue
        counts[t.display_name] = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t.schema, t.name))).fetchone()[0]
    return counts
