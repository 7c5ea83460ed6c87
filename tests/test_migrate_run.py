"""Applying migrations against a real PostgreSQL: order, idempotence, failures, SQLx ledger rows."""

from __future__ import annotations

import hashlib

import psycopg
import pytest
from migrate_support import SQLX_DDL, ledger, tables, write

from x121_docs.database.connect import conn_params
from x121_docs.errors import WorkbenchError
from x121_docs.migrate import State, migration_status, run_migrations


def test_applies_in_version_order_then_nothing_on_rerun(fresh_db, tmp_path):
    # written out of order: b depends on a, c on b; a lexical or creation order would fail
    write(tmp_path, 20260103000000, "c", "ALTER TABLE b ADD COLUMN z int;")
    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int PRIMARY KEY);")
    write(tmp_path, 20260102000000, "b", "CREATE TABLE b (id int REFERENCES a); CREATE INDEX b_id ON b (id);")
    report = run_migrations(fresh_db, tmp_path)
    assert [a.version for a in report.applied] == [20260101000000, 20260102000000, 20260103000000]
    assert tables(fresh_db) == {"a", "b"}
    before = ledger(fresh_db)
    again = run_migrations(fresh_db, tmp_path)
    assert again.applied == [] and "up to date" in again.summary()
    assert ledger(fresh_db) == before


def test_ledger_rows_are_what_sqlx_writes(fresh_db, tmp_path):
    body = b"CREATE TABLE t (id bigint);\r\nCOMMENT ON TABLE t IS 'caf\xc3\xa9';\n"
    write(tmp_path, 20260218120000, "create_lookup_tables", body)
    write(tmp_path, 20260218120001, "index_t", b"-- no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n")
    run_migrations(fresh_db, tmp_path)
    rows = ledger(fresh_db)
    assert [r[:3] for r in rows] == [(20260218120000, "create lookup tables", True),
                                     (20260218120001, "index t", True)]
    assert bytes(rows[0][3]) == hashlib.sha384(body).digest()
    assert all(r[4] > 0 for r in rows)  # nanoseconds, updated after the -1 placeholder
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = '_sqlx_migrations' ORDER BY ordinal_position").fetchall()
        pk = conn.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                          "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '_sqlx_migrations'::regclass "
                          "AND i.indisprimary").fetchall()
        valid = conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass").fetchone()[0]
    assert columns == [("version", "bigint", "NO", None), ("description", "text", "NO", None),
                       ("installed_on", "timestamp with time zone", "NO", "now()"), ("success", "boolean", "NO", None),
                       ("checksum", "bytea", "NO", None), ("execution_time", "bigint", "NO", None)]
    assert pk == [("version",)]
    assert valid is True


def test_no_transaction_is_needed_for_create_index_concurrently(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "t", "CREATE TABLE t (id int);")
    write(tmp_path, 20260101000001, "idx", "CREATE INDEX CONCURRENTLY t_id ON t (id);")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert "cannot run inside a transaction block" in info.value.render()
    assert [r[0] for r in ledger(fresh_db)] == [20260101000000]


def test_rows_written_the_sqlx_way_are_read_as_applied(fresh_db, tmp_path):
    body = b"CREATE TABLE from_backend (id int);\n"
    write(tmp_path, 20260101000000, "from_backend", body)
    write(tmp_path, 20260102000000, "ours", "CREATE TABLE ours (id int);")
    with psycopg.connect(**conn_params(fresh_db)) as conn:  # what SQLx's migrator does, step by step
        conn.execute(SQLX_DDL)
        conn.execute(body.decode())
        conn.execute("INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) "
                     "VALUES ( %s, %s, TRUE, %s, -1 )",
                     (20260101000000, "from backend", hashlib.sha384(body).digest()))
        conn.commit()
        conn.execute("UPDATE _sqlx_migrations SET execution_time = %s WHERE version = %s", (1234567, 20260101000000))
        conn.commit()
    states = {e.version: (e.state, e.execution_ms) for e in migration_status(fresh_db, tmp_path)}
    assert states == {20260101000000: (State.APPLIED, 1.234567), 20260102000000: (State.PENDING, None)}
    report = run_migrations(fresh_db, tmp_path)
    assert [a.version for a in report.applied] == [20260102000000]


def test_failing_migration_midway_names_file_line_and_message(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "ok", "CREATE TABLE first (id int);")
    bad = write(tmp_path, 20260102000000, "bad",
                "-- creates two tables\nCREATE TABLE second (id int);\nINSERT INTO second VALUES (1);\n\n"
                "INSERT INTO second SELECT nosuch FROM second;\n")
    write(tmp_path, 20260103000000, "later", "CREATE TABLE third (id int);")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    text = info.value.render()
    assert str(bad) in text
    assert "line 5, column 27" in text
    assert 'column "nosuch" does not exist' in text
    assert "1 earlier migration(s) of this run stay applied; 1 later one(s) were not attempted" in text
    assert tables(fresh_db) == {"first"}  # nothing of the failing one stays, the later one was not tried
    assert [r[0] for r in ledger(fresh_db)] == [20260101000000]
    # fixed: the next run applies the rest
    bad.write_text("CREATE TABLE second (id int);")
    assert [a.version for a in run_migrations(fresh_db, tmp_path).applied] == [20260102000000, 20260103000000]


def test_error_without_position_is_located_or_says_so(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "div", "CREATE TABLE t (id int);\nSELECT 1 / 0;\n")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    text = info.value.render()
    assert "division by zero" in text and "20260101000000_div.sql" in text
    assert "in the statement starting at line 2 (`SELECT 1 / 0;`)" in text
    assert tables(fresh_db) == set()
    # a -- no-transaction file cannot be replayed safely: the message says the line is unknown
    (tmp_path / "20260101000000_div.sql").unlink()
    write(tmp_path, 20260101000001, "div_nt", "-- no-transaction\nSELECT 1 / 0;\n")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert "division by zero" in info.value.message and "no position, so the line is unknown" in info.value.message


def test_lock_is_released_after_a_failure(fresh_db, tmp_path):
    from x121_docs.migrate.lock import lock_key

    write(tmp_path, 20260101000000, "bad", "SELEC 1;")
    with pytest.raises(WorkbenchError):
        run_migrations(fresh_db, tmp_path)
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(fresh_db.name),)).fetchone()[0]
    assert got is True


def test_dry_run_validates_and_changes_nothing(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int);")
    report = run_migrations(fresh_db, tmp_path, dry_run=True)
    assert [e.version for e in report.pending] == [20260101000000]
    assert ledger(fresh_db) == [] and tables(fresh_db) == set()  # not even the ledger table


def test_empty_folder_is_no_migrations(fresh_db, tmp_path):
    report = run_migrations(fresh_db, tmp_path)
    assert report.applied == [] and report.summary() == f"No migrations in {tmp_path}."


def test_failure_without_a_position_is_located_by_statement(fresh_db, tmp_path):
    # "relation does not exist" on ALTER TABLE carries no error position: the runner finds the statement
    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int);\n\n-- the mistake\nALTER TABLE nowhere\n  ADD x int;\n")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert "failed in the statement starting at line 4 (`ALTER TABLE nowhere`)" in info.value.message
    assert 'relation "nowhere" does not exist' in info.value.message
    assert tables(fresh_db) == set() and ledger(fresh_db) == []  # the replay was rolled back too
