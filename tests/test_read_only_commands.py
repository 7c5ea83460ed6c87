"""Read-only commands never write, on any database, in development and in production.

A database that is not ours (its own tables, a view, a function, rows, names that are rich
markup or hold a dot, optionally another project's SQLx ledger) is snapshotted before and
after every read-only command: catalog, ledger and data must be identical, although the
migrations folder has pending migrations and development auto-migrates on start-up.
"""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from migrate_support import SQLX_DDL

from x121_docs.database.connect import conn_params

ROOT_MIGRATIONS = __import__("pathlib").Path(__file__).resolve().parent.parent / "migrations"

FOREIGN_SCHEMA = """
CREATE TABLE parent (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent ON DELETE CASCADE, owner_id bigint);
CREATE TABLE "p[/]" (id bigint PRIMARY KEY, "[bold]x" text, parent_id bigint REFERENCES parent ON DELETE SET NULL);
CREATE TABLE "a.b" (id bigint PRIMARY KEY);
CREATE TABLE media (id bigint PRIMARY KEY, file_path text, file_size_bytes bigint, file_sha256 text);
CREATE VIEW parent_names AS SELECT name FROM parent;
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO child VALUES (10, 1, 99), (11, 2, NULL);
INSERT INTO "p[/]" VALUES (1, 'markup', 1);
INSERT INTO "a.b" VALUES (1);
INSERT INTO media VALUES (1, 'a.bin', 3, NULL);
"""

SNAPSHOT = [
    """SELECT n.nspname, c.relname, c.relkind, c.relpersistence FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
         AND n.nspname NOT LIKE 'pg\\_temp%%' ORDER BY 1, 2""",
    """SELECT a.attrelid::regclass::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND a.attnum > 0 ORDER BY 1, 2""",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
    "SELECT extname, extversion FROM pg_extension ORDER BY 1",
    "SELECT nspname FROM pg_namespace ORDER BY 1",
    "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
    "SELECT ev_class::regclass::text, rulename FROM pg_rewrite WHERE ev_class >= 16384 ORDER BY 1, 2",
    "SELECT datname FROM pg_database ORDER BY 1",
]


def snapshot(settings) -> list:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        out = [conn.execute(q).fetchall() for q in SNAPSHOT]
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").fetchall()
        for (name,) in tables:  # every row of every table, the ledger included
            query = sql.SQL("SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM {} t").format(
                sql.Identifier("public", name))
            out.append((name, conn.execute(query).fetchone()[0]))
    return out


READ_ONLY_COMMANDS = [
    ("db", "status"), ("db", "status", "--format", "json"), ("db", "start"),
    ("migrate", "status"), ("migrate", "status", "--format", "json"), ("migrate", "check"),
    ("migrate", "run", "--dry-run"),
    ("lint", "--db"), ("lint", "--db", "--format", "json"),
    ("scan", "orphans"), ("scan", "orphans", "--format", "json"),
    ("scan", "files", ".", "--table", "media"),
    ("scan", "dependencies"), ("scan", "dependencies", "--format", "json"),
    ("delete-preview", "parent", "1"), ("delete-preview", "p[/]", "1"), ("delete-preview", "a.b", "1"),
    ("delete-preview", '"a.b"', "1", "--format", "json"),
    ("docs", "check"),
    ("catalog", "dump"),
]


@pytest.mark.parametrize("ledger", [False, True], ids=["no-ledger", "foreign-ledger"])
@pytest.mark.parametrize("app_env", ["development", "production"])
def test_read_only_commands_change_nothing(fresh_db, run_cli, cli_env, monkeypatch, app_env, ledger):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(FOREIGN_SCHEMA)
        if ledger:  # another project's SQLx ledger: a row our folder does not have
            conn.execute(SQLX_DDL)
            conn.execute("INSERT INTO _sqlx_migrations VALUES (1, 'theirs', now(), true, '\\x00', 5)")
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.setenv("X121_MIGRATIONS_DIR", str(ROOT_MIGRATIONS))  # pending migrations: auto-migrate bait
    (cli_env / "a.bin").write_bytes(b"abc")
    before = snapshot(fresh_db)
    commands = READ_ONLY_COMMANDS + ([("docs", "build", "--no-site")] if app_env == "production" and ledger else [])
    outputs = {}
    for argv in commands:
        code, out, err = run_cli(*argv)
        outputs[argv] = out
        # 0/1 as documented; 2 only where the command refuses with its one paragraph (the dry run
        # refuses a ledger row without a file: another project's ledger)
        assert code in (0, 1) or (code == 2 and ledger and argv[:2] == ("migrate", "run") and "error:" in err), \
            (argv, code, err[-2000:])
        assert "Traceback" not in err
        assert snapshot(fresh_db) == before, f"{' '.join(argv)} changed the database"
    # the one line for a database that is ours (has a ledger) and behind; silence for a stranger
    code, out, err = run_cli("scan", "orphans")
    assert ("is behind" in err) is ledger and err.count("is behind") <= 1
    assert "p[/]" in out  # names printed as they are
    assert "p[/]" in outputs[("delete-preview", "parent", "1")]  # set to NULL there
    assert "Impact of deleting a.b 1" in outputs[("delete-preview", "a.b", "1")]


def test_read_only_sessions_refuse_writes(fresh_db):
    from x121_docs.database.connect import connect

    with connect(fresh_db, autocommit=True, read_only=True) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE oops (id int)")
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        assert conn.execute("SELECT to_regclass('oops')").fetchone()[0] is None


def test_startup_start_still_migrates_in_development(fresh_db, tmp_path):
    from dataclasses import replace

    from migrate_support import tables, write

    from x121_docs.startup import start, start_read_only

    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int);")
    settings = replace(fresh_db, migrations_dir=tmp_path, auto_migrate=True)
    assert start_read_only(settings).migrations is None and tables(fresh_db) == set()
    assert start(settings).migrations.report.applied and tables(fresh_db) == {"a"}  # the explicit writer
