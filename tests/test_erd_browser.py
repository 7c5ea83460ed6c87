"""The diagrams in a real browser at 1600x1000 (Debian's chromium through Playwright): legible at the
first view on every diagram page of our site and on the largest corpus schema's biggest pages, and
the viewer's search, highlight, FK panel, zoom at the pointer and page scrolling."""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql
from browser_support import served, wait_js
from erd_support import MEASURE, READY, VIEWPORT, erd_files, harness_pages, open_diagram

from x121_docs.catalog import reflect_settings
from x121_docs.database.connect import conn_params
from x121_docs.docs.build import build
from x121_docs.docs.names import slug
from x121_docs.migrate import run_migrations

from conftest import MIGRATIONS_DIR, PROJECT_ROOT

MIN_TEXT_PX = 10


@pytest.fixture
def wide_page(browser):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def our_site(server_settings, tmp_path_factory):
    """The site of our own schema (migrations/, docs/erd.yml) as `make docs` builds it; built once for
    the module (the tests only read it), its database dropped afterwards."""
    yield from _our_site(server_settings, tmp_path_factory)


@pytest.fixture(scope="module")
def browser_laid_site(server_settings, tmp_path_factory):
    """The same site with its distance-2 views laid out in the reader's browser, as a schema of at least
    `browser_layout_min_tables` tables has them (set to 0 here)."""
    yield from _our_site(server_settings, tmp_path_factory, "\nbrowser_layout_min_tables: 0\n")


def _our_site(server_settings, tmp_path_factory, erd_yml_extra: str = ""):  # noqa: ANN001, ANN202
    name = f"t_erd_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name)))
    settings = replace(server_settings, name=name)
    try:
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
            conn.execute("CREATE EXTENSION vector")
        run_migrations(settings, MIGRATIONS_DIR)
        root = tmp_path_factory.mktemp("erd") / "project"
        (root / "docs").mkdir(parents=True)
        shutil.copy(PROJECT_ROOT / "docs" / "erd.yml", root / "docs" / "erd.yml")
        with (root / "docs" / "erd.yml").open("a", encoding="utf-8") as f:
            f.write(erd_yml_extra)
        build(settings, root)
        yield root / "site"
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _diagram_pages(site) -> list[str]:  # noqa: ANN001
    pages = []
    for path in sorted((site / "generated").rglob("*.html")):
        if 'class="x121-erd"' in path.read_text(encoding="utf-8"):
            pages.append(path.relative_to(site).as_posix())
    return pages


def test_every_diagram_page_of_our_site_opens_legible(wide_page, our_site):
    pages = _diagram_pages(our_site)
    assert {"generated/erd.html", "generated/tables/users.html"} <= set(pages) and len(pages) > 20
    small = {}
    with served(our_site, search=False) as base:  # the viewer's own search is tested here, not Material's
        for path in pages:
            open_diagram(wide_page, f"{base}/{path}")
            m = wide_page.evaluate(MEASURE)
            assert m["count"] >= 3, (path, m)
            if m["median"] < MIN_TEXT_PX:
                small[path] = m
    assert not small, small


def test_our_site_diagram_text_matches_what_it_draws(our_site):
    page = (our_site / "generated/erd.html").read_text(encoding="utf-8")
    svg = (our_site / "generated/erd-schema.svg").read_text(encoding="utf-8")
    # _sqlx_migrations is listed apart, never drawn as a table of the schema
    assert "Infrastructure tables" in page and "_sqlx_migrations" in page and "_sqlx_migrations" not in svg
    # the whole-schema text says hubs are drawn there (users is, with its edges) and lookups folded
    assert re.search(r"hubs included, is drawn with its edges", page)
    assert ">users</text>" in svg and "status_id &#8594; " in svg or "status_id → " in svg


