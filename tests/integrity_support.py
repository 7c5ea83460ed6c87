"""Helpers for the integrity tests: the platform schema in a fresh database, seed data, counts.

The schema comes from the project's migrations applied by the runner itself, once per test
process into a template database that each test copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from x121_docs.catalog.reflect import reflect
from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.migrate import run_migrations

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def apply_migrations(settings: Settings) -> None:
    report = run_migrations(settings, MIGRATIONS)
    assert report.applied, f"no migrations in {MIGRATIONS}"


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


# --- the platform schema, built once per test process and copied per test ----------------------

@pytest.fixture(scope="session")
def platform_template(server_settings: Settings) -> str:
    """A template database with the extensions, the migrations and the seed rows (built once)."""
    name = "x121_integrity_template"
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name)))
    settings = replace(server_settings, name=name)
    run_sql(settings, "CREATE EXTENSION vector")
    apply_migrations(settings)
    seed(settings)
    return name


@pytest.fixture
def platform_db(server_settings: Settings, db_name: str, platform_template: str) -> Iterator[Settings]:
    """A fresh copy of the template, named like the CLI fixtures expect (DB_NAME = db_name)."""
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(db_name),
                                                                      sql.Identifier(platform_template)))
    yield replace(server_settings, name=db_name)
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))
