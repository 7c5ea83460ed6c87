"""Benchmark: locating the failing line of a big migration (target < 5 s and < 150 MB).

A 10 MB migration of 100,000 INSERTs whose last one fails (a duplicate key, so PostgreSQL
gives no position and the runner's failure locator has to find the line) is applied with
`x121-docs migrate run` in a child process: wall time and the child's peak RSS (ru_maxrss,
so it covers reading, the transaction-control check, the run, the rollback and the locator).
Yardstick: `psql -X -v ON_ERROR_STOP=1 -1 -f` of the same file (psql names the line itself:
it sends one statement at a time).  Usage: python bench/bench_failure_location.py [REPEAT] [--smoke]
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import benchlib
import psycopg
from psycopg import sql

from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER, install_dir

WORK = benchlib.WORK / "failure_location"


def generate(folder: Path, rows: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "20260101000000_big_data_load.sql"
    pad = "x" * 44
    lines = ["CREATE TABLE big (id bigint PRIMARY KEY, payload text NOT NULL);"]
    lines += [f"INSERT INTO big (id, payload) VALUES ({i}, '{pad} row {i:06d}');" for i in range(1, rows)]
    lines.append("INSERT INTO big (id, payload) VALUES (1, 'a duplicate of the first row');")
    path.write_text("\n".join(lines) + "\n")
    return path


def fresh(base, name: str):  # noqa: ANN001, ANN201 (Settings)
    with psycopg.connect(autocommit=True, **conn_params(base, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return replace(base, name=name)


def drop(base, name: str) -> None:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(base, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def child(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """(seconds, client CPU seconds, peak RSS in MB of the largest child so far, exit code, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, after.ru_maxrss / 1024, proc.returncode, proc.stderr


def main() -> None:
    ap = benchlib.parser(__doc__)
    ap.add_argument("repeat", nargs="?", type=int, default=3, help="runs of each (default 3)")
    args = ap.parse_args()
    rows, repeat = (2_000, 1) if args.smoke else (100_000, args.repeat)
    base = benchlib.admin_settings("failure_location")
    folder = WORK / (f"migrations-smoke-{os.getpid()}" if args.smoke else "migrations")
    path = generate(folder, rows)
    size_mb = path.stat().st_size / 1e6
    exe = str(Path(sys.executable).with_name("x121-docs"))
    psql = str(install_dir() / "bin" / "psql")
    ours: list[float] = []
    theirs: list[float] = []
    peak = 0.0
    cpus: list[float] = []
    loads = []
    for r in range(repeat):
        loads.append(os.getloadavg()[0])
        name = f"bench_locate_{os.getpid()}_{r}"
        target = fresh(base, name)
        env = {**os.environ, "DB_HOST": str(target.host), "DB_PORT": str(target.port), "DB_USER": SUPERUSER,
               "DB_NAME": target.name, "COLUMNS": "200"}
        s, cpu, mb, code, err = child([exe, "migrate", "run", "--dir", str(folder)], env)  # ours first: peak is ours
        assert code == 2 and f"line {rows + 1}" in err, err[-600:]
        ours.append(s)
        cpus.append(cpu)
        peak = max(peak, mb)
        target = fresh(base, name)
        s, _, _, code, err = child([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-h", str(target.host), "-p",
                                 str(target.port), "-U", SUPERUSER, "-d", target.name, "-f", str(path)], env)
        assert code != 0 and f":{rows + 1}:" in err, err[-600:]
        theirs.append(s)
        drop(base, name)
    if args.smoke:
        shutil.rmtree(folder, ignore_errors=True)
    text = "\n".join([
        "## Failure location",
        "",
        "`python bench/bench_failure_location.py` (issue #12): a migration that fails on its last statement without",
        "an error position, so the runner must locate it: the file runs once in its transaction and is rolled back,",
        "then the locator bisects the statements inside savepoints of one more transaction that is rolled back",
        "(about 4 round trips per halving, one pass over the file in all). Before: a statement-by-statement replay,",
        "42 s and 557 MB for this file.",
        "",
        "```",
        f"machine: {benchlib.machine_note()}",
        f"loads at each repeat: {', '.join(f'{x:.1f}' for x in loads)}",
        f"file: {size_mb:.1f} MB, {rows:,} statements, fails on its last line ({rows + 1}) with a duplicate key",
        f"x121-docs migrate run (run, roll back, locate, report): best {min(ours):.2f} s, "
        f"median {statistics.median(ours):.2f} s; peak RSS {peak:.0f} MB (target < 5 s, < 150 MB); "
        f"client CPU {min(cpus):.2f} s (the rest is the server executing the file twice, and waiting for a core)",
        f"psql -X -1 -f (yardstick, one statement per round trip): best {min(theirs):.2f} s, "
        f"median {statistics.median(theirs):.2f} s",
        "```",
    ])
    benchlib.publish(args, "failure_location", text)


if __name__ == "__main__":
    main()
