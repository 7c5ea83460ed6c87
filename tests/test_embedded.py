"""The embedded server: start/reuse, concurrent starts, stale pid files, foreign data folders, stop."""

import os
import shutil
import subprocess
import sys
import threading

import psycopg
import pytest

from x121_docs.database.embedded import EmbeddedServer
from x121_docs.errors import DatabaseError

from conftest import subprocess_env
from servers import scratch_dir


@pytest.fixture
def folder():
    path = scratch_dir("emb")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def server(folder):
    srv = EmbeddedServer(folder / "pgdata", 5432)
    yield srv
    srv.destroy()


def _version(info) -> int:
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres") as conn:
        return int(conn.execute("SHOW server_version_num").fetchone()[0])


def test_started_twice_at_once_gives_one_server(server):
    results, errors = [], []

    def go():
        try:
            results.append(EmbeddedServer(server.pgdata, 5432).ensure_running())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.pid for r in results}) == 1
    assert _version(results[0]) >= 180000


def test_second_start_reuses_the_running_server(server):
    first = server.ensure_running()
    assert server.ensure_running().pid == first.pid


def test_stale_pid_file_after_a_crash(server):
    server.ensure_running()
    pid_file = server.pgdata / "postmaster.pid"
    os.kill(server.running().pid, 9)  # a crash: no clean shutdown
    for _ in range(100):
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except ProcessLookupError:
            break
        threading.Event().wait(0.05)
    assert pid_file.exists()  # the crash left its pid file behind
    info = server.ensure_running()
    assert _version(info) >= 180000


def test_data_folder_of_another_version_is_a_clear_error(tmp_path):
    pgdata = tmp_path / "old"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("16\n")
    with pytest.raises(DatabaseError) as info:
        EmbeddedServer(pgdata).ensure_running()
    assert "made by PostgreSQL 16" in info.value.message and str(pgdata) in info.value.message
    assert not (pgdata / "postmaster.pid").exists()


def test_non_empty_folder_without_cluster_is_refused(tmp_path):
    pgdata = tmp_path / "stuff"
    pgdata.mkdir()
    (pgdata / "notes.txt").write_text("mine")
    with pytest.raises(DatabaseError, match="not empty but holds no PostgreSQL cluster"):
        EmbeddedServer(pgdata).ensure_running()
    assert (pgdata / "notes.txt").read_text() == "mine"


def test_cli_uses_embedded_server_by_default_and_stops_it(tmp_path, folder):
    env = subprocess_env(X121_PGDATA=str(folder / "pg"))
    cli = [sys.executable, "-m", "x121_docs"]
    try:
        run = subprocess.run([*cli, "build"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "Using the embedded PostgreSQL" in run.stdout
        assert "vector 0.8" in run.stdout and "PostgreSQL 18" in run.stdout
        stop = subprocess.run([*cli, "db", "stop"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and "Stopped the embedded server" in stop.stdout
        again = subprocess.run([*cli, "db", "stop"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert "was not running" in again.stdout
    finally:
        EmbeddedServer(folder / "pg").destroy()
