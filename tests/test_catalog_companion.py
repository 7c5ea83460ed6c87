"""Reflection's companion connection (catalog/reflect.py `companion`): on a large database the index
query runs on a second connection in the same snapshot.  The model must not depend on whether it did,
and a server that refuses the second connection or the snapshot export still gets the whole model."""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from x121_docs.database.connect import conn_params

R = importlib.import_module("x121_docs.catalog.reflect")  # the module (the package exports the function)
EVERYTHING = Path(__file__).parent / "fixtures" / "everything.sql"


def test_the_model_is_the_same_with_and_without_the_companion(db_conn, companions, monkeypatch):
    db_conn.execute(EVERYTHING.read_text())
    monkeypatch.setattr(R, "COMPANION_FROM_INDEXES", 10**9)
    alone = R.reflect(db_conn)
    monkeypatch.setattr(R, "COMPANION_FROM_INDEXES", 0)
    paired = R.reflect(db_conn)
    assert companions == [False, True]
    assert paired == alone and paired.table("jobs").indexes  # every field, indexes included


def test_the_companion_sees_the_snapshot_not_what_was_committed_after_it(fresh_db, db_conn, monkeypatch):
    monkeypatch.setattr(R, "COMPANION_FROM_INDEXES", 0)
    db_conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, n int)")
    count = "SELECT count(*) FROM pg_catalog.pg_index"
    with db_conn.transaction():
        R._begin_snapshot(db_conn)
        seen = db_conn.execute(count).fetchone()[0]
        with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as other:
            other.execute("CREATE INDEX t_n ON t (n)")  # committed after the snapshot was taken
            assert other.execute(count).fetchone()[0] == seen + 1
        with R.companion(db_conn) as companion:
            assert companion is not None
            assert companion.execute(count).fetchone()[0] == seen
            assert companion.execute("SHOW transaction_read_only").fetchone()[0] == "on"
            assert companion.execute("SHOW search_path").fetchone()[0] == R.PINNED_SEARCH_PATH
        assert companion.closed


def test_a_role_at_its_connection_limit_gets_the_model_on_one_connection(fresh_db, role, companions):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(EVERYTHING.read_text())
        expected = R.reflect(conn)
        conn.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT 1").format(sql.Identifier(role)))
    with psycopg.connect(autocommit=True, **conn_params(replace(fresh_db, user=role))) as conn:
        got = R.reflect(conn)
    assert companions == [True, False]  # the superuser's reflection had a companion; the limited role's could not
    assert got == expected


def test_a_database_that_refuses_the_snapshot_export_gets_the_model_on_one_connection(fresh_db, role, companions):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(EVERYTHING.read_text())
        expected = R.reflect(conn)
        conn.execute("REVOKE EXECUTE ON FUNCTION pg_catalog.pg_export_snapshot() FROM PUBLIC")
    with psycopg.connect(autocommit=True, **conn_params(replace(fresh_db, user=role))) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # what the role meets, outside reflection
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_catalog.pg_export_snapshot()")
        conn.rollback()
        got = R.reflect(conn)
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # nothing left open
    assert companions == [True]  # only the superuser's reflection reached a companion
    assert got == expected
