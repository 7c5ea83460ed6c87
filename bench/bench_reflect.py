"""Benchmark: reflection of a 2,000-table database as a whole command, next to `pg_dump --schema-only`.

Target (issue 18): `x121-docs catalog dump --no-lookup-values` (connect, reflect the catalog in its
fixed number of bulk queries, write the versioned JSON) takes at most 1.5x `pg_dump --schema-only`
of the same database, both as whole commands started from nothing, interleaved, medians.  pg_dump
is the floor: a C program that reads the same catalog and prints it.

The generated schema has what the platform's tables have: a bigint identity key, a status lookup
FK (RESTRICT), one to three FKs to nearby tables with an index each, a CHECK, defaults, a unique
index and comments on the table and a column.

    .venv/bin/python bench/bench_reflect.py [--tables 2000] [--repeats 7]    (--smoke: 20 tables, 1 run)
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from psycopg import sql

import benchlib

from x121_docs.database.connect import connect
from x121_docs.database.embedded import install_dir

EXE = Path(sys.executable).with_name("x121-docs")
DB = "x121_bench_reflect"
ACTIONS = ("CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "CASCADE")


def schema_sql(n: int) -> list[str]:
    """One statement batch per table, after ten status lookups."""
    out = [f"CREATE TABLE s{s}_statuses (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL "
           f"UNIQUE, sort_order smallint NOT NULL DEFAULT 0); COMMENT ON TABLE s{s}_statuses IS 'Lookup {s}.';"
           for s in range(10)]
    for i in range(n):
        t = f"t{i:04d}"
        cols = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "name text NOT NULL",
                f"status_id bigint NOT NULL REFERENCES s{i % 10}_statuses ON DELETE RESTRICT",
                "amount numeric(12,2) CHECK (amount >= 0)", "created_at timestamptz NOT NULL DEFAULT now()",
                "updated_at timestamptz NOT NULL DEFAULT now()"]
        fks = []
        for j, p in enumerate(sorted({i - 1 - (i * 7 + k * 3) % min(i, 25) for k in range(1 + i % 3)}) if i else []):
            fks.append(f"t{p:04d}_id")
            cols.append(f"t{p:04d}_id bigint REFERENCES t{p:04d} ON DELETE {ACTIONS[(i + j) % 5]}")
        stmts = [f"CREATE TABLE {t} ({', '.join(cols)});", f"COMMENT ON TABLE {t} IS 'Generated table {i}.';",
                 f"COMMENT ON COLUMN {t}.name IS 'Name of the row.';",
                 f"CREATE UNIQUE INDEX uq_{t}_name ON {t} (name);", f"CREATE INDEX idx_{t}_status_id ON {t} (status_id);"]
        stmts += [f"CREATE INDEX idx_{t}_{c} ON {t} ({c});" for c in fks]
        out.append("\n".join(stmts))
    return out


def server_tool(name: str) -> str:
    """The embedded server's own client program (same major version as the server), else the PATH's."""
    own = install_dir() / "bin" / name
    found = str(own) if own.is_file() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed: it is the peer of this benchmark.")
    return found


def run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole command; it must exit 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{argv[0]} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> int:
    ap = benchlib.parser(__doc__)
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    if args.smoke:
        args.tables, args.repeats = 20, 1
    pg_dump = server_tool("pg_dump")
    benchlib.compile_workbench()
    settings = benchlib.admin_settings("reflect")
    db = f"{DB}_smoke_{os.getpid()}" if args.smoke else DB
    bench = replace(settings, name=db)
    with connect(settings, "postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    work = Path(tempfile.mkdtemp(prefix="x121-bench-reflect-"))
    try:
        start = time.perf_counter()
        with connect(bench, autocommit=True) as conn:
            for batch in schema_sql(args.tables):
                conn.execute(batch)
            conn.execute("ANALYZE")
        print(f"created {args.tables:,} tables in {time.perf_counter() - start:.1f} s", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "X121_", "PG"))}
        env.update({"DB_HOST": str(bench.host), "DB_PORT": str(bench.port), "DB_NAME": db,
                    "DB_USER": bench.user or "", "PGHOST": str(bench.host), "PGPORT": str(bench.port),
                    "PGUSER": bench.user or "postgres", "PGDATABASE": db})
        if bench.password:
            env["DB_PASSWORD"] = env["PGPASSWORD"] = bench.password.reveal()
        cases = {"x121-docs catalog dump --no-lookup-values": [str(EXE), "catalog", "dump", "--no-lookup-values",
                                                               "-o", str(work / "catalog.json")],
                 "pg_dump --schema-only": [pg_dump, "--schema-only", "-f", str(work / "schema.sql")]}
        times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in cases}
        for _ in range(args.repeats):  # interleaved: both see the same machine load
            for name, argv in cases.items():
                wall, cpu = run(argv, env, work)
                times[name][0].append(wall)
                times[name][1].append(cpu)
        sizes = {"catalog.json": (work / "catalog.json").stat().st_size, "schema.sql": (work / "schema.sql").stat().st_size}
        machine = benchlib.machine_note()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with connect(settings, "postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))

    ours, peer = (statistics.median(times[n][0]) for n in cases)
    ratio = ours / peer
    lines = [f"`python bench/bench_reflect.py --tables {args.tables} --repeats {args.repeats}`: {args.tables:,} generated "
             f"tables (+10 lookups; FKs, indexes, checks, defaults, comments), whole commands started from nothing, "
             f"{args.repeats} interleaved runs, medians. Machine: {machine} (at the end of the run).", "",
             "| command | median wall s | best wall s | median CPU s | output |", "|---|---:|---:|---:|---:|"]
    for (name, (walls, cpus)), size in zip(times.items(), sizes.values()):
        lines.append(f"| `{name}` | {statistics.median(walls):.3f} | {min(walls):.3f} | {statistics.median(cpus):.3f} | "
                     f"{size / 1e6:.1f} MB |")
    lines += ["", f"catalog dump / pg_dump --schema-only: **{ratio:.2f}x** "
                  f"(target <= 1.5x: {'met' if ratio <= 1.5 else 'not met'})."]
    benchlib.publish(args, "reflect", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
