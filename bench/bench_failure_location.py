"""Benchmark: locating the failing line of a big migration (target < 5 s and < 150 MB).

A 10 MB migration of 100,000 INSERTs whose last one fails (a duplicate key, so PostgreSQL
gives no position and the runner's failure locator has to find the line) is applied with
`x121-docs migrate run` in a child process; its wall time and peak RSS (the child's
ru_maxrss, so the figure covers parsing, the run, the rollback and the locator) are the
figures.  Yardstick: `psql -X -v ON_ERROR_STOP=1 -1 -f` of the same file (psql names the
line itself since it sends one statement at a time).  Usage: python bench/bench_failure_location.py [REPEAT]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER, EmbeddedServer, install_dir

WORK = Path(__file__).resolve().parent / ".work" / "failure_location"
ROWS = 100_000


def generate(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "20260101000000_big_data_load.sql"
    pad = "x" * 44
    lines = ["CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);"]
    lines += [f"INSERT INTO big (id, payload) VALUES ({i}, '{pad} row {i:06d}');" for i in range(1, ROWS)]
    lines.append("INSERT INTO big (id, payload) VALUES (1, 'a duplicate of the first row');")
    path.write_text("\n".join(lines) + "\n")
    return path


def fresh(base: Settings, name: str) -> Settings:
    with psycopg.connect(autocommit=True, **conn_params(base, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return replace(base, name=name)


def child(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB of that child, exit code, stderr) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run the bigger one (ours) first
    return seconds, max(peak, before) / 1024, proc.returncode, proc.stderr


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    server = EmbeddedServer(WORK / "pgdata", 5432)
    info = server.ensure_running()
    base = Settings(host=str(info.socket_dir), port=info.port, name="postgres", user=SUPERUSER, sslmode="disable")
    folder = WORK / "migrations"
    path = generate(folder)
    size_mb = path.stat().st_size / 1e6
    exe = str(Path(sys.executable).with_name("x121-docs"))
    psql = str(install_dir() / "bin" / "psql")
    ours, theirs = [], []
    for r in range(repeat):
        load = os.getloadavg()[0]
        target = fresh(base, f"bench_locate_{r}")
        env = {**os.environ, "DB_HOST": str(target.host), "DB_PORT": str(target.port), "DB_USER": SUPERUSER,
               "DB_NAME": target.name, "COLUMNS": "200"}
        s, mb, code, err = child([exe, "migrate", "run", "--dir", str(folder)], env)
        assert code == 2 and f"line {ROWS + 1}" in err, err[-400:]
        ours.append((s, mb, load))
        target = fresh(base, f"bench_locate_psql_{r}")
        s, mb, code, err = child([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-h", str(target.host), "-p",
                                  str(target.port), "-U", SUPERUSER, "-d", target.name, "-f", str(path)], env)
        assert code != 0 and f":{ROWS + 1}:" in err, err[-400:]
        theirs.append((s, mb, load))
    print(f"file: {size_mb:.1f} MB, {ROWS:,} INSERTs, fails on line {ROWS + 1}")
    for label, runs in (("x121-docs migrate run", ours), ("psql -1 -f", theirs)):
        times = sorted(s for s, _, _ in runs)
        print(f"{label}: best {times[0]:.2f} s, median {times[len(times) // 2]:.2f} s; "
              f"loads {', '.join(f'{l:.1f}' for _, _, l in runs)}")
    print(f"x121-docs peak RSS {max(mb for _, mb, _ in ours):.0f} MB (the largest child process of the run)")
    server.stop()


if __name__ == "__main__":
    main()
