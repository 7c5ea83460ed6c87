"""The sample project (sample_project.sql): a few rows in every table of the platform schema."""

from __future__ import annotations

from pathlib import Path

import psycopg

SAMPLE_PROJECT_SQL = Path(__file__).with_name("sample_project.sql")


def load_sample_project(conn: psycopg.Connection) -> None:
    """Insert the sample project in one transaction (the schema must be migrated, the tables empty)."""
    with conn.transaction():
        conn.execute(SAMPLE_PROJECT_SQL.read_text(encoding="utf-8"))
