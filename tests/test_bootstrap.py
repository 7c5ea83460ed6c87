"""Bootstrap against real servers: idempotence, and every expected failure with its message."""

import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from psycopg import sql

from x121_docs.database.bootstrap import bootstrap
from x121_docs.database.connect import conn_params, make_engine, make_pool
from x121_docs.errors import DatabaseError
from x121_docs.startup import start

from conftest import subprocess_env
from servers import free_port, install_copy, scratch_dir, tcp_server, tcp_settings

SUPER_PASSWORD = "Sup3r-" + uuid.uuid4().hex[:10]
ALICE_PASSWORD = "Al1ce-" + uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def tcp(tmp_path_factory):
    """An external-style server: TCP on 127.0.0.1, password auth, a role without CREATEDB."""
    folder = scratch_dir("tcp")
    server = tcp_server(folder, SUPER_PASSWORD)
    admin = tcp_settings(server, password=SUPER_PASSWORD)
    with psycopg.connect(autocommit=True, **conn_params(admin)) as conn:
        conn.execute(sql.SQL("CREATE ROLE alice LOGIN NOCREATEDB PASSWORD {}").format(sql.Literal(ALICE_PASSWORD)))
        conn.execute("CREATE DATABASE owned_by_alice OWNER alice")
    yield server
    server.destroy()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def scratch():
    folder = scratch_dir("srv")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _cli(args, **env):
    return subprocess.run([sys.executable, "-m", "x121_docs", *args], env=subprocess_env(**env),
                          capture_output=True, text=True, timeout=120)


def _tcp_env(server, user, password, name, **extra):
    return {"DB_HOST": "127.0.0.1", "DB_PORT": str(server.port), "DB_USER": user, "DB_PASSWORD": password,
            "DB_NAME": name, "DB_CONNECT_TIMEOUT": "5", **extra}


def test_bootstrap_creates_then_changes_nothing(server_settings, db_name):
    settings = server_settings.with_database(db_name)
    try:
        first = bootstrap(settings)
        assert first.created_database and first.created_extensions == ["vector"]
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
            conn.execute("CREATE TABLE keep_me (id bigserial PRIMARY KEY, v text)")
            conn.execute("INSERT INTO keep_me (v) VALUES ('a'), ('b')")
            before = conn.execute("SELECT oid, relfilenode FROM pg_class WHERE relname = 'keep_me'").fetchone()
        second = bootstrap(settings)
        assert not second.changed
        assert any(line.startswith("Nothing to do") for line in second.lines())
        with psycopg.connect(**conn_params(settings)) as conn:
            assert conn.execute("SELECT oid, relfilenode FROM pg_class WHERE relname = 'keep_me'").fetchone() == before
            assert conn.execute("SELECT v FROM keep_me ORDER BY id").fetchall() == [("a",), ("b",)]
            assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0] >= "0.8"
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings)) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))


def test_cli_bootstrap_twice(cli_env, run_cli):
    code, out, _ = run_cli("db", "bootstrap")
    assert code == 0 and "Created database" in out and "Installed extension vector" in out
    code, out, _ = run_cli("db", "bootstrap")
    assert code == 0 and "Nothing to do" in out and "Created" not in out


def test_extensions_outside_the_allow_list_are_reported(scratch):
    install = install_copy(scratch / "install", demo_extension=True)
    server = tcp_server(scratch, SUPER_PASSWORD, install=install)
    try:
        admin = tcp_settings(server, password=SUPER_PASSWORD, name="demo")
        bootstrap(admin)
        with psycopg.connect(autocommit=True, **conn_params(admin)) as conn:
            conn.execute("CREATE EXTENSION x121_demo")
        report = bootstrap(admin)
        assert report.not_allowed == {"x121_demo": "1.0"} and not report.changed
        assert any("x121_demo 1.0 is installed but not allowed" in line for line in report.lines())
    finally:
        server.destroy()


