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
        # (the whole main job on it, `x121-docs build`, is tests/test_docs_check.py's)
        run = subprocess.run([*cli, "db", "bootstrap"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        assert "Using the embedded PostgreSQL" in run.stdout and "Installed extension vector 0.8" in run.stdout
        status = subprocess.run([*cli, "db", "status"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=60)
        assert status.returncode == 0 and "PostgreSQL 18" in status.stdout and "vector 0.8" in status.stdout
        stop = subprocess.run([*cli, "db", "stop"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert stop.returncode == 0 and "Stopped the embedded server" in stop.stdout
        again = subprocess.run([*cli, "db", "stop"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert "was not running" in again.stdout
    finally:
        EmbeddedServer(folder / "pg").destroy()


# -- crash recovery, foreign and impossible data folders (issue #12, part 4) ---------------------
def _cli(env, *args, cwd):
    return subprocess.run([sys.executable, "-m", "x121_docs", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def _one_paragraph_error(run) -> str:
    """Exit 2, nothing on stdout, one paragraph on stderr without a traceback; returns it."""
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    assert len(run.stderr.strip().split("\n\n")) == 1 and run.stderr.startswith("error:")
    return run.stderr


def test_first_command_after_kill_9_of_the_postmaster_succeeds(tmp_path, folder):
    env = subprocess_env(X121_PGDATA=str(folder / "pg"))
    try:
        assert _cli(env, "db", "bootstrap", cwd=tmp_path).returncode == 0
        pid = EmbeddedServer(folder / "pg").running().pid
        os.kill(pid, 9)  # no waiting: the very next command meets whatever the crash left
        status = _cli(env, "db", "status", "--format", "json", cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert EmbeddedServer(folder / "pg").running().pid != pid
    finally:
        EmbeddedServer(folder / "pg").destroy()


_ZOMBIE_SCRIPT = r"""
import ctypes, os, sys, psutil
from pathlib import Path
import x121_docs.database.embedded as embedded
from x121_docs.errors import DatabaseError
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: the orphaned postmaster becomes our child
server = embedded.EmbeddedServer(Path(sys.argv[1]), 5432)
pid = server.ensure_running().pid
assert os.getpid() == psutil.Process(pid).ppid()
os.kill(pid, 9)
while psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
    pass
embedded.REAP_TIMEOUT_S = 0.5
try:
    server.ensure_running()
    print("started beside the zombie")
except DatabaseError as err:
    print("refused:", err.render())
os.waitpid(pid, 0)  # reaped now: the next start must go through
embedded.REAP_TIMEOUT_S = 30
print("restarted", server.ensure_running().pid != pid)
server.stop()
"""


def test_a_killed_postmaster_not_yet_reaped_is_waited_for_bounded(folder):
    run = subprocess.run([sys.executable, "-c", _ZOMBIE_SCRIPT, str(folder / "pg")], capture_output=True, text=True,
                         timeout=120, env=subprocess_env())
    try:
        assert run.returncode == 0, run.stderr
        refused, restarted = run.stdout.strip().splitlines()
        assert refused.startswith("refused:") and "has not been reaped after 0 s" in refused
        assert restarted == "restarted True"
    finally:
        EmbeddedServer(folder / "pg").destroy()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a folder owned by another user")
@pytest.mark.parametrize("holds_cluster", [True, False])
def test_data_folder_of_another_user_is_refused_untouched(tmp_path, folder, holds_cluster):
    pgdata = folder / "theirs"
    pgdata.mkdir(mode=0o700)
    if holds_cluster:
        (pgdata / "PG_VERSION").write_text("18\n")
    os.chown(pgdata, 54321, 54321)
    before = pgdata.stat()
    err = _one_paragraph_error(_cli(subprocess_env(X121_PGDATA=str(pgdata)), "db", "start", cwd=tmp_path))
    assert "is owned by uid 54321" in err and "runs as pgserver" in err and "nothing was changed" in err
    after = pgdata.stat()
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)
    assert sorted(p.name for p in pgdata.iterdir()) == (["PG_VERSION"] if holds_cluster else [])


@pytest.mark.parametrize("where", ["proc", "file", "under_a_file"])
def test_impossible_data_folder_is_one_clear_paragraph(tmp_path, where):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    pgdata = {"proc": "/proc/x", "file": str(a_file), "under_a_file": str(a_file / "pgdata")}[where]
    for command in (["db", "start"], ["db", "status"], ["db", "stop"]):
        err = _one_paragraph_error(_cli(subprocess_env(X121_PGDATA=pgdata), *command, cwd=tmp_path))
        assert "X121_PGDATA" in err and pgdata in err, err
    assert a_file.read_text() == "mine"


def test_existing_data_folder_of_the_same_major_is_reused_with_its_data(server):
    info = server.ensure_running()
    with psycopg.connect(host=str(info.socket_dir), port=info.port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (id int)")
    server.stop()
    again = EmbeddedServer(server.pgdata, 5432).ensure_running()
    with psycopg.connect(host=str(again.socket_dir), port=again.port, user="postgres", dbname="postgres") as conn:
        assert conn.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone()[0]


def test_db_status_lists_the_extensions_the_server_offers(run_cli):
    import json

    assert run_cli("db", "bootstrap")[0] == 0
    code, out, _ = run_cli("db", "status", "--format", "json")
    offered = json.loads(out)["available_extensions"]
    # pgvector and the contrib modules the corpus schemas need (README: "The database server")
    assert {"vector", "cube", "earthdistance", "unaccent", "btree_gist", "tablefunc", "plpgsql"} <= offered.keys()
    code, out, _ = run_cli("db", "status")
    assert code == 0 and "server offers" in out and "earthdistance" in out