def test_search_highlight_fk_panel_zoom_and_scroll(wide_page, our_site):
    page = wide_page
    with served(our_site, search=False) as base:  # the viewer's own search is tested here, not Material's
        open_diagram(page, f"{base}/generated/erd.html")
        page.evaluate("document.querySelector('.x121-erd').scrollIntoView({block: 'start'})")
        frame = page.locator(".x121-erd").first

        # search: the table is centred in the frame and highlighted, the others dimmed
        search = frame.locator("input.x121-erd-search")
        search.fill("scenes")
        search.press("Enter")
        sel = wait_js(page, """(() => { const f = document.querySelector('.x121-erd'), n = f.querySelector('g.node.x121-sel');
            if (!n) return null; const r = n.getBoundingClientRect(), b = f.getBoundingClientRect();
            return {name: n.querySelector('text').textContent, dx: r.x + r.width / 2 - (b.x + b.width / 2),
                    dy: Math.min(r.height, b.height) / 2 + r.y - (b.y + b.height / 2), w: b.width, h: b.height,
                    dimmed: f.querySelector('svg').classList.contains('x121-dimmed')}; })()""", "the found table selected")
        assert sel["name"] == "scenes" and sel["dimmed"]
        assert abs(sel["dx"]) < sel["w"] * 0.1 and abs(sel["dy"]) < sel["h"] * 0.2, sel

        # click a table: it and its FK neighbours stay lit, the rest is dimmed; the panel names it
        meta = page.evaluate("document.querySelector('.x121-erd').x121.meta")
        names = [t["name"] for t in meta["tables"]]
        i = names.index("video_segments")
        want = {names[f["to"] if f["from"] == i else f["from"]] for f in meta["fks"] if i in (f["from"], f["to"])}
        page.evaluate(f"document.querySelector('.x121-erd').x121.find('video_segments')")
        page.evaluate("document.querySelector('.x121-erd').x121.clear()")
        box = page.evaluate(f"(() => {{ const r = document.querySelector('.x121-erd g.node.t{i}').getBoundingClientRect();"
                            " return {x: r.x + r.width / 2, y: r.y + 8}; })()")
        page.mouse.click(box["x"], box["y"])
        lit = wait_js(page, """(() => { const f = document.querySelector('.x121-erd');
            if (!f.querySelector('g.node.x121-sel')) return null;
            return [...f.querySelectorAll('g.node.x121-on')].map(n => n.querySelector('text').textContent); })()""",
                      "the clicked table highlighted")
        assert set(lit) == want | {"video_segments"} and len(want) >= 2
        assert page.url.endswith("/generated/erd.html")  # the first click selects, it does not navigate
        assert "video_segments" in frame.locator(".x121-erd-panel").inner_text()

        # click an edge: the FK's definition with ON DELETE and ON UPDATE
        f = next(n for n, fk in enumerate(meta["fks"]) if fk["child"] == "video_segments")
        page.locator(f".x121-erd g.edge.f{f} path.x121-hit").first.dispatch_event("click")
        panel = frame.locator(".x121-erd-panel")
        wait_js(page, f"document.querySelector('.x121-erd-panel').textContent.includes({meta['fks'][f]['name']!r})",
                "the FK panel")
        text = panel.inner_text()
        assert f"ON UPDATE\n{meta['fks'][f]['on_update']}" in text and f"ON DELETE\n{meta['fks'][f]['on_delete']}" in text

        # the plain wheel over the diagram scrolls the page and leaves the diagram as it is
        vb = page.evaluate("document.querySelector('.x121-erd svg').getAttribute('viewBox')")
        y0 = page.evaluate("scrollY")
        r = page.evaluate("(() => { const b = document.querySelector('.x121-erd').getBoundingClientRect();"
                          " return {x: b.x + b.width / 2, y: b.y + b.height / 2}; })()")
        page.mouse.move(r["x"], r["y"])
        page.mouse.wheel(0, 300)
        wait_js(page, f"scrollY > {y0} + 100", "the page to scroll under the plain wheel")
        assert page.evaluate("document.querySelector('.x121-erd svg').getAttribute('viewBox')") == vb

        # Ctrl + wheel zooms at the pointer: the diagram point under it stays under it
        page.evaluate("document.querySelector('.x121-erd').scrollIntoView({block: 'start'})")
        r = page.evaluate("(() => { const b = document.querySelector('.x121-erd').getBoundingClientRect();"
                          " return {x: b.x + b.width * 0.3, y: b.y + b.height * 0.6}; })()")
        before = page.evaluate(f"document.querySelector('.x121-erd').x121.clientToUser({r['x']}, {r['y']})")
        s0 = page.evaluate("document.querySelector('.x121-erd').x121.view.s")
        page.mouse.move(r["x"], r["y"])
        page.keyboard.down("Control")
        page.mouse.wheel(0, -120)
        page.keyboard.up("Control")
        wait_js(page, f"document.querySelector('.x121-erd').x121.view.s > {s0} * 1.1", "Ctrl + wheel to zoom in")
        after = page.evaluate(f"document.querySelector('.x121-erd').x121.clientToUser({r['x']}, {r['y']})")
        assert abs(after["x"] - before["x"]) < 1 and abs(after["y"] - before["y"]) < 1

        # 1:1 is the natural size; full screen fills the window and Escape leaves it
        page.get_by_role("button", name="Natural size").click()
        assert abs(page.evaluate("document.querySelector('.x121-erd').x121.view.s") - 4 / 3) < 1e-6
        page.get_by_role("button", name="Full screen (Escape leaves)").click()
        size = page.evaluate("(() => { const b = document.querySelector('.x121-erd').getBoundingClientRect(); return [b.width, b.height]; })()")
        assert size == [VIEWPORT["width"], VIEWPORT["height"]]
        page.keyboard.press("Escape")
        assert page.evaluate("document.querySelector('.x121-erd').classList.contains('x121-full')") is False


