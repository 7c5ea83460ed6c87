"""The site built from a database whose names and comments are payloads (tests/hostile_support.py):
nothing runs, nothing becomes markup, every name is shown exactly as the catalog holds it.

One build serves every test of the module (the database name itself is a payload).  The browser
is Debian's chromium driven by Playwright (never a downloaded browser); without it the browser
tests are skipped with one line.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from docs_support import tree
from browser_support import TIMEOUT_MS, served, wait_js
from docs_browser_support import OVERFLOWING_TABLES
from hostile_support import NAMES, build_hostile, hostile_database_name
from psycopg import sql

from x121_docs.catalog import reflect_settings
from x121_docs.database.connect import conn_params
from x121_docs.docs import site
from x121_docs.docs.build import build
from x121_docs.docs.names import table_slug

from servers import scratch_dir

SITE_NAME = "x121 schema"

# Installed before any script of the page (every frame): records whatever a payload could do.
TRAPS = """
(() => {
  const hits = [];
  Object.defineProperty(window, '__x121hits', {value: hits});
  const hit = (kind, v) => hits.push(kind + ': ' + String(v));
  window.alert = v => hit('alert', v);
  window.confirm = v => { hit('confirm', v); return false; };
  window.prompt = v => { hit('prompt', v); return null; };
  document.addEventListener('securitypolicyviolation',
    e => hit('csp', e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')), true);
  // clicks must not navigate away (links stay checked by their attributes below)
  window.addEventListener('click', e => {
    const a = e.target && e.target.closest && e.target.closest('a[href]');
    if (a) e.preventDefault();
  }, true);
  // markup that appears for a moment (a tooltip shown on hover and removed on leave) counts too
  const live = el => [...(el.attributes || [])].some(a => {
    const v = (a.value || '').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
    return a.name.toLowerCase().startsWith('on') || v.startsWith('javascript:') || v.startsWith('data:text/html');
  });
  new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      for (const el of [n, ...n.querySelectorAll('*')])
        if (live(el) && !el.matches('[data-md-component=search-share]')) hit('inserted', el.outerHTML.slice(0, 200));
    }
  }).observe(document, {childList: true, subtree: true});
})();
"""

# Click, focus and hover every element under `scope` (events an attribute handler would fire on).
# The first page is poked whole; on the others only what differs from page to page (the content,
# its table of contents and the header's title): the navigation around them is the same on every
# page, and poking its ~400 elements again on each of 60 pages cost a minute of a 3-minute suite.
# The diagrams' names and links (`svg`) are poked on the diagram pages, where every table is drawn
# by the same viewer that draws the table pages' neighbourhoods (each focus there re-centres a view).
POKE = """
(scope, svg = true) => {
  const events = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'pointerdown',
                  'mousedown', 'pointerup', 'mouseup', 'focus', 'focusin', 'blur', 'focusout', 'keydown',
                  'keyup', 'input', 'change', 'toggle', 'animationstart', 'transitionend', 'copy', 'wheel',
                  'dblclick', 'contextmenu', 'mouseleave', 'mouseout'];
  let n = 0;
  const svgEvents = ['mouseover', 'focus', 'click'];
  for (const el of [...document.querySelectorAll(scope)]) {
    // inside a diagram only the elements that carry names or links (thousands of shapes otherwise)
    // (the viewer's own pan/zoom handlers get only clicks, focus and hover: its gestures are tested apart)
    const inSvg = el.closest('svg') && el.tagName.toLowerCase() !== 'svg';
    if (inSvg && (!svg || !['a', 'text', 'title'].includes(el.tagName.toLowerCase()))) continue;
    for (const type of (inSvg || el.closest('.x121-erd') ? svgEvents : events)) {
      const Kind = type.startsWith('pointer') ? PointerEvent : type === 'wheel' ? WheelEvent
        : /^(mouse|dbl|context)/.test(type) ? MouseEvent : type.startsWith('focus') || type === 'blur' ? FocusEvent
        : type.startsWith('key') ? KeyboardEvent : Event;
      el.dispatchEvent(new Kind(type, {bubbles: true, cancelable: true}));
    }
    // focus() on an element that cannot take focus does nothing but bring the style up to date
    // (the focus events above reached it anyway): only the focusable ones get it
    if (typeof el.focus === 'function' && (el.tabIndex >= 0 || el.hasAttribute('contenteditable'))) el.focus();
    if (el.closest('.md-content') && typeof el.click === 'function') el.click();
    n++;
  }
  return n;
}
"""

PAGE_OWN = ".md-content *, .md-sidebar--secondary *, .md-header__title *"

# Attributes that would act: on* handlers anywhere, javascript: in any attribute.
LIVE_ATTRIBUTES = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    if (el.matches('[data-md-component=search-share]')) continue;  // Material's own share button
    for (const a of el.attributes) {
      const v = (a.value || '').replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (a.name.toLowerCase().startsWith('on') || v.startsWith('javascript:') || v.startsWith('data:text/html'))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  return bad;
}
"""

