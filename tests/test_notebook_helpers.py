"""x121_docs.notebook: where the project is, scratch databases, and outputs that leak nothing."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from x121_docs.config import Secret, Settings
from x121_docs.database.connect import conn_params
from x121_docs.errors import WorkbenchError
from x121_docs.notebook import (display_path, drop_database, notebook_settings, project_root, redact,
                                scratch_database, server_table, settings_table, table)

from conftest import PROJECT_ROOT


def databases(settings: Settings) -> set[str]:
    with psycopg.connect(**conn_params(settings, "postgres")) as conn:
        return {r[0] for r in conn.execute("SELECT datname FROM pg_database")}


def test_project_root_is_found_from_notebooks_and_from_a_copy_elsewhere(tmp_path, monkeypatch):
    assert project_root(PROJECT_ROOT / "notebooks") == PROJECT_ROOT
    # A folder of another project does not count; outside any checkout, the package's own checkout is used.
    other = tmp_path / "other"
    (other / "sub").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    assert project_root(other / "sub") == PROJECT_ROOT
    # A checkout of this project wins over the package's location.
    mine = tmp_path / "clone"
    (mine / "notebooks").mkdir(parents=True)
    (mine / "pyproject.toml").write_text('[project]\nname = "x121-docs"\n')
    assert project_root(mine / "notebooks") == mine
    monkeypatch.chdir(mine / "notebooks")
    assert project_root() == mine


def test_notebook_settings_resolve_relative_paths_and_dotenv_from_the_project_root(tmp_path, monkeypatch):
    root = tmp_path / "clone"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x121-docs"\n')
    (root / ".env").write_text("DB_POOL_MAX=7\nX121_PGDATA=data/pg\n")
    monkeypatch.chdir(root / "notebooks")
    settings = notebook_settings(env={})
    assert settings.pgdata == root / "data" / "pg"
    assert settings.migrations_dir == root / "migrations"
    assert settings.pool_max == 7
    assert notebook_settings(env={"DB_POOL_MAX": "3"}).pool_max == 3  # the environment wins over .env


def test_scratch_database_is_bootstrapped_and_dropped(server_settings):
    db = scratch_database("unit", server_settings)
    assert db.name.startswith("nb_unit_") and len(db.name) == len("nb_unit_") + 8
    assert db.bootstrap.created_database and db.bootstrap.created_extensions == ["vector"]
    with psycopg.connect(**conn_params(db.settings)) as conn:
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'vector'").fetchone()
    assert db.name in databases(server_settings)
    assert db.drop() is True
    assert db.name not in databases(server_settings)
    assert db.drop() is False  # already gone: no error


def test_scratch_databases_are_unique_and_dropped_by_the_context_manager_or_when_forgotten(server_settings):
    with scratch_database("ctx", server_settings) as first:
        second = scratch_database("ctx", server_settings, create=False)
        assert first.name != second.name
        assert second.name not in databases(server_settings)  # create=False only reserves the name
        second.create()
        assert {first.name, second.name} <= databases(server_settings)
    assert first.name not in databases(server_settings)
    name = second.name
    del second
    gc.collect()  # a kernel restart or a lost reference still cleans up
    assert name not in databases(server_settings)


def test_only_scratch_databases_can_be_dropped(server_settings, fresh_db):
    with pytest.raises(WorkbenchError, match="not a notebook scratch database"):
        drop_database(server_settings, fresh_db.name)
    with pytest.raises(WorkbenchError, match="not a notebook scratch database"):
        drop_database(server_settings, "x121_x121")
    assert fresh_db.name in databases(server_settings)
    with pytest.raises(WorkbenchError, match="Invalid scratch database label"):
        scratch_database("Bad Label!", server_settings)


def test_a_failed_bootstrap_leaves_no_scratch_database(server_settings):
    before = databases(server_settings)
    with pytest.raises(WorkbenchError):
        scratch_database("fail", replace(server_settings, user="nobody_here"))
    assert databases(server_settings) == before


def test_settings_table_masks_the_password_and_shows_paths_relative_to_the_project():
    password = "hunter2-secret"
    settings = Settings(host="db.example", user="app", password=Secret(password),
                        pgdata=PROJECT_ROOT / ".x121" / "pgdata", migrations_dir=PROJECT_ROOT / "migrations")
    for view in (settings_table(settings), server_table(settings)):
        shown = view._repr_html_() + repr(view)
        assert password not in shown
        assert str(PROJECT_ROOT) not in shown
    values = dict((r[0], r[1]) for r in settings_table(settings).rows)
    assert values["DB_PASSWORD"] == "********"
    assert values["X121_PGDATA"] == ".x121/pgdata"
    assert "app:********@db.example" in repr(server_table(settings))


def test_redact_removes_password_project_root_home_and_temp_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("DB_PASSWORD", "s3cr3t-value")
    text = f"pw=s3cr3t-value at {PROJECT_ROOT}/migrations in {tmp_path}/x and {Path.home()}/y"
    shown = redact(text)
    assert "s3cr3t-value" not in shown and str(PROJECT_ROOT) not in shown and str(tmp_path) not in shown
    assert "pw=******** at migrations in " in shown
    assert display_path(PROJECT_ROOT / "notebooks") == "notebooks"
    assert str(tmp_path) not in display_path(tmp_path / "pgdata")


def test_table_views_escape_html_and_keep_cells_apart():
    view = table(("name", "note"), [("<b>x</b>", "a|b"), ("y", None)], caption="T & U")
    html = view._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x" not in html and "T &amp; U" in html
    assert repr(view).splitlines()[2:] == ["| name | note |", "| --- | --- |", "| <b>x</b> | a\\|b |", "| y |  |"]
    assert len(view) == 2


def test_redact_masks_a_password_set_only_in_the_project_dotenv(tmp_path, monkeypatch):
    root = tmp_path / "clone"
    (root / "notebooks").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x121-docs"\n')
    (root / ".env").write_text("DB_PASSWORD=only-in-dotenv-42\n")
    monkeypatch.delenv("DB_PASSWORD", raising=False)
    monkeypatch.chdir(root / "notebooks")
    shown = repr(table(("k", "v"), [("dsn", "host=x password=only-in-dotenv-42")]))
    assert "only-in-dotenv-42" not in shown and "password=********" in shown


def test_lookup_values_show_usage_only_when_it_was_counted(fresh_db):
    """`views.lookup_values_table`: counts when `lookup_data(..., usage=True)` read them, and no column of
    zeros that nobody counted otherwise (the docs' pages read usage only for their live figures)."""
    from docs_support import load_everything, load_sql

    from x121_docs.catalog import reflect
    from x121_docs.docs.data import lookup_data
    from x121_docs.notebook import views

    load_everything(fresh_db)
    load_sql(fresh_db, "INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'done'); "
                       "INSERT INTO projects (id, name) VALUES (1, 'p'); "
                       "INSERT INTO jobs (project_id, job_status_id) SELECT 1, 2 FROM generate_series(1, 3);")
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        catalog = reflect(conn)
        key = ("public", "job_statuses")
        plain, = lookup_data(conn, catalog, (key,), 10)
        counted, = lookup_data(conn, catalog, (key,), 10, usage=True)
    shown = views.lookup_values_table(counted)
    assert shown.columns[-1] == "rows using it"
    assert {row[shown.columns.index("name")]: row[-1] for row in shown.rows} == {"queued": "0", "done": "3"}
    assert "rows using it" not in views.lookup_values_table(plain).columns and not plain.usage