def test_table_page_views_distance_two_and_with_hubs(wide_page, our_site):
    """A table page opens at distance 1 with hubs left out; distance 2 and "with hubs" swap in place."""
    page = wide_page
    name = next(p.stem for p in sorted((our_site / "generated/tables").glob("*.html"))
                if f'data-x121-view="{p.stem}.d2.svg"' in (text := p.read_text(encoding="utf-8"))
                and f'data-x121-view="{p.stem}.hubs.svg"' in text)
    with served(our_site, search=False) as base:  # the viewer's own search is tested here, not Material's
        open_diagram(page, f"{base}/generated/tables/{name}.html")
        d1 = set(page.evaluate("document.querySelector('.x121-erd').x121.meta.tables.map(t => t.name)"))
        assert "users" not in d1 and name in d1
        shown = d1
        for view, check in ((f"{name}.d2.svg", lambda got: got > d1),
                            (f"{name}.hubs.svg", lambda got: got > d1 and "users" in got)):
            page.locator(f'a[data-x121-view="{view}"]').click()
            got = shown = poll_names(page, shown)  # the view shown until now swapped out (not just d1)
            assert check(got), (view, sorted(got))
            assert page.evaluate(MEASURE)["median"] >= MIN_TEXT_PX
            assert page.locator(f'a[data-x121-view="{view}"]').get_attribute("class") == "x121-view-current"
        page.locator(f'a[data-x121-view="{name}.svg"]').click()
        wait_js(page, f"{READY} && document.querySelector('.x121-erd').x121.meta.tables.length === {len(d1)}",
                "the distance-1 view back")


def poll_names(page, old: set) -> set:  # noqa: ANN001
    from browser_support import poll

    def changed():  # noqa: ANN202
        got = set(page.evaluate("document.querySelector('.x121-erd').x121.meta.tables.map(t => t.name)"))
        return got if got != old and page.evaluate(READY) else None
    return poll(changed, f"the swapped view's tables to differ from {sorted(old)} ({page.url})")


def test_largest_corpus_schema_opens_legible_on_its_biggest_pages(wide_page, corpus_db, tmp_path):
    """musicbrainz (519 tables): the overview of groups, its three biggest groups and the table with the
    biggest neighbourhood, in a page of the site's content width."""
    cat = reflect_settings(corpus_db("musicbrainz"))
    from x121_docs.docs.config import DocsConfig
    from x121_docs.docs.groups import domain_groups

    groups = sorted(domain_groups(cat, DocsConfig()), key=lambda g: -len(g.tables))[:3]
    files = erd_files(cat, tables=[("musicbrainz", "artist")])
    pages = ["erd.md"] + [f"erd/{g.slug}.md" for g in groups] + [f"tables/{slug('musicbrainz', 'artist')}.md"]
    htmls = harness_pages(files, tmp_path / "mb", pages)
    results = {}
    with served(tmp_path / "mb", search=False) as base:
        for html in htmls:
            seconds = open_diagram(wide_page, f"{base}/{html}")
            results[html] = (wide_page.evaluate(MEASURE), seconds)
            # the viewer found a meaningful start: the readable view is centred on a table, with a minimap
            if not wide_page.evaluate("document.querySelector('.x121-erd').x121.whole"):
                assert wide_page.evaluate("getComputedStyle(document.querySelector('.x121-erd-minimap')).display") != "none"
    assert all(m["median"] >= MIN_TEXT_PX and m["count"] >= 5 for m, _ in results.values()), results
    assert wide_page.evaluate(READY)


#: What the browser drew of the frame's current view: its boxes' header texts, the edges, the aspect
#: ratio, and every text that runs past the right edge of its cell.
DRAWN = r"""() => {
  const f = document.querySelector('.x121-erd'), svg = f.querySelector('svg.x121-erd-main'), over = [];
  for (const g of svg.querySelectorAll('g.node')) {
    const cells = [...g.querySelectorAll('polygon')].map(p => p.getBoundingClientRect());
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBoundingClientRect(), x = r.left + 1, y = r.top + r.height / 2;
      const cell = cells.filter(b => x >= b.left - 1 && x <= b.right && y >= b.top && y <= b.bottom)
        .sort((a, b) => a.width * a.height - b.width * b.height)[0];
      if (cell && r.right > cell.right + 1) over.push(t.textContent);
    }
  }
  const heads = {};
  for (const g of svg.querySelectorAll('g.node'))
    heads[g.getAttribute('class').match(/\bt(\d+)\b/)[1]] = g.querySelector('text').textContent;
  return {heads: heads,
          edges: svg.querySelectorAll('g.edge').length, aspect: f.x121.full.w / f.x121.full.h, over: over,
          ids: svg.querySelectorAll('[id]').length};
}"""


