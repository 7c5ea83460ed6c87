"""Benchmark: catalog reflection and lint time on generated schemas, and `lint --static` vs squawk.

    .venv/bin/python bench/bench_lint.py [--sizes 100 500 2000] [--files 1000] [--repeats 5]
    .venv/bin/python bench/bench_lint.py --smoke      # tiny sizes, a few seconds (run by the tests)

Targets: lint of a 2,000-table database under 5 s (issue 5); `x121-docs lint --static` on 1,000
migration files within 2x of squawk's JSON run, both as whole commands (issue 18; squawk-cli from
PyPI, the bench extra). The two commands run interleaved, `--repeats` times each; medians and
the ratio per pair are printed. Uses the configured server (the embedded one by default) and
throwaway databases it drops.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

import json

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


def migration_names(files: int) -> list[str]:
    """Valid, increasing migration file names: one second apart from 2026-01-01 00:00:00 UTC."""
    start = dt.datetime(2026, 1, 1)
    return [f"{(start + dt.timedelta(seconds=i)):%Y%m%d%H%M%S}_m{i:05d}.sql" for i in range(files)]


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    return time.perf_counter() - t0, done.returncode, done.stdout


def bench_static(files: int, repeats: int) -> dict:
    """`x121-docs lint --static` vs `squawk --reporter json` on the same files, as whole commands."""
    folder = Path(tempfile.mkdtemp(prefix="x121_bench_static_"))
    try:
        for i, name in enumerate(migration_names(files)):
            (folder / name).write_text(migration_text(i))
        size = sum(p.stat().st_size for p in folder.iterdir())
        t0 = time.perf_counter()
        src = analyse_migrations(folder)
        in_process = time.perf_counter() - t0
        bindir = Path(sys.executable).parent
        args = ["--static", "--migrations", str(folder), "--format", "json", "--no-baseline"]
        ours_cmd = [str(bindir / "x121-docs"), "lint", *args]
        lint_cmd = [str(bindir / "x121-lint"), *args]  # the pre-commit entry: the lint command alone
        squawk = shutil.which("squawk", path=str(bindir)) or shutil.which("squawk")
        theirs_cmd = [squawk, "--reporter", "json", *sorted(str(p) for p in folder.iterdir())] if squawk else None
        env = {**os.environ, "X121_MIGRATIONS_DIR": str(folder)}
        ours, alone, theirs, ratios, ratios_alone = [], [], [], [], []
        findings = None
        for _ in range(repeats):  # interleaved, so load changes hit both alike
            t, code, out = _timed(ours_cmd, env)
            if code not in (0, 1):
                raise SystemExit(f"x121-docs lint --static failed with exit {code}")
            findings = len(json.loads(out)["findings"])
            ours.append(t)
            t1, code1, out1 = _timed(lint_cmd, env)
            if code1 != code or len(json.loads(out1)["findings"]) != findings:
                raise SystemExit("x121-lint --static and x121-docs lint --static disagree")
            alone.append(t1)
            if theirs_cmd:
                t2, _, _ = _timed(theirs_cmd)
                theirs.append(t2)
                ratios.append(t / t2)
                ratios_alone.append(t1 / t2)
        return {"files": files, "bytes": size, "in_process_s": in_process, "ours_s": statistics.median(ours),
                "alone_s": statistics.median(alone),
                "ratio_alone": statistics.median(ratios_alone) if ratios_alone else None,
                "findings": findings, "source_hits": len(src.hits), "squawk": bool(squawk),
                "squawk_s": statistics.median(theirs) if theirs else None,
                "ratio": statistics.median(ratios) if ratios else None}
    finally:
        shutil.rmtree(folder)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: proves the script runs (a few seconds)")
    ap.add_argument("--static-only", action="store_true", help="only the lint --static vs squawk comparison")
    args = ap.parse_args()
    if args.smoke:
        args.sizes, args.files, args.repeats = [5], 20, 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    if not args.static_only:
        settings = resolve(load_settings())
        print("| tables | FKs | catalog queries | reflect (s) | rules (s) | reflect + rules (s) | findings |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n in args.sizes:
            r = bench_catalog(settings, n)
            print(f"| {r['tables']} | {r['fks']} | {r['queries']} | {r['reflect_s']:.3f} | {r['rules_s']:.3f} | "
                  f"{r['total_s']:.3f} | {r['findings']} |", flush=True)
    s = bench_static(args.files, args.repeats)
    line = (f"static: {s['files']} files ({s['bytes'] / 1e6:.2f} MB), {args.repeats} interleaved runs: "
            f"`x121-docs lint --static` {s['ours_s']:.3f} s, `x121-lint --static` {s['alone_s']:.3f} s as commands "
            f"({s['findings']} findings; {s['in_process_s']:.3f} s in process)")
    if s["squawk_s"]:
        line += (f"; `squawk --reporter json` {s['squawk_s']:.3f} s; ratio (median per pair) x121-docs "
                 f"{s['ratio']:.2f}x, x121-lint {s['ratio_alone']:.2f}x")
    else:
        line += "; squawk not installed (pip install squawk-cli, the bench extra)"
    print(line)


if __name__ == "__main__":
    main()
