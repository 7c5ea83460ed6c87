"""Several runners at once, a held lock, and a runner killed mid-migration (real CLI processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
from conftest import subprocess_env
from migrate_support import ledger, tables, write

from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER
from x121_docs.migrate import run_migrations
from x121_docs.migrate.lock import lock_key

RUN = [sys.executable, "-m", "x121_docs", "migrate", "run"]


def _env(settings, folder, **extra):  # noqa: ANN001
    return subprocess_env(DB_HOST=str(settings.host), DB_PORT=str(settings.port), DB_USER=SUPERUSER,
                          DB_NAME=settings.name, X121_MIGRATIONS_DIR=str(folder), **extra)


def _until(predicate, timeout: float = 20.0, what: str = "condition"):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_eight_processes_apply_each_migration_exactly_once(fresh_db, tmp_path):
    folder = tmp_path / "migrations"
    for i in range(5):  # each takes a little while, so the runs overlap
        write(folder, 20260101000000 + i, f"t{i}", f"CREATE TABLE t{i} (id int);\nSELECT pg_sleep(0.05);\n")
    env = _env(fresh_db, folder)
    procs = [subprocess.Popen(RUN, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(8)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    applied_lines = sum(out.count("applied 2026") for _, out, _ in results)
    assert applied_lines == 5
    assert [r[0] for r in ledger(fresh_db)] == [20260101000000 + i for i in range(5)]
    assert tables(fresh_db) == {f"t{i}" for i in range(5)}


def test_a_held_lock_makes_a_run_wait_not_fail(fresh_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, 20260101000000, "a", "CREATE TABLE a (id int);")
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as holder, \
            psycopg.connect(autocommit=True, **conn_params(fresh_db)) as watcher:
        holder.execute("SELECT pg_advisory_lock(%s)", (lock_key(fresh_db.name),))
        holder_pid = holder.info.backend_pid
        proc = subprocess.Popen(RUN, env=_env(fresh_db, folder), cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            _until(lambda: watcher.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = %s",
                (fresh_db.name,)).fetchone()[0], what="the run to wait for the lock")
            time.sleep(0.3)
            assert proc.poll() is None  # still waiting, not failed
            assert ledger(fresh_db) == []
            holder.execute("SELECT pg_advisory_unlock(%s)", (lock_key(fresh_db.name),))
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        out, err = proc.communicate()
    assert code == 0, err
    assert f"waiting for the migration lock held by pid {holder_pid}" in err
    assert [r[0] for r in ledger(fresh_db)] == [20260101000000]


def test_sigkill_mid_migration_leaves_the_database_as_before(fresh_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, 20260101000000, "a", "CREATE TABLE a (id int);")
    # sleeps only in the run the test kills (PGOPTIONS), so the very same file succeeds afterwards
    write(folder, 20260102000000, "b", "CREATE TABLE b (id int);\n"
          "SELECT pg_sleep(CASE WHEN current_setting('x121.test_sleep', true) = 'on' THEN 30 ELSE 0 END);\n")
    proc = subprocess.Popen(RUN, env=_env(fresh_db, folder, PGOPTIONS="-c x121.test_sleep=on"), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as watcher:
        def sleeping():  # noqa: ANN202
            return watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                "AND query LIKE '%%pg_sleep%%' AND pid <> pg_backend_pid()", (fresh_db.name,)).fetchone()

        try:
            (backend,) = _until(sleeping, what="migration b to start")
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        # the server notices the vanished client (client_connection_check_interval) and rolls back
        _until(lambda: watcher.execute("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s",
                                       (backend,)).fetchone()[0], timeout=15, what="the orphaned backend to end")
    assert tables(fresh_db) == {"a"}
    assert [r[0] for r in ledger(fresh_db)] == [20260101000000]
    report = run_migrations(fresh_db, folder)
    assert [a.version for a in report.applied] == [20260102000000]
    assert tables(fresh_db) == {"a", "b"}


def test_sigterm_rolls_back_and_releases_the_lock(fresh_db, tmp_path):
    folder = tmp_path / "migrations"
    write(folder, 20260101000000, "slow", "CREATE TABLE slow (id int);\nSELECT pg_sleep(30);\n")
    proc = subprocess.Popen(RUN, env=_env(fresh_db, folder), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as watcher:
        try:
            _until(lambda: watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
                "AND query LIKE '%%pg_sleep(30)%%' AND pid <> pg_backend_pid()", (fresh_db.name,)).fetchone(),
                what="the migration to start")
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
        _, err = proc.communicate()
        got_lock = watcher.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(fresh_db.name),)).fetchone()[0]
    assert code == 130
    assert "Interrupted while applying 20260101000000_slow.sql: it was rolled back" in err
    assert got_lock is True
    assert tables(fresh_db) == set() and ledger(fresh_db) == []
