"""Benchmark: ER diagram generation for the largest corpus schema and a synthetic 2,000-table one, and
the in-browser time from navigation to the first legible view of the largest diagram.

    .venv/bin/python bench/bench_erd.py [--corpus musicbrainz] [--tables 2000] [--smoke] [--no-results]

For each schema: the grouping (networkx modularity communities), the Diagrams page with its group
pages (overview, groups), and every diagram `docs build` draws (table neighbourhoods included), all
through `pages.generate` on the reflected catalog.  Then Debian's chromium (Playwright, 1600x1000)
opens the page of the largest diagram, in a page of the site's content width, and reports the time
from navigation to the viewer's first view (its `data-ready-ms`) with the median height of the text
then visible (the acceptance asks >= 10 px).  `--smoke`: chinook and 12 synthetic tables, one load each,
nothing recorded.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

import benchlib

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("X121_CORPUS", ROOT.parent / "shared" / "corpus"))
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
sys.path.insert(0, str(ROOT / "tests"))


def _fresh(admin, name: str):  # noqa: ANN001, ANN202
    from x121_docs.database.connect import conn_params

    with psycopg.connect(autocommit=True, **conn_params(admin, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name)))
    return replace(admin, name=name)


def _drop(admin, settings) -> None:  # noqa: ANN001
    from x121_docs.database.connect import conn_params

    with psycopg.connect(autocommit=True, **conn_params(admin, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(settings.name)))


def load_corpus(admin, name: str):  # noqa: ANN001, ANN202
    from x121_docs.database.connect import conninfo

    settings = _fresh(admin, f"bench_erd_{name}")
    psql = next((p for p in (os.environ.get("PSQL"), "/usr/bin/psql") if p and Path(p).is_file()), "psql")
    run = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo(settings), "-f",
                          str(CORPUS / f"{name}.sql")], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning -c synchronous_commit=off"})
    if run.returncode != 0:
        raise SystemExit(f"loading corpus schema {name} failed: {run.stderr[-800:]}")
    return settings


def synthetic(admin, n: int):  # noqa: ANN001, ANN202
    """n tables in 8 schemas: domain clusters of 10-40 tables whose FKs mostly stay inside the cluster,
    a few shared hubs referenced from everywhere, ~5 % tables without any FK (seeded: the same schema)."""
    rnd = random.Random(121)
    settings = _fresh(admin, "bench_erd_synthetic")
    stmts, made = [], []
    hubs = [f"s0.hub_{i}" for i in range(6)]
    for h in hubs:
        stmts.append(f"CREATE TABLE {h} (id bigserial PRIMARY KEY, name text NOT NULL)")
    cluster: list[str] = []
    for i in range(n - len(hubs)):
        schema = f"s{i * 8 // n}"
        name = f"{schema}.t{i:04d}_{rnd.choice(['order', 'item', 'event', 'asset', 'note', 'task'])}"
        if not cluster or len(cluster) >= rnd.randint(10, 40):
            cluster = []
        cols = ["id bigserial PRIMARY KEY", "label text", "created_at timestamptz NOT NULL DEFAULT now()"]
        if rnd.random() > 0.05:
            for j, parent in enumerate(rnd.sample(cluster, min(len(cluster), rnd.randint(1, 3)))):
                action = rnd.choice(["CASCADE", "SET NULL", "RESTRICT", "NO ACTION"])
                cols.append(f"ref{j}_id bigint REFERENCES {parent} ON DELETE {action} ON UPDATE "
                            f"{rnd.choice(['CASCADE', 'NO ACTION'])}")
            if rnd.random() < 0.5:
                cols.append(f"owner_id bigint REFERENCES {rnd.choice(hubs)}")
        stmts.append(f"CREATE TABLE {name} ({', '.join(cols)})")
        cluster.append(name)
        made.append(name)
    from x121_docs.database.connect import conn_params

    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        for s in range(8):
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS s{s}")
        for i in range(0, len(stmts), 100):  # one transaction per 100 tables: within max_locks_per_transaction
            with conn.transaction():
                for st in stmts[i:i + 100]:
                    conn.execute(st)
    return settings


def generate(settings, config=None) -> tuple[dict, object, float]:  # noqa: ANN001
    from x121_docs.catalog import reflect_settings
    from x121_docs.docs import erd_pages
    from x121_docs.docs.config import DocsConfig
    from x121_docs.docs.pages import Inputs
    from x121_docs.docs.pages import generate as gen

    cat = reflect_settings(settings)
    config = config or DocsConfig()
    t0 = time.perf_counter()
    erd_pages.schema_facts(cat, config)
    grouping = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = gen(Inputs(catalog=cat), config)
    total = time.perf_counter() - t0
    return out.files, cat, {"grouping": grouping, "total": total, "diagrams": out.timings["diagrams"],
                            "count": out.diagrams}


def first_legible(browser, files: dict, folder: Path, loads: int = 3) -> dict:  # noqa: ANN001
    """The page of the largest diagram (by drawn area) in chromium: navigation -> first view, text height."""
    from browser_support import served
    from erd_support import MEASURE, READY, VIEWPORT, harness_pages

    from x121_docs.docs import site

    files = dict(files)
    files.update(site.asset_files(vendor=True))
    best, area = None, 0.0
    for path, content in files.items():
        if not path.endswith(".md") or b'class="x121-erd"' not in content:
            continue
        m = re.search(rb'data-width="(\d+)" data-height="(\d+)"', content)
        if m and int(m.group(1)) * int(m.group(2)) > area:
            best, area = path, int(m.group(1)) * int(m.group(2))
    (html,) = harness_pages(files, folder, [best])
    with served(folder) as base:
        page = browser.new_page(viewport=VIEWPORT)
        try:
            runs = []
            for _ in range(loads):
                page.goto(f"{base}/{html}")
                page.wait_for_function(READY, timeout=60_000)
                ready = float(page.evaluate("document.querySelector('.x121-erd').dataset.readyMs"))
                runs.append((ready, page.evaluate(MEASURE)))
        finally:
            page.close()
    ready, measure = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    m = re.search(rb'data-src="([^"]+)"', files[best])
    return {"page": best, "svg": m.group(1).decode(), "width": area and int(re.search(rb'data-width="(\d+)"', files[best]).group(1)),
            "height": int(re.search(rb'data-height="(\d+)"', files[best]).group(1)), "ready_ms": ready,
            "median_px": measure["median"], "texts": measure["count"]}


def laid_out_in_browser(browser, files: dict, folder: Path, loads: int = 3) -> dict | None:  # noqa: ANN001
    """The largest view laid out in the reader's browser (most boxes; `browser_layout_min_tables`): the time
    from the click on its link to its drawing, Graphviz in WebAssembly loaded and compiled by that page."""
    import json

    from browser_support import served, wait_js
    from erd_support import MEASURE, READY, VIEWPORT, harness_pages

    from x121_docs.docs import erd, site

    graphs = {p: len(json.loads(c)["meta"]["tables"]) for p, c in files.items() if p.endswith(erd.BROWSER)}
    if not graphs:
        return None
    best = max(graphs, key=lambda p: (graphs[p], p))
    view = best.rpartition("/")[2]
    page_md = next(p for p, c in files.items() if p.endswith(".md") and f'data-x121-view="{view}"'.encode() in c)
    files = dict(files)
    files.update(site.asset_files(vendor=True))
    (html,) = harness_pages(files, folder, [page_md])
    with served(folder) as base:
        page = browser.new_page(viewport=VIEWPORT)
        try:
            runs = []
            for _ in range(loads):
                page.goto(f"{base}/{html}")
                wait_js(page, READY, "the first view", 60)
                t0 = time.perf_counter()
                page.locator(f'a[data-x121-view="{view}"]').click()
                wait_js(page, f"document.querySelector('.x121-erd').dataset.shown === {json.dumps(view)}", view, 120)
                runs.append((time.perf_counter() - t0, page.evaluate(MEASURE)))
        finally:
            page.close()
    seconds, measure = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    return {"view": view, "tables": graphs[best], "ms": seconds * 1000, "median_px": measure["median"]}


def main() -> int:
    ap = benchlib.parser(__doc__)
    ap.add_argument("--corpus", default="musicbrainz")
    ap.add_argument("--tables", type=int, default=2000)
    args = ap.parse_args()
    if args.smoke:
        args.corpus, args.tables = "chinook", 12
    admin = benchlib.admin_settings("erd")
    from x121_docs.docs.config import DocsConfig

    smoke_config = DocsConfig(browser_layout_min_tables=0)
    rows, browser_rows, laid_rows = [], [], []
    from browser_support import chromium_browser

    with chromium_browser() as browser:  # one browser for both schemas (a launch is ~1 s of CPU)
        for label, make in ((f"corpus {args.corpus}", lambda: load_corpus(admin, args.corpus)),
                            (f"synthetic, {args.tables} tables", lambda: synthetic(admin, args.tables))):
            settings = make()
            try:
                # the smoke run's 12 tables are laid out in the browser as a large schema's would be
                files, cat, t = generate(settings, smoke_config if args.smoke and "synthetic" in label else None)
                with tempfile.TemporaryDirectory(prefix="bench-erd-") as tmp:
                    b = first_legible(browser, files, Path(tmp), loads=1 if args.smoke else 3)
                with tempfile.TemporaryDirectory(prefix="bench-erd-") as tmp:
                    v = laid_out_in_browser(browser, files, Path(tmp), loads=1 if args.smoke else 3)
            finally:
                _drop(admin, settings)
            n = sum(1 for x in cat.tables if not x.is_partition)
            rows.append(f"| {label} | {n} | {len(cat.foreign_keys)} | {t['grouping']:.2f} | {t['count']} | "
                        f"{t['diagrams']:.1f} | {t['total']:.1f} |")
            browser_rows.append(f"| {label} | `{b['svg']}` ({b['width']} x {b['height']} px) | {b['ready_ms']:.0f} | "
                                f"{b['median_px']:.1f} | {b['texts']} |")
            if v is not None:
                laid_rows.append(f"| {label} | `{v['view']}` ({v['tables']} boxes) | {v['ms']:.0f} | "
                                 f"{v['median_px']:.1f} |")
            print(rows[-1], browser_rows[-1], *laid_rows[-1:], sep="\n", flush=True)
    text = "\n".join([
        "## ER diagrams (bench/bench_erd.py)", "",
        f"Machine: {benchlib.machine_note()}. Times in seconds (wall clock) unless noted.", "",
        "| schema | relations | FKs | grouping (s) | diagrams drawn | drawing (s) | whole `pages.generate` (s) |",
        "|---|---:|---:|---:|---:|---:|---:|", *rows, "",
        "In-browser (Debian chromium, 1600x1000, median of 3 loads): navigation to the viewer's first legible view "
        "of the largest diagram, and the median height of the diagram text then visible.", "",
        "| schema | largest diagram | load to first legible view (ms) | median text height (px) | texts visible |",
        "|---|---|---:|---:|---:|", *browser_rows, "",
        "Laid out in the browser (a schema of at least `browser_layout_min_tables` tables; median of 3 loads): the "
        "click on the largest such view's link to its drawing (Graphviz in WebAssembly loaded and compiled by the "
        "page each time), and the median height of the diagram text then visible.", "",
        "| schema | largest view laid out in the browser | click to drawn (ms) | median text height (px) |",
        "|---|---|---:|---:|", *(laid_rows or ["| (none: every schema under the threshold) | | | |"])])
    benchlib.publish(args, "erd", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
