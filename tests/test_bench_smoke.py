"""Every benchmark under bench/ runs, at tiny sizes, on every test run, so none of them can rot.

A benchmark whose figures are claimed in bench/RESULTS.md must still run at HEAD; this runs
each `bench/bench_*.py --smoke` against the test server and checks that it exits 0 and leaves
the results file alone (smoke figures are not results).
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from browser_support import CHROMIUM, MISSING
from conftest import PROJECT_ROOT, subprocess_env

from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER

BENCH = PROJECT_ROOT / "bench"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))


def test_every_bench_script_is_found():
    assert len(SCRIPTS) >= 5, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_bench_runs_in_smoke_mode(script: Path, server_settings, corpus_db, tmp_path):
    if script.stem == "bench_erd" and not CHROMIUM.exists():  # it measures legibility in the browser
        pytest.skip(MISSING)
    with contextlib.suppress(pytest.skip.Exception):
        corpus_db("chinook")  # a database of the other tests' that a benchmark must leave alone (bench_review did not)
    results = BENCH / "RESULTS.md"
    before = hashlib.sha256(results.read_bytes()).hexdigest()
    databases = _databases(server_settings)  # other tests' (corpus_chinook...) share this server
    env = subprocess_env(DB_HOST=str(server_settings.host), DB_PORT=str(server_settings.port), DB_USER=SUPERUSER,
                         DB_NAME="postgres", PYTHONPATH=str(BENCH))
    proc = subprocess.run([sys.executable, str(script), "--smoke"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"{script.name} --smoke exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert hashlib.sha256(results.read_bytes()).hexdigest() == before, f"{script.name} --smoke rewrote RESULTS.md"
    assert not databases - _databases(server_settings), f"{script.name} --smoke dropped databases it did not create"


def _databases(settings) -> set[str]:
    with psycopg.connect(autocommit=True, **conn_params(settings, "postgres")) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}
