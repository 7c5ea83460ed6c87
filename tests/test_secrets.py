"""A distinctive password must appear in no output, log or file the workbench writes."""

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from x121_docs.database.connect import conn_params

from conftest import subprocess_env
from servers import scratch_dir, tcp_server, tcp_settings

PASSWORD = "Zebra-" + uuid.uuid4().hex  # distinctive: cannot occur by chance


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if needle in path.read_bytes():
                    hits.append(path)
            except PermissionError:
                continue
    return hits


def test_password_never_leaks(tmp_path):
    admin_password = "Adm1n-" + uuid.uuid4().hex[:8]
    folder = scratch_dir("leak")
    server = tcp_server(folder, admin_password)
    try:
        with psycopg.connect(autocommit=True, **conn_params(tcp_settings(server, password=admin_password))) as conn:
            conn.execute(sql.SQL("CREATE ROLE bob LOGIN SUPERUSER PASSWORD {}").format(sql.Literal(PASSWORD)))
        work = tmp_path / "work"
        work.mkdir()
        env = subprocess_env(DB_HOST="127.0.0.1", DB_PORT=str(server.port), DB_USER="bob", DB_PASSWORD=PASSWORD,
                             DB_NAME="leak_check", DB_CONNECT_TIMEOUT="5")
        outputs = []
        for args, code in ((["build"], 0), (["db", "bootstrap"], 0), (["db", "status"], 0),
                           (["db", "status", "--format", "json"], 0), (["db", "start"], 0)):
            run = subprocess.run([sys.executable, "-m", "x121_docs", *args], cwd=work, env=env,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == code, (args, run.stderr)
            outputs.append(run.stdout + run.stderr)
        # an error path: the server refuses a wrong database user/password combination
        bad = subprocess.run([sys.executable, "-m", "x121_docs", "db", "status"], cwd=work,
                             env={**env, "DB_USER": "nobody"}, capture_output=True, text=True, timeout=60)
        assert bad.returncode == 2
        outputs.append(bad.stdout + bad.stderr)
        text = "\n".join(outputs)
        assert "bob:********@127.0.0.1" in text  # the URL is shown, masked
        assert PASSWORD not in text
        assert _files_containing(work, PASSWORD.encode()) == []
        assert _files_containing(server.pgdata, PASSWORD.encode()) == []  # server log included
    finally:
        server.destroy()
        shutil.rmtree(folder, ignore_errors=True)