# Tables whose rows do not all have as many cells as the header.
BROKEN_TABLES = """
() => [...document.querySelectorAll('.md-content table')].flatMap((t, i) => {
  const head = t.querySelectorAll('thead th').length;
  return [...t.querySelectorAll('tbody tr')].filter(r => r.children.length !== head)
    .map(r => 'table ' + i + ': ' + r.children.length + ' cells, header ' + head);
})
"""


# One call per page (each call is a round trip through the driver, ~2 ms of CPU in four processes):
# wait until the viewer has inlined every diagram (polled in the page, bounded), poke, then
# report what the traps caught, the live attributes, the broken and the overflowing tables.
CHECK_PAGE = f"""
async ([scope, svg]) => {{
  const inlined = () => [...document.querySelectorAll('.x121-erd')].every(f => f.querySelector('svg'));
  for (const deadline = performance.now() + {TIMEOUT_MS}; !inlined(); ) {{
    if (performance.now() > deadline) return {{timeout: 'the viewer script never inlined every diagram'}};
    await new Promise(resolve => setTimeout(resolve, 25));
  }}
  const poked = ({POKE})(scope, svg);
  return {{poked, hits: [...window.__x121hits], live: ({LIVE_ATTRIBUTES})(), broken: ({BROKEN_TABLES})(),
          overflowing: ({OVERFLOWING_TABLES})()}};
}}
"""


BROWSER_VIEWS = """() => [...document.querySelectorAll('.x121-erd-links a[data-x121-view]')]
  .map(a => a.getAttribute('data-x121-view')).filter(v => v.endsWith('.graph.json'))"""


def _text_of(js_selector: str) -> str:
    """JS: text of an element without the toc's permalink."""
    return f"""(() => {{ const el = document.querySelector({json.dumps(js_selector)});
        if (!el) return null; const c = el.cloneNode(true);
        c.querySelectorAll('.headerlink').forEach(x => x.remove()); return c.textContent; }})()"""


@pytest.fixture(scope="module")
def hostile_site(server_settings):
    """The docs built from the payload schema, in a database whose name is a payload too."""
    name = hostile_database_name(uuid.uuid4().hex[:8])
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name)))
    settings = replace(server_settings, name=name)
    root = scratch_dir("hostile")
    try:
        # asked for Material's tooltips (which put a title attribute's text in as HTML): the build drops them
        site.ensure_project(root)
        config = root / "mkdocs.yml"
        config.write_text(config.read_text().replace("    - navigation.top\n", "    - navigation.top\n    - content.tooltips\n"))
        assert "content.tooltips" in config.read_text()
        # every distance-2 view laid out in the browser (as a large schema's are): its SVG is made in the page
        (root / "docs" / "erd.yml").write_text("browser_layout_min_tables: 0\n", encoding="utf-8")
        build_hostile(settings)
        build(settings, root)
        catalog = reflect_settings(settings)
        # the pages are poked without Material's search (a one-page index); the search box gets the real one
        with served(root / "site", search=False) as base, served(root / "site") as searchable:
            yield root, catalog, base, searchable
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        shutil.rmtree(root, ignore_errors=True)


def _pages(root: Path) -> list[str]:
    return sorted(p for p in tree(root / "site") if p.endswith(".html"))


def test_every_payload_is_in_the_catalog_and_the_markdown_holds_none_raw(hostile_site):
    root, catalog, _, _ = hostile_site
    names = {t.name for t in catalog.tables}
    assert set(NAMES) <= names and catalog.database.startswith("<img")
    for path, content in tree(root / site.GENERATED).items():
        if not path.endswith(".md"):
            continue
        text = content.decode()
        # outside code spans and fences nothing of a payload survives as markup
        prose = re.sub(r"(`+)(?:(?!\1).)+\1", "", re.sub(r"(?ms)^(`{3,})\w*\n.*?^\1$", "", text))
        for raw in ("<script", "<img", "<svg", "<b ", "{:", "](javascript", "<div markdown", "<details", "<iframe"):
            assert raw not in prose, (path, raw)


def test_the_build_drops_material_features_that_render_text_as_markup(hostile_site):
    root, _, _, _ = hostile_site
    pages = _pages(root)
    assert "content.tooltips" in (root / "mkdocs.yml").read_text()
    config = re.compile(r'<script id="__config" type="application/json">(.*?)</script>', re.S)
    for rel in pages[:5]:
        html = (root / "site" / rel).read_text()
        features = json.loads(config.search(html).group(1))["features"]
        assert "navigation.top" in features and not set(features) & site.UNSAFE_FEATURES, (rel, features)


