"""A transactional migration is atomic with its ledger row: transaction control in the file is refused
before anything runs, the failure locator only ever runs inside a transaction it rolls back, and a
migration that breaks the ledger is blamed on the ledger write."""

from __future__ import annotations

import math

import psycopg
import pytest
from migrate_support import ledger, tables, write

from x121_docs.database.connect import conn_params
from x121_docs.errors import WorkbenchError
from x121_docs.migrate import run_migrations
from x121_docs.migrate.files import discover
from x121_docs.migrate.runner import locate_failure
from x121_docs.migrate.txcontrol import find_transaction_control

BASE = "CREATE TABLE t (id int PRIMARY KEY);"


def _rows(settings) -> list[int]:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM t ORDER BY id")]


@pytest.mark.parametrize("body, line, statement", [
    ("INSERT INTO t VALUES (1);\nCOMMIT;\nSELECT 1/0;\n", 2, "COMMIT"),
    ("CREATE TABLE rb1 (id int);\nROLLBACK;\n", 2, "ROLLBACK"),
    ("BEGIN;\nINSERT INTO t VALUES (2);\nCOMMIT;\n", 1, "BEGIN"),
    ("INSERT INTO t VALUES (3);\n  end ;\n", 2, "end"),
    ("SAVEPOINT a;\nINSERT INTO t VALUES (4);\nRELEASE a;\n", 1, "SAVEPOINT a"),
    ("-- a comment\nINSERT INTO t VALUES (5);\nPREPARE TRANSACTION 'x';\n", 3, "PREPARE TRANSACTION 'x'"),
    ("INSERT INTO t VALUES (6);\nDO $$ BEGIN INSERT INTO t VALUES (7); COMMIT; END $$;\n", 2, "DO $$"),
    ("CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN ROLLBACK; END $$;\n\nCALL p();\n", 3, "CALL p()"),
])
def test_transaction_control_is_refused_before_anything_runs(fresh_db, tmp_path, body, line, statement):
    write(tmp_path, 20260101000000, "base", BASE)
    run_migrations(fresh_db, tmp_path)
    path = write(tmp_path, 20260101000001, "txc", body)
    for _ in range(2):  # a rerun changes nothing either
        with pytest.raises(WorkbenchError) as info:
            run_migrations(fresh_db, tmp_path)
        text = info.value.render()
        assert f"{path}:{line}: `{statement}" in text and "nothing was run" in text and "-- no-transaction" in text
        assert _rows(fresh_db) == [] and tables(fresh_db) == {"t"}
        assert [r[0] for r in ledger(fresh_db)] == [20260101000000]
    # the dry run says so too
    with pytest.raises(WorkbenchError, match="Transaction control"):
        run_migrations(fresh_db, tmp_path, dry_run=True)


def test_the_cli_refuses_with_exit_2(fresh_db, run_cli, cli_env):
    folder = cli_env / "migrations"
    write(folder, 20260101000000, "a", "CREATE TABLE rb1 (id int);\nROLLBACK;\n")
    code, out, err = run_cli("migrate", "run")
    assert code == 2 and "20260101000000_a.sql:2: `ROLLBACK`" in err and "Traceback" not in err
    code, out, err = run_cli("migrate", "status", "--format", "json")
    assert code == 0 and '"state": "pending"' in out  # no ledger row, and no ledger table either
    code, out, err = run_cli("migrate", "check")
    assert code == 1 and "transaction control" in out and "20260101000000_a.sql:2: `ROLLBACK`" in out


def test_no_transaction_files_may_manage_transactions(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "nt", "-- no-transaction\nBEGIN;\nCREATE TABLE nt (id int);\nCOMMIT;\n")
    assert [a.version for a in run_migrations(fresh_db, tmp_path).applied] == [20260101000000]
    assert tables(fresh_db) == {"nt"}


def test_finder_ignores_strings_comments_and_bodies():
    sql = ("SELECT 'COMMIT; ROLLBACK';\n-- COMMIT;\n/* BEGIN; */\n"
           "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
           "DO $$ BEGIN PERFORM 1; END $$;\nPREPARE q AS SELECT 1;\nCREATE TABLE ends (\"end\" int, start int);\n")
    assert find_transaction_control(sql) == []
    assert find_transaction_control("SELECT 1;\nABORT;\nSTART TRANSACTION;\n") == [(2, "ABORT"),
                                                                                  (3, "START TRANSACTION")]


def test_dropping_the_ledger_is_blamed_on_the_ledger_write(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "base", BASE)
    run_migrations(fresh_db, tmp_path)
    write(tmp_path, 20260101000001, "drop", "INSERT INTO t VALUES (1);\nDROP TABLE _sqlx_migrations;\n")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    text = info.value.render()
    assert "ran, but writing its row to the ledger _sqlx_migrations failed" in text
    assert "line 1" not in text and "rolled back" in text
    assert _rows(fresh_db) == [] and [r[0] for r in ledger(fresh_db)] == [20260101000000]


class _Counting(psycopg.Connection):
    """A real connection that counts the queries it sends (to show the locator is bounded)."""

    queries = 0

    def execute(self, query, params=None, **kw):  # noqa: ANN001, ANN201
        type(self).queries += 1
        return super().execute(query, params, **kw)


def test_locator_bisects_inside_a_rolled_back_transaction(fresh_db, tmp_path):
    n = 2000
    body = BASE + "\n" + "".join(f"INSERT INTO t VALUES ({i});\n" for i in range(1, n)) + "INSERT INTO t VALUES (1);\n"
    write(tmp_path, 20260101000000, "big", body)
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert f"in the statement starting at line {n + 1} (`INSERT INTO t VALUES (1);`)" in info.value.message
    assert tables(fresh_db) == set() and ledger(fresh_db) == []
    # bounded: about two queries per halving, not one per statement
    (m,) = discover(tmp_path)
    with _Counting.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        _Counting.queries = 0
        assert locate_failure(conn, m) == (n + 1, 1)
        assert _Counting.queries <= 4 * math.ceil(math.log2(n + 1)) + 4  # 2,000 statements: 48, not 2,000
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert tables(fresh_db) == set()


def test_statement_split_in_pieces_matches_the_whole(monkeypatch):
    from pglast import parser

    from x121_docs.migrate import txcontrol

    text = ("select 1; select 'a;b;c;d;e;f'; DO $$ BEGIN PERFORM 1; PERFORM 2; END $$; select 2 -- x;y\n;"
            " /* a;b */ select 'é;ü'; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1; $f$")
    whole = list(parser.split(text, with_parser=False, only_slices=True))
    monkeypatch.setattr(txcontrol, "CHUNK", 7)  # pieces that cut strings, bodies and comments
    assert txcontrol.statement_slices(text) == whole


def test_a_procedure_of_the_database_that_commits_is_refused_by_postgresql(fresh_db, tmp_path):
    # not detectable from the file: PostgreSQL itself refuses a COMMIT inside our transaction block
    write(tmp_path, 20260101000000, "base", BASE + "\nCREATE PROCEDURE keep() LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO t VALUES (1); COMMIT; END $$;")
    run_migrations(fresh_db, tmp_path)
    write(tmp_path, 20260101000001, "call", "INSERT INTO t VALUES (2);\nCALL keep();\n")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert "invalid transaction termination" in info.value.render()
    assert _rows(fresh_db) == [] and [r[0] for r in ledger(fresh_db)] == [20260101000000]