def test_wrong_password_names_the_user_not_the_password(tcp):
    run = _cli(["db", "bootstrap"], **_tcp_env(tcp, "alice", "not-" + ALICE_PASSWORD, "x121_x121"))
    assert run.returncode == 2
    assert "Authentication failed for user 'alice'" in run.stderr and "127.0.0.1" in run.stderr
    assert ALICE_PASSWORD not in run.stderr + run.stdout and "Traceback" not in run.stderr


def test_closed_port_names_host_and_port():
    port = free_port()
    run = _cli(["db", "bootstrap"], DB_HOST="127.0.0.1", DB_PORT=str(port), DB_USER="x", DB_CONNECT_TIMEOUT="3")
    assert run.returncode == 2
    assert f"Cannot reach the PostgreSQL server at 127.0.0.1:{port}" in run.stderr and "Hint:" in run.stderr


def test_role_without_createdb_is_told_to_ask_an_administrator(tcp):
    run = _cli(["db", "bootstrap"], **_tcp_env(tcp, "alice", ALICE_PASSWORD, "alice_new_db"))
    assert run.returncode == 2
    assert "not allowed to create the database 'alice_new_db'" in run.stderr
    assert "CREATE DATABASE alice_new_db OWNER alice" in run.stderr


def test_extension_that_the_role_may_not_create(tcp):
    run = _cli(["db", "bootstrap"], **_tcp_env(tcp, "alice", ALICE_PASSWORD, "owned_by_alice"))
    assert run.returncode == 2
    assert "not allowed to create the extension vector" in run.stderr and "administrator" in run.stderr


def test_reflection_companion_signs_in_with_the_same_password(tcp, companions):
    """On a password server the companion connection (catalog/reflect.py) authenticates as the first
    did: the model comes with the index query run beside the others, not without it."""
    from x121_docs.catalog import reflect_settings

    settings = tcp_settings(tcp, user="alice", password=ALICE_PASSWORD, name="owned_by_alice")
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS signed (id bigint PRIMARY KEY, n int UNIQUE)")
    catalog = reflect_settings(settings)
    assert companions == [True]
    assert [i.name for i in catalog.table("signed").indexes] == ["signed_n_key", "signed_pkey"]


def test_server_without_pgvector(scratch):
    server = tcp_server(scratch, SUPER_PASSWORD, install=install_copy(scratch / "install", without_vector=True))
    try:
        with pytest.raises(DatabaseError) as info:
            bootstrap(tcp_settings(server, password=SUPER_PASSWORD, name="x121_x121"))
        assert "(pgvector) is not installed on the server" in info.value.message
    finally:
        server.destroy()


def test_ssl_required_but_refused(tcp):
    run = _cli(["db", "bootstrap"], **_tcp_env(tcp, "postgres", SUPER_PASSWORD, "x121_x121", DB_SSL="true"))
    assert run.returncode == 2
    assert "SSL is required by DB_SSL=require but the server at 127.0.0.1" in run.stderr


def test_pool_and_engine_follow_the_settings(tcp):
    settings = tcp_settings(tcp, password=SUPER_PASSWORD)
    from dataclasses import replace

    settings = replace(settings, pool_min=2, pool_max=3, pool_idle_timeout=30, pool_max_lifetime=60)
    pool = make_pool(settings)
    try:
        assert (pool.min_size, pool.max_size, pool.max_idle, pool.max_lifetime) == (2, 3, 30, 60)
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert pool.get_stats()["pool_size"] >= 2
    finally:
        pool.close()
    engine = make_engine(settings)
    import sqlalchemy

    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT current_user")).scalar() == "postgres"
    assert engine.pool.size() == 2 and engine.pool._max_overflow == 1
    engine.dispose()


def test_startup_creates_and_checks_health(server_settings, db_name):
    runtime = start(server_settings.with_database(db_name), create=True)
    try:
        assert runtime.bootstrap.created_database and runtime.health_ms >= 0
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings)) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name)))