def test_nothing_runs_nothing_from_the_catalog_is_live_and_tables_keep_their_cells(hostile_site, browser):
    root, _, base, searchable = hostile_site
    problems: list[str] = []

    def trapped_page():  # noqa: ANN202
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(TRAPS)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        return context, page

    context, page = trapped_page()
    pages = _pages(root)
    assert len(pages) > len(NAMES)
    poked = 0
    laid_out: list[str] = []
    for n, rel in enumerate(pages):
        # "load": every image (an onerror payload fires before it) and script has run
        page.goto(f"{base}/{rel}", wait_until="load")
        got = page.evaluate(CHECK_PAGE, ["body *" if n == 0 else PAGE_OWN, rel.startswith("generated/erd")])
        assert "timeout" not in got, (rel, got)
        assert not got["hits"] and not got["live"] and not problems, (rel, got["hits"], got["live"], problems)
        assert got["broken"] == [], rel  # the page's structure is intact
        assert got["overflowing"] == [], rel  # and fits 1280 px
        poked += got["poked"]
        # the views the browser lays out: their SVG is made here, from the page's DOT and metadata
        for view in page.evaluate(BROWSER_VIEWS):
            page.locator(f".x121-erd-links a[data-x121-view={json.dumps(view)}]").click()
            wait_js(page, f"document.querySelector('.x121-erd').dataset.shown === {json.dumps(view)}",
                    f"{view} laid out in the browser")
            got = page.evaluate(CHECK_PAGE, [".md-content .x121-erd *", True])
            assert not got["hits"] and not got["live"] and not problems, (rel, view, got["hits"], got["live"], problems)
            laid_out.append(view)
    assert poked > 3000 and len(laid_out) >= 5, laid_out
    context.close()
    # the search box: results for a payload are shown as text too
    context, page = trapped_page()
    page.goto(f"{searchable}/generated/index.html", wait_until="networkidle")
    page.click(".md-search__input")  # at 1280 px the search field is in the header
    page.keyboard.type("onerror")
    page.wait_for_selector(".md-search-result__item", timeout=20000)
    page.evaluate(POKE, "body *")
    assert not page.evaluate("window.__x121hits") and not page.evaluate(LIVE_ATTRIBUTES) and not problems
    context.close()


# Each table page as the browser's HTML parser reads it (fetched and parsed in the page: one round
# trip for all of them, where a navigation per page took a third of a second): the texts the test
# compares with the catalog.
PAGE_TEXTS = """
async (urls) => {
  const text = el => { if (!el) return null; const c = el.cloneNode(true);
    c.querySelectorAll('.headerlink').forEach(x => x.remove()); return c.textContent; };
  const firstCells = (doc, id) => [...doc.querySelectorAll(`#${id} + * tbody tr td:first-child, #${id} + table tbody tr td:first-child`)]
    .map(td => td.textContent);
  const out = {};
  for (const url of urls) {
    const doc = new DOMParser().parseFromString(await (await fetch(url)).text(), 'text/html');
    const h = [...doc.querySelectorAll('.md-content h2')].find(h => h.id === 'columns');
    const table = h.nextElementSibling.querySelector('table') || h.nextElementSibling;
    out[url] = {h1: text(doc.querySelector('.md-content h1')), title: doc.title,
      columns: [...table.querySelectorAll('tbody tr td:nth-child(2)')].map(td => td.textContent),
      constraints: firstCells(doc, 'constraints'), indexes: firstCells(doc, 'indexes'),
      triggers: firstCells(doc, 'triggers')};
  }
  return out;
}
"""


def test_every_name_shows_exactly_as_in_the_catalog(hostile_site, browser):
    root, catalog, base, _ = hostile_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/generated/index.html")
    assert page.evaluate(_text_of(".md-content p code")) == catalog.database
    urls = {t.key: f"{base}/generated/tables/{table_slug(t)}.html" for t in catalog.tables}
    parsed = page.evaluate(PAGE_TEXTS, list(urls.values()))
    # one page rendered for real too: what the parser reads is what the reader sees
    first = catalog.tables[0]
    page.goto(urls[first.key])
    assert page.evaluate(_text_of(".md-content h1")) == parsed[urls[first.key]]["h1"]
    assert page.title() == parsed[urls[first.key]]["title"]
    for t in catalog.tables:
        got = parsed[urls[t.key]]
        assert got["h1"] == t.display_name, t.key
        assert got["title"] == f"{' '.join(t.display_name.split())} - {SITE_NAME}", t.key
        assert got["columns"] == [c.name for c in t.columns], t.key
        constraints = [c.name for c in t.uniques + t.checks + t.exclusions]
        if constraints:
            assert got["constraints"] == constraints, t.key
        if t.indexes:
            assert got["indexes"] == [i.name for i in t.indexes], t.key
        if t.triggers:
            assert got["triggers"] == [x.name for x in t.triggers], t.key
    page.close()