def test_distance_two_laid_out_in_the_browser_draws_what_the_build_draws(wide_page, our_site, browser_laid_site):
    """A large schema's distance-2 views are laid out by Graphviz in WebAssembly when the reader opens them:
    the same tables and FKs as the build's SVG, legible, within 1:3..3:1, no text past its cell, and the
    viewer's highlight and FK panel work on it. Only such a site carries the 1.3 MB script."""
    import json

    from erd_support import svg_meta

    page = wide_page
    tables = browser_laid_site / "generated/tables"
    names = sorted(p.name[:-len(".d2.graph.json")] for p in tables.glob("*.d2.graph.json"))
    assert len(names) > 10 and not list(tables.glob("*.d2.svg")) and list(tables.glob("*.hubs.svg"))
    assert (browser_laid_site / "generated/assets/vendor/viz-global.js").is_file()
    assert not (our_site / "generated/assets/vendor").exists()
    graphs = {n: json.loads((tables / f"{n}.d2.graph.json").read_text(encoding="utf-8")) for n in names}
    for n, graph in graphs.items():  # the views the build would have drawn, table for table and FK for FK
        assert graph["meta"] == svg_meta((our_site / f"generated/tables/{n}.d2.svg").read_text(encoding="utf-8")), n
    name = max(names, key=lambda n: (len(graphs[n]["meta"]["tables"]), n))
    meta = graphs[name]["meta"]
    view = f"{name}.d2.graph.json"
    with served(browser_laid_site, search=False) as base:
        open_diagram(page, f"{base}/generated/tables/{name}.html")
        assert page.evaluate("document.querySelector('.x121-erd').dataset.src") == f"{name}.svg"
        page.locator(f'a[data-x121-view="{view}"]').click()
        wait_js(page, f"document.querySelector('.x121-erd').dataset.shown === {json.dumps(view)}",
                "the distance-2 view laid out in the browser")
        drawn = page.evaluate(DRAWN)
        # box i of the metadata is the box drawn with class t<i>: the viewer's search and highlight rely on it
        assert drawn["heads"] == {str(i): t["name"] for i, t in enumerate(meta["tables"])}
        assert drawn["edges"] == len(meta["fks"])
        assert 1 / 3 <= drawn["aspect"] <= 3 and drawn["over"] == [] and drawn["ids"] == 0, drawn
        assert page.evaluate(MEASURE)["median"] >= MIN_TEXT_PX
        f = 0
        page.locator(f".x121-erd g.edge.f{f} path.x121-hit").first.dispatch_event("click")
        wait_js(page, f"document.querySelector('.x121-erd-panel').textContent.includes({meta['fks'][f]['name']!r})",
                "the FK panel of an edge laid out in the browser")
        i = meta["tables"].index(next(t for t in meta["tables"] if t["name"] == name))
        page.evaluate(f"document.querySelector('.x121-erd').x121.select({i})")
        lit = page.evaluate("[...document.querySelectorAll('.x121-erd g.node.x121-on')].length")
        near = {fk["to"] if fk["from"] == i else fk["from"] for fk in meta["fks"] if i in (fk["from"], fk["to"])}
        assert lit == 1 + len(near)
        # and back to the build's own view
        page.locator(f'a[data-x121-view="{name}.svg"]').click()
        wait_js(page, f"document.querySelector('.x121-erd').dataset.shown === {json.dumps(name + '.svg')}",
                "the distance-1 view back")


def test_without_webassembly_the_browser_laid_view_says_why(wide_page, browser_laid_site):
    """A site whose policy refuses WebAssembly (a project's own overrides/main.html from before) gets one
    sentence in the frame naming the setting, not a blank frame or a stale view."""
    page = wide_page
    tables = browser_laid_site / "generated/tables"
    name = sorted(p.name[:-len(".d2.graph.json")] for p in tables.glob("*.d2.graph.json"))[0]

    def strict_policy(route):  # noqa: ANN001, ANN202
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace(" 'wasm-unsafe-eval'", ""))

    with served(browser_laid_site, search=False) as base:
        page.route(f"{base}/generated/tables/{name}.html", strict_policy)
        open_diagram(page, f"{base}/generated/tables/{name}.html")
        page.locator(f'a[data-x121-view="{name}.d2.graph.json"]').click()
        note = wait_js(page, "(document.querySelector('.x121-erd .x121-erd-note') || {}).textContent || null",
                       "the note of a view that cannot be laid out")
        assert "wasm-unsafe-eval" in note and "overrides/main.html" in note
        assert page.evaluate("document.querySelector('.x121-erd svg.x121-erd-main')") is None
        assert page.evaluate("document.querySelector('.x121-erd').dataset.shown") == f"{name}.svg"
        assert page.evaluate("document.querySelector('.x121-erd').dataset.src").endswith(".graph.json")
