"""The built site in a real headless browser (Debian's chromium through Playwright; tests/browser_support.py).

The site is served on 127.0.0.1 only; the browser's own network features are off.  Every wait
polls for the condition it needs and fails saying which one never came.
"""

from __future__ import annotations

import json
import re

import pytest
from browser_support import poll, wait_js
from docs_support import load_everything

from x121_docs.docs.build import build

#: The jobs box of the whole-schema diagram, scrolled into view: where to click it, and the diagram's size.
JOBS_BOX = """(() => {
    const svg = document.querySelector('.x121-erd svg');
    if (!svg || !document.querySelector('.x121-erd-bar button')) return null;
    const link = [...svg.querySelectorAll('a')].find(a => (a.getAttribute('xlink:href') || '').endsWith('tables/jobs.html'));
    if (!link) return null;
    link.scrollIntoView({block: 'center'});
    const r = link.getBoundingClientRect();
    return {n: svg.querySelectorAll('g.node').length, x: r.x + r.width / 2, y: r.y + Math.min(8, r.height / 2),
            w: r.width, h: r.height};
})()"""
SEARCH_RESULTS = "[...document.querySelectorAll('.md-search-result__item a, .md-search-result__link')]"


@pytest.fixture
def site_url(fresh_db, tmp_path, serve_site) -> str:
    load_everything(fresh_db)
    root = tmp_path / "project"
    root.mkdir()
    build(fresh_db, root)
    return serve_site(root / "site")


def search(page, query: str, timeout: float = 30.0) -> list[str]:  # noqa: ANN001
    """Type `query` into Material's search box until results appear; their hrefs.

    Material's search index loads in a web worker after the page; a query typed before it is ready
    is dropped (the box then says "Type to start searching").  So: type, give the results a moment,
    and if none came, clear the box and type again, until `timeout`.
    """
    box = page.locator(".md-search__input")
    page.locator("label.md-search__icon, .md-search__input").first.click()

    def results() -> list[str] | None:
        box.fill("")
        box.press_sequentially(query, delay=20)
        try:
            wait_js(page, f"{SEARCH_RESULTS}.length > 0", "search results", timeout=2)
        except AssertionError:  # not ready yet: type again
            return None
        return page.evaluate(f"{SEARCH_RESULTS}.map(a => a.getAttribute('href'))")

    return poll(results, f"search results for {query!r} (Material's search index never answered)", timeout)


def test_erd_drawn_link_to_table_page_and_search(page, traps, site_url):
    page.goto(f"{site_url}/generated/erd.html")
    # the whole-schema diagram is drawn: an inline SVG with table boxes of real size, pan/zoom buttons added
    box = wait_js(page, JOBS_BOX, "the ERD with a link to tables/jobs.html and its pan/zoom bar")
    assert box["n"] >= 10 and box["w"] > 5 and box["h"] > 5

    # Ctrl + wheel zooms (the viewBox shrinks around the pointer; the plain wheel scrolls the page:
    # tests/test_erd_browser.py), "fit" shows the whole diagram
    view_box = "document.querySelector('.x121-erd svg').getAttribute('viewBox')"
    page.evaluate("document.querySelector('.x121-erd').scrollIntoView({block: 'start'})")
    box = wait_js(page, JOBS_BOX.replace("link.scrollIntoView({block: 'center'});",
                                         "document.querySelector('.x121-erd').x121.find('jobs');"),
                  "the jobs box centred by the viewer's search")
    vb0 = page.evaluate(view_box)
    page.mouse.move(box["x"], box["y"])
    page.keyboard.down("Control")
    page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    vb1 = wait_js(page, f"(v => v !== {json.dumps(vb0)} && v)({view_box})", "Ctrl + wheel to change the viewBox")
    assert float(vb1.split()[2]) < float(vb0.split()[2])
    page.get_by_role("button", name="Whole diagram", exact=True).click()
    vb2 = [float(v) for v in page.evaluate(view_box).split()]
    full = page.evaluate("document.querySelector('.x121-erd').x121.full")
    assert vb2[2] >= full["w"] - 1 and vb2[3] >= full["h"] - 1

    # the search centres and selects the jobs box; a real mouse click on the selected box follows its link
    box = wait_js(page, """(() => {
        document.querySelector('.x121-erd').x121.find('jobs');
        const node = document.querySelector('.x121-erd svg g.node.x121-sel');
        if (!node) return null;
        const r = node.getBoundingClientRect();
        return {x: r.x + r.width / 2, y: r.y + Math.min(8, r.height / 2)};
    })()""", "the jobs box selected by the viewer's search")
    page.mouse.click(box["x"], box["y"])
    page.wait_for_url(re.compile(r".*/generated/tables/jobs\.html$"))
    assert page.locator("h1").first.inner_text().replace("¶", "").strip() == "jobs"
    assert page.locator("table").count() >= 4

    # the search box finds a table by name
    page.goto(f"{site_url}/generated/index.html")
    hrefs = search(page, "measurements")
    assert any(re.split(r"[?#]", h)[0].endswith("/generated/tables/measurements.html") for h in hrefs), hrefs
    traps.assert_clean("alert", "confirm", "prompt", "dialog", "exception")
