"""Start-up: apply pending migrations in development, refuse a database that is behind in production."""

from __future__ import annotations

from dataclasses import replace

import pytest
from migrate_support import ledger, tables, write

from x121_docs.errors import WorkbenchError
from x121_docs.startup import start


def test_development_applies_pending_migrations(fresh_db, tmp_path):
    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int);")
    runtime = start(replace(fresh_db, migrations_dir=tmp_path, auto_migrate=True))
    assert [a.version for a in runtime.migrations.report.applied] == [20260101000000]
    assert "Applied 1 migration" in runtime.migrations.lines()[-1]
    assert tables(fresh_db) == {"a"}


def test_production_only_checks_and_refuses_when_behind(fresh_db, tmp_path):
    settings = replace(fresh_db, migrations_dir=tmp_path, auto_migrate=False, app_env="production")
    write(tmp_path, 20260101000000, "a", "CREATE TABLE a (id int);")
    write(tmp_path, 20260102000000, "b", "CREATE TABLE b (id int);")
    with pytest.raises(WorkbenchError) as info:
        start(settings)
    assert "2 pending migrations" in info.value.render() and "x121-docs migrate run" in info.value.render()
    assert ledger(fresh_db) == [] and tables(fresh_db) == set()  # checking writes nothing
    assert start(settings, migrate=False).migrations is None  # callers may opt out
    start(settings, migrate=True)  # or force applying
    assert start(settings).migrations.applied is False
    assert len(ledger(fresh_db)) == 2


def test_missing_folder_is_a_note_in_development_and_an_error_when_checking(fresh_db, tmp_path):
    nowhere = tmp_path / "nowhere"
    runtime = start(replace(fresh_db, migrations_dir=nowhere, auto_migrate=True))
    assert runtime.migrations.lines() == [f"No migrations folder at {nowhere}: no migrations applied."]
    with pytest.raises(WorkbenchError, match="nowhere does not exist"):
        start(replace(fresh_db, migrations_dir=nowhere, auto_migrate=False))
    with pytest.raises(WorkbenchError, match="nowhere does not exist"):
        start(replace(fresh_db, migrations_dir=nowhere), migrate=True)


def test_build_runs_the_migrate_stage(run_cli, cli_env):
    # a table that breaks the conventions: the job migrates and builds the site, then exits 1 for the findings
    write(cli_env / "migrations", 20260101000000, "a", "CREATE TABLE a (id int);")
    code, out, err = run_cli("build")
    assert code == 1, err
    assert "Applied 1 migration in" in out
    assert "site: " in out and "compliance finding(s)" in out
    assert (cli_env / "site" / "index.html").is_file()
    code, out, err = run_cli("build")
    assert code == 1 and "No pending migrations: 1 applied" in out
