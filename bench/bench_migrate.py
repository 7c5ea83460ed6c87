"""Benchmark: the migration runner's own overhead per migration (target < 2 ms).

500 small generated migrations (a table with a primary key, a NOT NULL column and a
comment each) are applied to a fresh database three ways, each on its own fresh database:

- runner:   `run_migrations()` end to end: discover + read + SHA-384, connect, SQLx session
            setup, lock, ledger table, plan, and per migration BEGIN / file / ledger INSERT /
            COMMIT / execution_time UPDATE.
- sql-only: the same file texts (already in memory) over one connection, each as one
            simple-protocol query between BEGIN and COMMIT: what PostgreSQL itself must do.
- psql:     the same files through one `psql` process (`BEGIN; \\i file; COMMIT;` per file),
            for reference (psql splits files into statements, so it makes more round trips).

overhead per migration = (runner - sql-only) / 500.  Each way runs REPEAT times
(interleaved); the fastest run of each is compared (the least disturbed by other load on a
shared machine), medians are shown too.  Usage: python bench/bench_migrate.py [N] [REPEAT]
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg

import benchlib
from psycopg import sql

from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER, EmbeddedServer, install_dir
from x121_docs.migrate import run_migrations

WORK = Path(__file__).resolve().parent / ".work" / "migrate"


def generate(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.sql"):
        old.unlink()
    paths = []
    for i in range(n):
        hours, rest = divmod(i, 3600)  # one second apart: valid UTC timestamps
        minutes, seconds = divmod(rest, 60)
        version = int(f"202601{1 + hours:02d}00{minutes:02d}{seconds:02d}")
        path = folder / f"{version}_create_bench_{i:04d}.sql"
        path.write_text(f"CREATE TABLE bench_{i:04d} (\n    id bigint PRIMARY KEY,\n    name text NOT NULL\n);\n"
                        f"COMMENT ON TABLE bench_{i:04d} IS 'Benchmark table {i}.';\n")
        paths.append(path)
    return paths


def fresh(base: Settings, name: str) -> Settings:
    with psycopg.connect(autocommit=True, **conn_params(base, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return replace(base, name=name)


CPU: dict[str, list[float]] = {"runner": [], "sql-only": []}


def time_runner(settings: Settings, folder: Path, n: int) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    report = run_migrations(settings, folder)
    elapsed = time.perf_counter() - start
    CPU["runner"].append(time.process_time() - cpu)
    assert len(report.applied) == n
    return elapsed


def time_sql_only(settings: Settings, texts: list[str]) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        for text in texts:
            conn.execute("BEGIN")
            conn.execute(text, prepare=False)
            conn.execute("COMMIT")
    CPU["sql-only"].append(time.process_time() - cpu)
    return time.perf_counter() - start


def time_psql(settings: Settings, paths: list[Path]) -> float:
    driver = WORK / "driver.sql"
    driver.write_text("\\set ON_ERROR_STOP 1\n" + "".join(f"BEGIN;\n\\i {p}\nCOMMIT;\n" for p in paths))
    psql = install_dir() / "bin" / "psql"
    args = [str(psql), "-X", "-q", "-h", str(settings.host), "-p", str(settings.port), "-U", SUPERUSER,
            "-d", settings.name, "-f", str(driver)]
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = benchlib.parser(__doc__)
    ap.add_argument("n", nargs="?", type=int, default=500, help="migrations (default 500)")
    ap.add_argument("repeat", nargs="?", type=int, default=5, help="runs of each way (default 5)")
    args = ap.parse_args()
    n, repeat = (10, 1) if args.smoke else (args.n, args.repeat)
    base = benchlib.admin_settings("migrate")
    folder = WORK / (f"migrations-smoke-{os.getpid()}" if args.smoke else "migrations")
    paths = generate(folder, n)
    texts = [p.read_text() for p in paths]
    with psycopg.connect(**conn_params(base)) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        fsync = conn.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')").fetchone()
    runs: dict[str, list[float]] = {"runner": [], "sql-only": [], "psql": []}
    for r in range(repeat):
        runs["sql-only"].append(time_sql_only(fresh(base, f"bench_sql_{r}"), texts))
        runs["runner"].append(time_runner(fresh(base, f"bench_runner_{r}"), folder, n))
        runs["psql"].append(time_psql(fresh(base, f"bench_psql_{r}"), paths))
    med = {k: statistics.median(v) for k, v in runs.items()}
    best = {k: min(v) for k, v in runs.items()}
    overhead_ms = (best["runner"] - best["sql-only"]) / n * 1000
    overhead_med_ms = (med["runner"] - med["sql-only"]) / n * 1000
    lines: list[str] = []
    print = lines.append  # noqa: A001 - the figures go to stdout and the results file alike
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"load average {os.getloadavg()[0]:.2f}; Python {platform.python_version()}; PostgreSQL {pg_version} "
          f"(embedded, unix socket, fsync={fsync[0]}, synchronous_commit={fsync[1]})")
    print(f"migrations: {n}, repeats: {repeat}")
    for k, v in runs.items():
        print(f"{k:9s} best {best[k]:6.3f} s = {best[k] / n * 1000:6.3f} ms/migration; median {med[k]:6.3f} s; "
              "runs: " + ", ".join(f"{x:.3f}" for x in v))
    print(f"runner overhead per migration (runner - sql-only) / {n}: {overhead_ms:.3f} ms from the best runs, "
          f"{overhead_med_ms:.3f} ms from the medians (target < 2 ms)")
    cpu = {k: statistics.median(v) / n * 1000 for k, v in CPU.items()}
    print(f"client CPU per migration (median): runner {cpu['runner']:.3f} ms, sql-only {cpu['sql-only']:.3f} ms, "
          f"difference {cpu['runner'] - cpu['sql-only']:.3f} ms")
    with psycopg.connect(autocommit=True, **conn_params(base)) as conn:
        for r in range(repeat):
            for kind in ("sql", "runner", "psql"):
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(f"bench_{kind}_{r}")))
    if args.smoke:
        shutil.rmtree(folder, ignore_errors=True)
    benchlib.publish(args, "migrate", "```\n" + "\n".join(lines) + "\n```")


if __name__ == "__main__":
    main()
