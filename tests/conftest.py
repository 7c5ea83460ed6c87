"""Shared fixtures: a real PostgreSQL (the embedded one) per test process, a fresh database per test.

Every test talks to a real server; nothing is mocked.  Each xdist worker starts its own
embedded server in a temporary folder, so workers never share state.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER, EmbeddedServer

from servers import scratch_dir, use_ram_scratch

use_ram_scratch()  # before anything picks a temporary folder

# The browser fixtures (browser, page, traps, serve_site) for every test module.
pytest_plugins = ("browser_support",)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
# Settings the tests must never inherit from the developer's shell.
_SCRUBBED_ENV = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSL", "DB_POOL_MIN", "DB_POOL_MAX",
                 "DB_POOL_IDLE_TIMEOUT", "DB_POOL_MAX_LIFETIME", "DB_CONNECT_TIMEOUT", "APP_ENV", "DB_AUTO_MIGRATE",
                 "X121_MIGRATIONS_DIR", "X121_PGDATA")


# A throwaway cluster needs no durability: with these a database is created and dropped in ~30 ms
# instead of ~280 ms (WAL-logged copy and fsyncs), which is most of a typical test's time.  A killed
# server process still recovers from its WAL (only an OS crash would lose data).
TEST_SERVER_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _maintenance(server: EmbeddedServer) -> Settings:
    return Settings(host=str(server.socket_dir), port=server.port, name="postgres", user=SUPERUSER,
                    sslmode="disable", pgdata=server.pgdata)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedServer]:
    """One embedded PostgreSQL 18 + pgvector for this test process, removed at the end."""
    folder = scratch_dir("pg")
    server = EmbeddedServer(folder / "pgdata", 5432)
    server.ensure_running()
    with psycopg.connect(autocommit=True, **conn_params(_maintenance(server))) as conn:
        for name, value in TEST_SERVER_SETTINGS.items():
            conn.execute(sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))
        conn.execute("SELECT pg_reload_conf()")
    yield server
    server.destroy()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def server_settings(pg_server: EmbeddedServer) -> Settings:
    """Settings pointing at the test server's maintenance database (as an external server would)."""
    return _maintenance(pg_server)


def _drop(settings: Settings, name: str) -> None:
    with psycopg.connect(autocommit=True, **conn_params(settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def fresh_db(server_settings: Settings, db_name: str) -> Iterator[Settings]:
    """A new, empty database (no extensions) for one test; dropped afterwards."""
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        # FILE_COPY: a plain copy of template1 (no WAL for every page), fast with fsync off
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(db_name)))
    yield replace(server_settings, name=db_name)
    _drop(server_settings, db_name)


@pytest.fixture
def vector_db(fresh_db: Settings) -> Settings:
    """A fresh database with the vector extension, as bootstrap leaves it."""
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("CREATE EXTENSION vector")
    return fresh_db


@pytest.fixture
def db_conn(fresh_db: Settings) -> Iterator[psycopg.Connection]:
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        yield conn


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server_settings: Settings, db_name: str):
    """Point the CLI (run in-process) at the test server, from an empty working folder (returned)."""
    for var in _SCRUBBED_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DB_HOST", str(server_settings.host))
    monkeypatch.setenv("DB_PORT", str(server_settings.port))
    monkeypatch.setenv("DB_USER", SUPERUSER)
    monkeypatch.setenv("DB_NAME", db_name)
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.fixture
def run_cli(cli_env, capsys: pytest.CaptureFixture, server_settings: Settings, db_name: str):
    """Run `x121-docs ARGS` in-process against the test server; returns (code, stdout, stderr).

    The database named by DB_NAME is dropped after the test if the commands created it.
    """
    from x121_docs.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    _drop(server_settings, db_name)


@pytest.fixture(scope="session")
def corpus_db(server_settings: Settings):
    """`corpus_db(name)`: settings for database corpus_<name> holding that ../shared/corpus schema.

    Loaded on first use in each test process (xdist workers have their own servers), then shared
    by every test of that process: the corpus tests only read.  Skips with one line when the corpus,
    psql or an extension the schema needs is missing.
    """
    from corpus_support import load

    loaded: dict = {}

    def get(name: str) -> Settings:
        if name not in loaded:
            loaded[name] = load(server_settings, name)
        if loaded[name].skip_reason:
            pytest.skip(loaded[name].skip_reason)
        return loaded[name].settings

    return get


@pytest.fixture
def role(fresh_db: Settings, server_settings: Settings) -> Iterator[str]:
    """A login role without superuser (no privilege of its own yet); what it was granted in `fresh_db` is
    dropped with it afterwards."""
    name = f"r_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def companions(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every database counts as large for reflection (catalog/reflect.py `companion`); the list says,
    per reflection that got that far, whether its companion connection was opened."""
    import importlib
    from contextlib import contextmanager

    reflect = importlib.import_module("x121_docs.catalog.reflect")  # the module: the package exports the function
    monkeypatch.setattr(reflect, "COMPANION_FROM_INDEXES", 0)
    used: list[bool] = []
    real = reflect.companion

    @contextmanager
    def spy(conn):  # noqa: ANN001, ANN202
        with real(conn) as other:
            used.append(other is not None)
            yield other

    monkeypatch.setattr(reflect, "companion", spy)
    return used


def subprocess_env(**overrides: str) -> dict[str, str]:
    """A clean environment for running the real `x121-docs` executable in a subprocess."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update({"COLUMNS": "200", **overrides})
    return env


#: The longest modules (browser, corpus, bench smoke, notebooks) go first, so that under xdist's work
#: stealing neither worker is left alone with a minute-long test at the end of the run.
FIRST = ("test_docs_hostile", "test_corpus", "test_erd_browser", "test_docs_layout", "test_bench_smoke",
         "test_notebooks", "test_embedded", "test_integrity_dependencies", "test_docs_site")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(getattr(getattr(item, "module", None), "__name__", ""), len(FIRST)))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest hook
    """Under `make test` the notebooks ran first (nbval): say how, just above pytest's closing line."""
    code = os.environ.get("X121_NOTEBOOKS_EXIT")
    if code is not None:
        verdict = "passed" if code == "0" else f"FAILED (nbval exit {code}; its report is above this run's)"
        terminalreporter.write_sep("=", f"notebooks under nbval (run first by make test): {verdict}",
                                   green=code == "0", red=code != "0", bold=True)
