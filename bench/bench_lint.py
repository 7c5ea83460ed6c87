"""Benchmark: catalog reflection and lint time on generated schemas, and static lint vs squawk.

    .venv/bin/python bench/bench_lint.py [--sizes 100 500 2000] [--files 1000]

Targets (issue 5): lint of a 2,000-table database under 5 s; static lint throughput within 5x
of squawk's (squawk-cli from PyPI, run on the same files in the same run).  Uses the
configured server (the embedded one by default) and throwaway databases it drops.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from psycopg import sql

from x121_docs.catalog.reflect import reflect
from x121_docs.config import load_settings
from x121_docs.database.connect import connect, resolve
from x121_docs.lint import LintConfig, lint_catalog
from x121_docs.lint.source import analyse_migrations


def table_sql(i: int) -> str:
    """One conventional table with an FK to the previous one, its index, trigger-free, comments."""
    t = f"items_{i:05d}"
    fk = ""
    if i:
        fk = (f",\n    item_{i - 1:05d}_id BIGINT NOT NULL REFERENCES items_{i - 1:05d} (id) "
              "ON DELETE CASCADE ON UPDATE RESTRICT")
    idx = f"CREATE INDEX idx_{t}_item_{i - 1:05d}_id ON {t} (item_{i - 1:05d}_id);\n" if i else ""
    return (f"CREATE TABLE {t} (\n    id BIGSERIAL PRIMARY KEY,\n    name TEXT NOT NULL,\n"
            f"    status VARCHAR(20),\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
            f"    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(){fk}\n);\n{idx}"
            f"CREATE UNIQUE INDEX uq_{t}_name ON {t} (name);\n"
            f"COMMENT ON TABLE {t} IS 'Generated table {i}.';\n"
            f"COMMENT ON COLUMN {t}.name IS 'Name.';\n")


def bench_catalog(settings, n: int) -> dict:
    name = f"x121_bench_lint_{uuid.uuid4().hex[:8]}"
    with connect(settings, "postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with connect(replace(settings, name=name), autocommit=True) as conn:
            batch = 200
            for start in range(0, n, batch):
                with conn.transaction():
                    conn.execute("".join(table_sql(i) for i in range(start, min(n, start + batch))))
            conn.execute("ANALYZE")
            reflect_times, lint_times, total_times = [], [], []
            for _ in range(3):
                t0 = time.perf_counter()
                catalog = reflect(conn)
                t1 = time.perf_counter()
                findings = lint_catalog(catalog, LintConfig())
                t2 = time.perf_counter()
                reflect_times.append(t1 - t0)
                lint_times.append(t2 - t1)
                total_times.append(t2 - t0)
        return {"tables": len(catalog.base_tables), "fks": len(catalog.foreign_keys), "queries": catalog.query_count,
                "reflect_s": statistics.median(reflect_times), "rules_s": statistics.median(lint_times),
                "total_s": statistics.median(total_times), "findings": len(findings)}
    finally:
        with connect(settings, "postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def migration_text(i: int) -> str:
    """A realistic migration: a table, indexes, comments, an ALTER on an earlier table."""
    text = table_sql(i)
    if i:
        text += (f"ALTER TABLE items_{i - 1:05d} ADD COLUMN note_{i} TEXT;\n"
                 f"CREATE INDEX idx_items_{i - 1:05d}_note_{i} ON items_{i - 1:05d} (note_{i});\n")
    return text


def bench_static(files: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="x121_bench_static_"))
    try:
        for i in range(files):
            (folder / f"2026{i:010d}_m.sql").write_text(migration_text(i))
        size = sum(p.stat().st_size for p in folder.iterdir())
        ours = []
        for _ in range(3):
            t0 = time.perf_counter()
            src = analyse_migrations(folder)
            ours.append(time.perf_counter() - t0)
        squawk = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which("squawk")
        theirs: list[float] = []
        if squawk:
            paths = sorted(str(p) for p in folder.iterdir())
            for _ in range(3):
                t0 = time.perf_counter()
                subprocess.run([squawk, *paths], capture_output=True, check=False)
                theirs.append(time.perf_counter() - t0)
        return {"files": files, "bytes": size, "ours_s": statistics.median(ours), "source_findings": len(src.hits),
                "squawk_s": statistics.median(theirs) if theirs else None, "squawk": bool(squawk)}
    finally:
        shutil.rmtree(folder)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    ap.add_argument("--files", type=int, default=1000)
    args = ap.parse_args()
    settings = resolve(load_settings())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| tables | FKs | catalog queries | reflect (s) | rules (s) | reflect + rules (s) | findings |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = bench_catalog(settings, n)
        print(f"| {r['tables']} | {r['fks']} | {r['queries']} | {r['reflect_s']:.3f} | {r['rules_s']:.3f} | "
              f"{r['total_s']:.3f} | {r['findings']} |", flush=True)
    s = bench_static(args.files)
    ours_rate = s["files"] / s["ours_s"]
    line = f"static: {s['files']} files ({s['bytes'] / 1e6:.2f} MB): x121 source lint {s['ours_s']:.3f} s ({ours_rate:.0f} files/s)"
    if s["squawk_s"]:
        rate = s["files"] / s["squawk_s"]
        line += (f"; squawk {s['squawk_s']:.3f} s ({rate:.0f} files/s); x121 time / squawk time = "
                 f"{s['ours_s'] / s['squawk_s']:.2f}x")
    else:
        line += "; squawk not installed (pip install squawk-cli)"
    print(line)


if __name__ == "__main__":
    main()
