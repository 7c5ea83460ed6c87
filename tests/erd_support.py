"""Helpers for the ERD tests: diagram pages generated alone and served to a real browser, the
measurement of diagram text the acceptance criteria name, FKs read straight from pg_constraint.

Corpus schemas come from the shared `corpus_db` fixture (tests/conftest.py).
"""

from __future__ import annotations

from browser_support import wait_js

import json
import re
import time
from pathlib import Path

import psycopg

from x121_docs.database.connect import conn_params

#: The window the acceptance criteria name.
VIEWPORT = {"width": 1600, "height": 1000}


# --- pages for the browser ----------------------------------------------------------------------------

_FRAME = re.compile(r'<div class="x121-erd".*?</div>\n(?:<p class="x121-erd-links">.*?</p>\n)?', re.S)
#: What Material for MkDocs gives a page's content at 1600 px without the table of contents.
CONTENT_WIDTH = 1000


def harness_pages(files: dict[str, bytes], folder: Path, pages: list[str]) -> list[str]:
    """Write `files` (generated/, with assets) under `folder` and, for each Markdown page in `pages`,
    an HTML page holding its diagram frames at the site's content width; returns the HTML paths."""
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    out = []
    for page in pages:
        md = files[page].decode("utf-8")
        frames = "".join(_FRAME.findall(md))
        depth = page.count("/")
        assets = "../" * depth + "assets/"
        html_path = page[:-3] + ".html"
        (folder / html_path).write_text(
            "<!doctype html><html><head><meta charset='utf-8'>"
            f"<link rel='stylesheet' href='{assets}x121-erd.css'></head>"
            f"<body style='margin:0;font:16px sans-serif'><div style='height:140px'>intro text</div>"
            f"<main style='width:{CONTENT_WIDTH}px;margin:0 auto'>{frames}</main>"
            "<div style='height:1600px'>more text</div>"
            f"<script src='{assets}x121-erd.js'></script></body></html>", encoding="utf-8")
        out.append(html_path)
    return out


READY = "document.querySelectorAll('.x121-erd').length > 0 && " \
        "[...document.querySelectorAll('.x121-erd')].every(f => f.classList.contains('x121-ready'))"

#: Median height (CSS px) of the diagram text a reader sees: every <text> of the first diagram that
#: lies inside both its frame and the window, after scrolling the frame into view.
MEASURE = """() => {
  const frame = document.querySelector('.x121-erd');
  frame.scrollIntoView({block: 'start'});
  const f = frame.getBoundingClientRect();
  const hs = [];
  for (const t of frame.querySelectorAll('svg.x121-erd-main g.graph text')) {
    const r = t.getBoundingClientRect();
    if (r.height <= 0) continue;
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    if (cx < Math.max(f.left, 0) || cx > Math.min(f.right, innerWidth)) continue;
    if (cy < Math.max(f.top, 0) || cy > Math.min(f.bottom, innerHeight)) continue;
    hs.push(r.height);
  }
  hs.sort((a, b) => a - b);
  return {median: hs.length ? hs[Math.floor(hs.length / 2)] : 0, count: hs.length,
          frame: [f.width, f.height]};
}"""


def open_diagram(page, url: str, timeout_ms: int = 30000) -> float:
    """Open `url`, wait until every diagram is inlined and laid out; seconds from navigation to that."""
    t0 = time.perf_counter()
    page.goto(url)
    # polled over the DevTools protocol: the site's CSP forbids the eval() wait_for_function relies on
    wait_js(page, READY, "the diagrams inlined and laid out", timeout_ms / 1000)
    return time.perf_counter() - t0


def diagram_meta(page) -> dict:
    return json.loads(page.evaluate(
        "() => document.querySelector('.x121-erd svg.x121-erd-main metadata.x121-erd-data').textContent"))


# --- generating the diagram pages alone (the table pages are not needed for most checks) ------------

def erd_files(catalog, config=None, tables=()) -> dict[str, bytes]:  # noqa: ANN001
    """erd.md, erd/*.md and their SVGs for `catalog`, plus the neighbourhood section of `tables`
    (as tables/<slug>.md holding just the diagram frame), with the viewer's assets."""
    from x121_docs.docs import erd, erd_pages, site
    from x121_docs.docs.pages.base import module_env, tidy
    from x121_docs.docs.config import DocsConfig
    from x121_docs.docs.names import table_slug

    config = config or DocsConfig()
    env = module_env()
    files: dict[str, bytes] = {}

    def store(path, fn):  # noqa: ANN001, ANN202
        svg = fn()
        if svg is not None and svg.text:
            files[path] = (svg.text + "\n").encode("utf-8")
        return svg

    facts = erd_pages.schema_facts(catalog, config)
    files.update(erd_pages.erd_files(catalog, config, facts, lambda n, **c: env.get_template(n).render(**c), store,
                                     tidy))
    for key in tables:
        t = catalog.table(key[1], key[0])
        html, _ = erd_pages.table_section(catalog, config, facts, t, store)
        files[f"tables/{table_slug(t)}.md"] = html.encode("utf-8")
    files.update(site.asset_files(vendor=any(p.endswith(erd.BROWSER) for p in files)))
    return files


def svg_meta(svg_text: str) -> dict:
    import html

    m = re.search(r'<metadata class="x121-erd-data">(.*?)</metadata>', svg_text, re.S)
    assert m, "the SVG has no viewer metadata"
    return json.loads(html.unescape(m.group(1)))


def catalog_fks(settings) -> list[tuple[tuple[str, str], tuple[str, str]]]:  # noqa: ANN001
    """(child, parent) of every FK declared on a table (not the copies on partitions), straight from
    pg_constraint: the independent count the diagrams are checked against."""
    with psycopg.connect(**conn_params(settings)) as conn:
        return [((r[0], r[1]), (r[2], r[3])) for r in conn.execute("""
            SELECT cn.nspname, c.relname, pn.nspname, p.relname
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
            JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
            WHERE k.contype = 'f' AND k.conparentid = 0 AND NOT c.relispartition
            ORDER BY 1, 2, k.conname""")]
