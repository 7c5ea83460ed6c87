"""Benchmark of the docs generator on generated schemas of 100, 500 and 2,000 tables with FKs.

For each size: catalog reflection (and its query count), page generation, diagram layout, the
mkdocs build, a rebuild after one table's comment changes (incremental: only changed pages are
rendered), and `pg_dump --schema-only` of the same database in the same run.  Targets
(issue 6): reflection of 2,000 tables within 2x pg_dump's time; a full build of 500 tables
under 60 s; (issue 18) a full build of 2,000 tables within 20 s, the one-comment rebuild within 5 s.
Run: .venv/bin/python bench/bench_docs.py [SIZES...] (--smoke: 12 tables, RESULTS.md untouched);
the table goes to stdout and into its section of bench/RESULTS.md.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

import benchlib

from x121_docs.catalog import reflect
from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.database.embedded import SUPERUSER, EmbeddedServer, install_dir
from x121_docs.docs import site
from x121_docs.docs.build import build

WORK = Path(__file__).resolve().parent / ".work" / "docs"
ACTIONS = ("CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "CASCADE")
N_STATUSES = 10


def schema_sql(n: int) -> list[str]:
    """n tables: each references one status lookup and 1-3 earlier tables nearby (so domains form)."""
    out: list[str] = []
    for s in range(N_STATUSES):
        out.append(f"CREATE TABLE s{s:02d}_statuses (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, "
                   f"description text, sort_order smallint NOT NULL DEFAULT 0);"
                   f"COMMENT ON TABLE s{s:02d}_statuses IS 'Lookup {s}.';"
                   f"INSERT INTO s{s:02d}_statuses (name, sort_order) VALUES ('new', 1), ('active', 2), ('done', 3);")
    for i in range(n):
        t = f"t{i:04d}"
        cols = [f"id bigserial PRIMARY KEY", "name text NOT NULL", f"status_id bigint NOT NULL REFERENCES "
                f"s{i % N_STATUSES:02d}_statuses ON DELETE RESTRICT ON UPDATE CASCADE",
                "amount numeric(12,2) CHECK (amount >= 0)", "created_at timestamptz NOT NULL DEFAULT now()",
                "updated_at timestamptz NOT NULL DEFAULT now()"]
        fks = []
        if i:
            block = i - i % 25  # domains of 25 tables, sparsely linked to the previous domain
            targets = sorted({block + (i * 7 + k * 3) % max(i - block, 1) for k in range(1 + i % 3)} - {i})
            if i % 25 == 0:
                targets = [i - 1]
            for j, p in enumerate(targets):
                col = f"t{p:04d}_id" if j == 0 else f"t{p:04d}_id_{j}"
                nullable = "" if ACTIONS[(i + j) % 5] != "SET NULL" else ""
                cols.append(f"{col} bigint{nullable} REFERENCES t{p:04d} ON DELETE {ACTIONS[(i + j) % 5]} "
                            "ON UPDATE NO ACTION")
                fks.append(col)
        stmts = [f"CREATE TABLE {t} ({', '.join(cols)});", f"COMMENT ON TABLE {t} IS 'Generated table {i}.';",
                 f"COMMENT ON COLUMN {t}.name IS 'Name of row.';",
                 f"CREATE INDEX idx_{t}_status_id ON {t} (status_id);"]
        stmts += [f"CREATE INDEX idx_{t}_{col} ON {t} ({col});" for col in fks]
        out.append("\n".join(stmts))
    return out


def create_database(admin: Settings, db: str, n: int) -> Settings:
    """`db` made anew on the bench server, holding `schema_sql(n)`, analyzed; its settings."""
    with psycopg.connect(autocommit=True, **conn_params(admin)) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    settings = admin.with_database(db)
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        parts = schema_sql(n)
        for i in range(0, len(parts), 100):  # one transaction per 100 tables (lock table size)
            conn.execute("\n".join(parts[i:i + 100]))
        conn.execute("ANALYZE")
    return settings


def timed(fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(sizes: list[int], smoke: bool = False) -> list[dict]:
    admin = benchlib.admin_settings("docs")
    pg_dump = install_dir() / "bin" / "pg_dump"
    rows = []
    for n in sizes:
        db = f"bench_docs_{n}_smoke_{os.getpid()}" if smoke else f"bench_docs_{n}"
        settings = create_database(admin, db, n)
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
            reflect(conn)  # warm the catalog caches once, as pg_dump gets below
            t_reflect, cat = timed(lambda: reflect(conn), 3)
        env = dict(os.environ, PGHOST=str(admin.host), PGPORT=str(admin.port), PGUSER=admin.user)
        dump = [str(pg_dump), "--schema-only", "-d", db, "-f", os.devnull]
        t_dump, _ = timed(lambda: subprocess.run(dump, env=env, check=True), 3)
        root = WORK / (f"site-{n}-smoke-{os.getpid()}" if smoke else f"site-{n}")
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        c0 = benchlib.cpu_seconds()
        t_total, result = timed(lambda: build(settings, root))
        c_total, c0 = benchlib.cpu_seconds() - c0, benchlib.cpu_seconds()
        tm = result.timings
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:  # one comment changes
            conn.execute("COMMENT ON TABLE t0001 IS 'Generated table 1, comment changed.'")
        t_rebuild, again = timed(lambda: build(settings, root))
        c_rebuild = benchlib.cpu_seconds() - c0
        assert "comment changed" in (root / "site/generated/tables/t0001.html").read_text()
        cli = [str(Path(sys.executable).with_name("x121-docs")), "docs", "build"]
        cmd_env = dict(os.environ, DB_HOST=str(settings.host), DB_PORT=str(settings.port), DB_NAME=db,
                       DB_USER=settings.user, DB_PASSWORD="")
        # The command builds the site with live figures, the calls above without: its first run after them
        # changes every page (a full MkDocs build, 60-80 s at 2,000 tables), so it runs once untimed first
        # (not in the smoke run, which times nothing and runs the same command below).
        if not smoke:
            subprocess.run(cli, cwd=root, env=cmd_env, check=True, capture_output=True)
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:  # again, as a whole command
            conn.execute("COMMENT ON TABLE t0001 IS 'Generated table 1, changed by the command.'")
        c0 = benchlib.cpu_seconds()
        t_command, _ = timed(lambda: subprocess.run(cli, cwd=root, env=cmd_env, check=True, capture_output=True))
        c_command = benchlib.cpu_seconds() - c0
        assert "changed by the command" in (root / "site/generated/tables/t0001.html").read_text()
        pages = sum(1 for p in result.generated.files if p.endswith(".md"))
        rows.append(dict(n=n, relations=len(cat.tables), fks=len(cat.foreign_keys), queries=cat.query_count,
                         reflect=t_reflect, pg_dump=t_dump, ratio=t_reflect / t_dump, pages_s=tm["pages"],
                         diagrams_s=tm["diagrams"], n_diagrams=result.generated.diagrams, mkdocs=tm["mkdocs"],
                         data=tm["data"], write=tm["write"], total=t_total, pages=pages,
                         rebuild=t_rebuild, cpu_total=c_total, cpu_rebuild=c_rebuild, rebuild_mkdocs=again.timings["mkdocs"],
                         stages=tm, rebuild_stages=again.timings, command=t_command, cpu_command=c_command, layouts=result.layouts, rebuild_layouts=again.layouts,
                         site_mb=sum(p.stat().st_size for p in (root / "site").rglob("*") if p.is_file()) / 1e6))
        print(rows[-1], file=sys.stderr, flush=True)
        if smoke:
            shutil.rmtree(root, ignore_errors=True)
            with psycopg.connect(autocommit=True, **conn_params(admin)) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    return rows


def main() -> None:
    ap = benchlib.parser(__doc__)
    ap.add_argument("sizes", nargs="*", type=int, default=[100, 500, 2000], help="tables per schema")
    args = ap.parse_args()
    rows = run([12] if args.smoke else args.sizes, smoke=args.smoke)
    out = [f"Machine: {benchlib.machine_note()}, {platform.platform()}", ""]
    print = out.append  # noqa: A001 - the table goes to stdout and the results file alike
    print("| tables (+10 lookups) | FKs | catalog queries | reflection s | pg_dump --schema-only s | reflection / pg_dump "
          "| page generation s | diagram layout s (count) | mkdocs build s | data+write s | full build s (CPU s) "
          "| full / pg_dump | rebuild after one comment s (mkdocs s; CPU s) | rebuild / full | pages | site MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n']:,} | {r['fks']:,} | {r['queries']} | {r['reflect']:.3f} | {r['pg_dump']:.3f} | "
              f"{r['ratio']:.2f}x | {r['pages_s']:.2f} | {r['diagrams_s']:.2f} ({r['n_diagrams']}) | {r['mkdocs']:.2f} | "
              f"{r['data'] + r['write']:.2f} | {r['total']:.2f} ({r['cpu_total']:.1f}) | {r['total'] / r['pg_dump']:.0f}x | "
              f"{r['rebuild']:.2f} ({r['rebuild_mkdocs']:.2f}; {r['cpu_rebuild']:.1f}) | {r['rebuild'] / r['total']:.2f} | {r['pages']:,} | "
              f"{r['site_mb']:.1f} |")
    print("")
    for r in rows:
        if r["n"] == 2000:
            met = lambda ok: "met" if ok else "**not met**"  # noqa: E731
            print(f"- Targets (issue 18, whole commands): full build of 2,000 tables <= 20 s: {met(r['total'] <= 20)} "
                  f"({r['total']:.1f} s in the process); one-comment rebuild <= 5 s: {met(r['command'] <= 5)} "
                  f"({r['command']:.1f} s as a command). Wall times on a shared machine: read them with the load "
                  "average above and the CPU seconds.")
        print(f"- {r['n']:,} tables: the one-comment rebuild as a whole command (`x121-docs docs build`, "
              f"a new process): **{r['command']:.2f} s** wall, {r['cpu_command']:.1f} CPU s; in the process "
              f"{r['rebuild']:.2f} s. Full build in the process: **{r['total']:.2f} s** wall, {r['cpu_total']:.1f} CPU s.")
    print("")
    print("Per stage, wall s (page generation and diagram layout are summed over the worker processes "
          "from 200 relations on); layouts = (taken from .x121/erd-cache, laid out):")
    print("")
    print("| tables | build | reflection | data | pages | diagrams | write | mkdocs | layouts (cached, drawn) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        for label, st, lay in (("full", r["stages"], r["layouts"]), ("one comment", r["rebuild_stages"], r["rebuild_layouts"])):
            print(f"| {r['n']:,} | {label} | " + " | ".join(f"{st.get(k, 0):.2f}" for k in
                  ("reflection", "data", "pages", "diagrams", "write", "mkdocs")) + f" | {lay[0]:,}, {lay[1]:,} |")
    benchlib.publish(args, "docs", "\n".join(out))
    _ = site  # the site module is what build() runs; imported to fail early when MkDocs is missing


if __name__ == "__main__":
    main()
