"""Benchmark: schema review time for our migrations and for a corpus schema of several hundred tables.

    .venv/bin/python bench/bench_review.py [--smoke] [--repeats 3] [--corpus musicbrainz]

1. Our migrations (`x121-docs review` end to end, from git refs): the whole schema as one change
   (base = the commit before migrations/ existed) and a no-change review (base = HEAD), each
   applying both sides to throwaway databases with the runner, linting, diffing, drawing.
2. A corpus schema (default musicbrainz, 519 tables, 897 FKs) as two catalog dumps: the schema
   as loaded, and after a change of five kinds (a table with an FK added, an FK's ON DELETE
   changed, a column dropped, an index added, a comment changed).  Timed: dump (reflect +
   serialise) of each side, load of both dumps, diff, cascade reach, catalog lint of both sides,
   diagram, render.  The schema is loaded with the tests' corpus loader (tests/corpus_support.py).

`--smoke`: one repeat, and chinook (11 tables, embedded server) instead of the big corpus schema,
so the script is checked quickly; the RESULTS.md section is only written by a full run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from x121_docs.catalog.reflect import reflect  # noqa: E402
from x121_docs.catalog.serialize import dumps, loads  # noqa: E402
from x121_docs.config import Settings, load_settings  # noqa: E402
from x121_docs.database.connect import connect, resolve  # noqa: E402
from psycopg import sql  # noqa: E402
from x121_docs.lint import LintConfig, lint_catalog  # noqa: E402
from x121_docs.review import cascade, diagram  # noqa: E402
from x121_docs.review.diff import diff  # noqa: E402
from x121_docs.review.render import to_json, to_markdown  # noqa: E402
from x121_docs.review.report import Review, from_refs, _delta  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Schema review"

CHANGES = {
    "musicbrainz": """
        SET search_path = musicbrainz, public;
        CREATE TABLE recording_note (id SERIAL PRIMARY KEY,
            recording INTEGER NOT NULL REFERENCES recording (id) ON DELETE CASCADE, note TEXT NOT NULL);
        ALTER TABLE track DROP CONSTRAINT track_fk_recording,
            ADD CONSTRAINT track_fk_recording FOREIGN KEY (recording) REFERENCES recording (id) ON DELETE CASCADE;
        ALTER TABLE recording DROP COLUMN video;
        CREATE INDEX recording_idx_length ON recording (length);
        COMMENT ON TABLE recording IS 'A recording (changed by the benchmark).';
    """,
    "chinook": """
        CREATE TABLE track_note (id SERIAL PRIMARY KEY,
            track_id INTEGER NOT NULL REFERENCES track (track_id) ON DELETE CASCADE, note TEXT NOT NULL);
        ALTER TABLE invoice_line DROP CONSTRAINT invoice_line_track_id_fkey,
            ADD CONSTRAINT invoice_line_track_id_fkey FOREIGN KEY (track_id) REFERENCES track (track_id)
            ON DELETE CASCADE;
        ALTER TABLE track DROP COLUMN bytes;
        CREATE INDEX track_name_idx ON track (name);
        COMMENT ON TABLE track IS 'A track (changed by the benchmark).';
    """,
}


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()


def bench_ours(settings: Settings, repeats: int) -> list[dict]:
    first = _git("log", "--diff-filter=A", "--format=%H", "--", "migrations").splitlines()[-1]
    before = _git("rev-parse", f"{first}^")
    rows = []
    for label, base in (("whole schema (base: before migrations/ existed)", before), ("no change (base: HEAD)", "HEAD")):
        totals, stages = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            review = from_refs(settings, ROOT / "migrations", base, None, root=ROOT)
            to_markdown(review)
            to_json(review)
            totals.append(time.perf_counter() - t0)
            stages.append(review.timings)
        rows.append({"case": label, "tables": len(review.head.base_tables), "changes": len(review.diff.changes),
                     "total": _med(totals), **{k: _med([s.get(k, 0.0) for s in stages]) for k in stages[0]}})
    return rows


def _load(name: str, settings: Settings) -> Settings:
    """The corpus schema in a database of the benchmark's own (bench_review_<name>, dropped afterwards), with the
    tests' loader (tests/corpus_support.py): never the tests' corpus_<name>, which the smoke run shares a server with."""
    from corpus_support import load

    loaded = load(settings, name, f"bench_review_{name}")
    if loaded.settings is None:
        raise SystemExit(f"cannot load corpus schema {name}: {loaded.skip_reason}")
    return loaded.settings


def bench_corpus(settings: Settings, name: str, repeats: int) -> dict:
    db = _load(name, settings)
    try:
        version = ""
        with connect(db, autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            t0 = time.perf_counter()
            base_json = dumps(reflect(conn))
            t_dump_base = time.perf_counter() - t0
            conn.execute(CHANGES[name])
            # Reflection renders names relative to the session's search_path (pg_get_expr & co.): the head
            # must be read as the base was, with the default one, or every default and definition "changes".
            conn.execute("RESET search_path")
            t_dump_head = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                head_json = dumps(reflect(conn))
                t_dump_head.append(time.perf_counter() - t0)
        timings: dict[str, list[float]] = {k: [] for k in ("load", "diff", "reach", "lint", "diagram", "render")}
        for _ in range(repeats):
            t0 = time.perf_counter()
            base, head = loads(base_json), loads(head_json)
            t1 = time.perf_counter()
            d = diff(base, head)
            t2 = time.perf_counter()
            reach = cascade.reach_changes(base, head)
            t3 = time.perf_counter()
            lint = _delta(lint_catalog(base, LintConfig()), lint_catalog(head, LintConfig()))
            t4 = time.perf_counter()
            svg = diagram.draw(base, head, d)
            t5 = time.perf_counter()
            review = Review(name, f"{name} changed", base, head, d, reach, lint, None, svg=svg)
            to_markdown(review)
            to_json(review)
            t6 = time.perf_counter()
            for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)):
                timings[key].append(value)
        med = {k: _med(v) for k, v in timings.items()}
        dump = t_dump_base + _med(t_dump_head)
        return {"schema": name, "server": version, "tables": len(head.base_tables), "fks": len(head.foreign_keys),
                "changes": len(d.changes), "reach_count": len(reach), "json_kb": len(head_json.encode()) / 1024,
                "dump": dump, **med, "total": dump + sum(med.values()) - med["lint"], "total_lint": dump + sum(med.values())}
    finally:
        with connect(settings, "postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


def write_results(ours: list[dict], corpus: dict, load: tuple[float, float], repeats: int) -> None:
    lines = [SECTION, "",
             f"`.venv/bin/python bench/bench_review.py` ({time.strftime('%Y-%m-%d', time.gmtime())}), {platform.machine()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}; load average {load[0]:.1f} at the start and "
             f"{load[1]:.1f} at the end (the machine was shared with other engineers' work, so times are pessimistic). "
             f"Medians of {repeats} runs.", "",
             "Our migrations, `x121-docs review BASE` end to end (both sides applied with the runner to throwaway "
             "databases on the embedded server, linted, diffed, reach, locks, diagram, Markdown + JSON):", "",
             "| case | tables | changes | total (s) | apply both (s) | lint both (s) | locks (s) | diff (s) | reach (s) | diagram (s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in ours:
        lines.append(f"| {r['case']} | {r['tables']} | {r['changes']} | {r['total']:.2f} | {r.get('apply', 0):.2f} | "
                     f"{r.get('lint', 0):.2f} | {r.get('locks', 0):.3f} | {r.get('diff', 0):.3f} | "
                     f"{r.get('reach', 0):.3f} | {r.get('diagram', 0):.3f} |")
    c = corpus
    lines += ["", f"Corpus schema **{c['schema']}** ({c['tables']} tables, {c['fks']} FKs; PostgreSQL {c['server']}) as "
              f"two catalog dumps ({c['json_kb']:.0f} KiB of JSON each), the head after a change of five kinds "
              f"({c['changes']} changes found, reach changed for {c['reach_count']} (table, event) pairs):", "",
              "| dump both sides (s) | load both dumps (s) | diff (s) | cascade reach (s) | diagram (s) | render (s) "
              "| **dump + diff + diagram total (s)** | catalog lint both sides (s) |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|",
              f"| {c['dump']:.2f} | {c['load']:.3f} | {c['diff']:.3f} | {c['reach']:.3f} | {c['diagram']:.3f} | "
              f"{c['render']:.3f} | **{c['total']:.2f}** | {c['lint']:.2f} |", "",
              "- dump = reflection (11 catalog queries) + JSON serialisation; the total leaves out the catalog lint "
              f"(with it: {c['total_lint']:.2f} s). The first `lint` of a process also pays for importing `inflect`, "
              "which instruments itself with typeguard: from well under a second to 14 s on this machine depending "
              "on its load, most of a cold `x121-docs review`'s lint time when it is slow. The 'apply both' column "
              "(two throwaway databases: CREATE DATABASE, the vector extension, the migrations) dominates our "
              "migrations' review and varies 2x between runs with the load.", ""]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else "# Benchmark results\n"
    if SECTION in text:
        start = text.index(SECTION)
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + "\n".join(lines) + ("\n" + text[nxt + 1:] if nxt != -1 else "")
    else:
        text = text.rstrip() + "\n\n" + "\n".join(lines)
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one repeat, chinook instead of musicbrainz, no RESULTS.md")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--corpus", default="musicbrainz", choices=sorted(CHANGES))
    args = parser.parse_args()
    repeats = 1 if args.smoke else args.repeats
    name = "chinook" if args.smoke else args.corpus
    os.chdir(ROOT)
    settings = resolve(replace(load_settings(), migrations_dir=ROOT / "migrations"))
    load_start = os.getloadavg()[0]
    ours = bench_ours(settings, repeats)
    for r in ours:
        print(f"ours: {r['case']}: {r['tables']} tables, {r['changes']} changes, {r['total']:.2f} s "
              f"(apply {r.get('apply', 0):.2f}, lint {r.get('lint', 0):.2f}, diagram {r.get('diagram', 0):.3f})")
    corpus = bench_corpus(settings, name, repeats)
    print(f"corpus {name}: {corpus['tables']} tables, {corpus['changes']} changes; dump {corpus['dump']:.2f} s, "
          f"load {corpus['load']:.3f}, diff {corpus['diff']:.3f}, reach {corpus['reach']:.3f}, "
          f"diagram {corpus['diagram']:.3f}, render {corpus['render']:.3f}; total {corpus['total']:.2f} s "
          f"(+ lint {corpus['lint']:.2f})")
    load_end = os.getloadavg()[0]
    if args.smoke:
        assert 5 <= corpus["changes"] <= 8 and ours[0]["changes"] > 10 and ours[1]["changes"] == 0
        print("smoke: ok")
    else:
        write_results(ours, corpus, (load_start, load_end), repeats)
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
