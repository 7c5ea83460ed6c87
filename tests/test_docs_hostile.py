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
from browser_support import wait_js
from docs_browser_support import OVERFLOWING_TABLES, served
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
})();
"""

# Click, focus and hover every element of the page (events an attribute handler would fire on).
POKE = """
() => {
  const events = ['pointerover', 'pointerenter', 'mouseover', 'mouseenter', 'mousemove', 'pointerdown',
                  'mousedown', 'pointerup', 'mouseup', 'focus', 'focusin', 'blur', 'focusout', 'keydown',
                  'keyup', 'input', 'change', 'toggle', 'animationstart', 'transitionend', 'copy', 'wheel',
                  'dblclick', 'contextmenu', 'mouseleave', 'mouseout'];
  let n = 0;
  const svgEvents = ['mouseover', 'focus', 'click'];
  for (const el of [...document.querySelectorAll('body *')]) {
    // inside a diagram only the elements that carry names or links (thousands of shapes otherwise)
    // (the viewer's own pan/zoom handlers get only clicks, focus and hover: its gestures are tested apart)
    const inSvg = el.closest('svg') && el.tagName.toLowerCase() !== 'svg';
    if (inSvg && !['a', 'text', 'title'].includes(el.tagName.toLowerCase())) continue;
    for (const type of (inSvg || el.closest('.x121-erd') ? svgEvents : events)) {
      const Kind = type.startsWith('pointer') ? PointerEvent : type === 'wheel' ? WheelEvent
        : /^(mouse|dbl|context)/.test(type) ? MouseEvent : type.startsWith('focus') || type === 'blur' ? FocusEvent
        : type.startsWith('key') ? KeyboardEvent : Event;
      el.dispatchEvent(new Kind(type, {bubbles: true, cancelable: true}));
    }
    if (typeof el.focus === 'function') el.focus();
    if (el.closest('.md-content') && typeof el.click === 'function') el.click();
    n++;
  }
  return n;
}
"""

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
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    settings = replace(server_settings, name=name)
    root = scratch_dir("hostile")
    try:
        build_hostile(settings)
        build(settings, root)
        catalog = reflect_settings(settings)
        with served(root / "site") as base:
            yield root, catalog, base
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        shutil.rmtree(root, ignore_errors=True)


def _pages(root: Path) -> list[str]:
    return sorted(p for p in tree(root / "site") if p.endswith(".html"))


def test_every_payload_is_in_the_catalog_and_the_markdown_holds_none_raw(hostile_site):
    root, catalog, _ = hostile_site
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


def test_nothing_runs_nothing_from_the_catalog_is_live_and_tables_keep_their_cells(hostile_site, browser):
    root, _, base = hostile_site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(TRAPS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pages = _pages(root)
    assert len(pages) > len(NAMES)
    poked = 0
    for rel in pages:
        page.goto(f"{base}/{rel}", wait_until="networkidle")
        # the diagrams are fetched and inlined by the viewer script: wait until each frame holds its SVG
        wait_js(page, "[...document.querySelectorAll('.x121-erd')].every(f => f.querySelector('svg'))",
                "every diagram inlined by the viewer script")
        poked += page.evaluate(POKE)
        hits = page.evaluate("window.__x121hits")
        bad = page.evaluate(LIVE_ATTRIBUTES)
        assert not hits and not bad and not problems, (rel, hits, bad, problems)
        assert page.evaluate(BROKEN_TABLES) == [], rel  # the page's structure is intact
        assert page.evaluate(OVERFLOWING_TABLES) == [], rel  # and fits 1280 px
    assert poked > 5000
    # the search box: results for a payload are shown as text too
    page.goto(f"{base}/generated/index.html", wait_until="networkidle")
    page.click(".md-search__input")  # at 1280 px the search field is in the header
    page.keyboard.type("onerror")
    page.wait_for_selector(".md-search-result__item", timeout=20000)
    page.evaluate(POKE)
    assert not page.evaluate("window.__x121hits") and not page.evaluate(LIVE_ATTRIBUTES) and not problems
    context.close()


def test_every_name_shows_exactly_as_in_the_catalog(hostile_site, browser):
    root, catalog, base = hostile_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/generated/index.html")
    assert page.evaluate(_text_of(".md-content p code")) == catalog.database
    for t in catalog.tables:
        page.goto(f"{base}/generated/tables/{table_slug(t)}.html")
        assert page.evaluate(_text_of(".md-content h1")) == t.display_name, t.key
        assert page.title() == f"{' '.join(t.display_name.split())} - {SITE_NAME}"
        got = page.evaluate("""() => { const h = [...document.querySelectorAll('.md-content h2')]
            .find(h => h.id === 'columns'); const table = h.nextElementSibling.querySelector('table') ||
            h.nextElementSibling; return [...table.querySelectorAll('tbody tr td:nth-child(2)')].map(td => td.textContent); }""")
        assert got == [c.name for c in t.columns], t.key
        constraints = [c.name for c in t.uniques + t.checks + t.exclusions]
        if constraints:
            assert page.evaluate("""() => [...document.querySelectorAll('#constraints + * tbody tr td:first-child, '
                + '#constraints + table tbody tr td:first-child')].map(td => td.textContent)""") == constraints
        if t.indexes:
            assert page.evaluate("""() => [...document.querySelectorAll('#indexes + * tbody tr td:first-child, '
                + '#indexes + table tbody tr td:first-child')].map(td => td.textContent)""") == [i.name for i in t.indexes]
        if t.triggers:
            assert page.evaluate("""() => [...document.querySelectorAll('#triggers + * tbody tr td:first-child, '
                + '#triggers + table tbody tr td:first-child')].map(td => td.textContent)""") == [x.name for x in t.triggers]
    page.close()
