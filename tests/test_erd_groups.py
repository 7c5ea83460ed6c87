"""ERD grouping and drawing on real schemas (../shared/corpus) and on our own: groups within the cap,
every cross-group FK counted in the overview, "unlinked" only for tables without any FK, an FK-less
schema said so with a names-only map and inferred references, eralchemy's refusal explained, ports
on both ends of an edge, aspect ratios within 1:3..3:1.  Checked against pg_constraint directly."""

from __future__ import annotations

import html

import re
from dataclasses import replace

import psycopg
import pytest
from erd_support import catalog_fks, erd_files, svg_meta
from psycopg import sql

from x121_docs.catalog import reflect_settings
from x121_docs.catalog.model import display_name
from x121_docs.database.connect import conn_params
from x121_docs.docs import erd
from x121_docs.docs.config import DocsConfig
from x121_docs.docs.groups import UNLINKED, cross_group_counts, domain_groups, hubs, infrastructure, overview_node

CORPUS_SCHEMAS = ["chinook", "northwind", "pagila", "openstreetmap", "adventureworks", "musicbrainz"]


@pytest.fixture(scope="session")
def corpus(corpus_db):
    """`corpus(name)` -> settings of a database holding that ../shared/corpus schema (tests/conftest.py)."""
    return corpus_db


@pytest.fixture(scope="session")
def corpus_catalog(corpus):
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            settings = corpus(name)
            cache[name] = (settings, reflect_settings(settings))
        return cache[name]

    return get


@pytest.mark.parametrize("name", CORPUS_SCHEMAS)
def test_groups_stay_within_the_cap_and_unlinked_means_no_fk(corpus_catalog, name):
    settings, cat = corpus_catalog(name)
    fks = catalog_fks(settings)
    linked = {t for fk in fks for t in fk if fk[0] != fk[1]}
    drawable = {t.key for t in cat.tables if not t.is_partition}
    for cap in ((40,) if name == "musicbrainz" else (40, 12)):  # musicbrainz at 12: 30 s of splitting
        config = DocsConfig(group_max_tables=cap)
        groups = domain_groups(cat, config)
        members = [k for g in groups for k in g.tables]
        assert sorted(members) == sorted(drawable - set(infrastructure(cat, config))), "each table in one group"
        assert max(len(g.tables) for g in groups) <= cap, [(g.title, len(g.tables)) for g in groups if len(g.tables) > cap]
        for g in groups:
            if g.kind == UNLINKED:
                assert not set(g.tables) & linked, (g.title, sorted(set(g.tables) & linked))
            # named after a table of the group or the hub it gathers around
            named = re.sub(r"^Around | and neighbours$| \(\d+\)$", "", g.title)
            if g.kind == "domain" and not g.configured:
                assert named in {display_name(*k) for k in set(g.tables) | set(hubs(cat, config))}, g.title
        unlinked = {k for g in groups if g.kind == UNLINKED for k in g.tables}
        assert unlinked == drawable - linked - set(infrastructure(cat, config))


@pytest.mark.parametrize("name,cap", [("musicbrainz", 40), ("adventureworks", 12), ("openstreetmap", 10)])
def test_overview_counts_every_cross_group_fk_hubs_included(corpus_catalog, name, cap):
    settings, cat = corpus_catalog(name)
    config = DocsConfig(group_max_tables=cap)
    groups, hub_keys = domain_groups(cat, config), hubs(cat, config)
    where = overview_node(groups, hub_keys)
    want: dict[tuple[str, str], int] = {}
    for child, parent in catalog_fks(settings):
        a, b = where[child], where[parent]
        if a != b:
            want[(a, b)] = want.get((a, b), 0) + 1
    assert cross_group_counts(cat, groups, hub_keys) == want
    svg = erd.draw_overview(cat, groups, link=lambda s: f"erd/{s}.html", hub_link=lambda k: "t.html", hub_keys=hub_keys)
    meta = svg_meta(svg.text)
    names = [t["name"] for t in meta["tables"]]
    drawn = {}
    for i, fk in enumerate(meta["fks"]):
        # the count is written on the edge itself
        edge = re.search(rf'<g class="edge x121&#45;fk f{i}">(.*?)</g>\n(?=<g|</g>)', svg.text, re.S)
        assert edge and re.search(rf">{fk['count']}</text>", edge.group(1)), fk
        drawn[(names[fk["from"]], names[fk["to"]])] = fk["count"]
    title = {g.slug: g.title for g in groups} | {f"hub:{display_name(*k)}": display_name(*k) for k in hub_keys}
    assert drawn == {(title[a], title[b]): n for (a, b), n in want.items()}
    assert sum(drawn.values()) == sum(1 for c, p in catalog_fks(settings) if where[c] != where[p])
    if hub_keys:
        into_hubs = sum(n for (a, b), n in want.items() if b.startswith("hub:"))
        assert into_hubs > 0  # FKs into hubs are drawn (they used to be dropped)
    assert 1 / 3 <= svg.aspect <= 3


def test_schema_without_fks_says_so_and_maps_names_with_inferred_references(corpus, server_settings, db_name):
    settings = corpus("chinook")
    # a copy of chinook with every FK dropped: a legacy schema that declares none
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(db_name),
                                                                      sql.Identifier(settings.name)))
    copy = replace(settings, name=db_name)
    try:
        with psycopg.connect(autocommit=True, **conn_params(copy)) as conn:
            for schema, table, name in conn.execute("""SELECT n.nspname, c.relname, k.conname FROM pg_constraint k
                    JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE k.contype = 'f'""").fetchall():
                conn.execute(sql.SQL("ALTER TABLE {}.{} DROP CONSTRAINT {}").format(
                    sql.Identifier(schema), sql.Identifier(table), sql.Identifier(name)))
        cat = reflect_settings(copy)
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db_name)))
    assert not cat.foreign_keys
    files = erd_files(cat)
    page = files["erd.md"].decode()
    assert "**This schema declares no foreign keys**" in page
    assert '<div class="x121-erd" data-src="erd-names.svg"' in page
    svg = files["erd-names.svg"].decode()
    meta = svg_meta(svg)
    assert sorted(t["name"] for t in meta["tables"]) == sorted(t.display_name for t in cat.tables)
    inferred = {(meta["tables"][f["from"]]["name"], f["columns"][0], meta["tables"][f["to"]]["name"])
                for f in meta["fks"]}
    # album.artist_id -> artist(artist_id), track.album_id -> album ... (integer *_id matching a key)
    assert {("album", "artist_id", "artist"), ("track", "album_id", "album"),
            ("invoice", "customer_id", "customer")} <= inferred
    assert all(f.get("inferred") for f in meta["fks"])
    assert len(re.findall(r">inferred</text>", svg)) == len(meta["fks"]) and 'stroke-dasharray' in svg
    m = re.search(r"with (\d+) references? inferred", page)
    assert m and int(m.group(1)) == len(meta["fks"])
    assert "names-only map" in page.lower() and "grouped by name prefix" in page
    # no group of the FK-less schema claims a relationship: all are "unlinked", by name prefix
    assert {g.kind for g in domain_groups(cat, DocsConfig())} == {UNLINKED}


def test_eralchemy_says_why_it_cannot_draw_a_quoted_name(fresh_db):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute('CREATE TABLE users (id bigint PRIMARY KEY); '
                     'CREATE TABLE "reply-to" (id bigint PRIMARY KEY, user_id bigint REFERENCES users)')
    cat = reflect_settings(fresh_db)
    files = erd_files(cat)
    page = files["erd.md"].decode()
    assert "erd/schema-eralchemy.svg" not in files
    assert "eralchemy cannot draw this schema: the table name 'reply-to'" in html.unescape(page)
    # the linked diagrams still draw it, its name escaped
    assert "reply&#45;to" in files["erd-schema.svg"].decode() or "reply-to" in files["erd-schema.svg"].decode()


#: A box of a diagram: its index in the metadata (class t<index>) and its SVG.
_NODE = re.compile(r'<g class="node x121&#45;t t(\d+)">(.*?)\n</g>\n', re.S)


def _node(svg: str, node_index: int) -> str:
    node = next((m.group(2) for m in _NODE.finditer(svg) if int(m.group(1)) == node_index), None)
    assert node is not None, node_index
    return node


def _text_y(svg: str, node_index: int, label: str) -> float:
    """y of the row text `label` inside the node with class t<index>."""
    texts = re.finditer(r'<text[^>]* y="([-\d.]+)"[^>]*>([^<]*)</text>', _node(svg, node_index))
    ys = [float(m.group(1)) for m in texts if m.group(2).strip() == label]
    assert ys, (node_index, label)
    return ys[0]


def test_edges_attach_to_the_fk_row_and_the_key_row(corpus_catalog):
    _, cat = corpus_catalog("chinook")
    keys = [t.key for t in cat.tables]
    svg = erd.draw(cat, keys, link=lambda k: "x.html", stubs=False)
    meta = svg_meta(svg.text)
    checked = 0
    for i, fk in enumerate(meta["fks"]):
        if fk["from"] == fk["to"]:
            continue
        edge = re.search(rf'<g class="edge x121&#45;fk f{i}">.*?<path[^>]* d="M([-\d.]+),([-\d.]+)(.*?)"', svg.text, re.S)
        assert edge, fk
        start_y = float(edge.group(2))
        end_y = float(re.findall(r"([-\d.]+),([-\d.]+)", edge.group(3))[-1][1])
        child = cat.table(fk["child"])
        marks = lambda t, c: ("PK " if t.primary_key and c in t.primary_key.columns else "") + "FK " + c  # noqa: E731
        row_y = _text_y(svg.text, fk["from"], marks(child, fk["columns"][0]))
        parent = cat.table(fk["parent"])
        ref = fk["ref_columns"][0]
        ref_label = ("PK " if ref in parent.primary_key.columns else "") + \
            ("FK " if any(ref in f.columns for f in parent.foreign_keys) else "") + ref
        key_y = _text_y(svg.text, fk["to"], ref_label.strip())
        assert abs(start_y - (row_y - 4)) < 10, (fk["name"], start_y, row_y)  # text baseline sits ~4 below centre
        assert abs(end_y - (key_y - 4)) < 10, (fk["name"], end_y, key_y)
        checked += 1
    assert checked >= 9


@pytest.mark.parametrize("name", ["pagila", "openstreetmap", "musicbrainz"])
def test_every_diagram_page_is_between_1_3_and_3_1(corpus_catalog, name):
    _, cat = corpus_catalog(name)
    files = erd_files(cat)
    sizes = {}
    for path, content in files.items():
        if path.endswith(".svg") and not path.endswith("eralchemy.svg"):
            m = re.match(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', content.decode())
            sizes[path] = float(m.group(1)) / float(m.group(2))
    assert sizes and all(1 / 3 <= a <= 3 for a in sizes.values()), {p: round(a, 2) for p, a in sizes.items()
                                                                      if not 1 / 3 <= a <= 3}


def test_groups_are_the_same_in_every_process(corpus_catalog, tmp_path):
    """networkx breaks ties by iteration order; the groups (and so the pages) must not depend on the
    process's hash seed.  openstreetmap at a cap of 6 forces modularity and bisection splits."""
    import pickle
    import subprocess
    import sys

    _, cat = corpus_catalog("openstreetmap")
    path = tmp_path / "catalog.pickle"
    path.write_bytes(pickle.dumps(cat))
    script = ("import pickle, sys; from x121_docs.docs.config import DocsConfig; "
              "from x121_docs.docs.groups import domain_groups; "
              "cat = pickle.loads(open(sys.argv[1], 'rb').read()); "
              "print(repr([(g.title, g.tables) for g in domain_groups(cat, DocsConfig(group_max_tables=6))]))")
    runs = {subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and "neighbours" in runs.pop()


def test_catalog_text_stays_text_in_the_svg_and_its_metadata(fresh_db):
    """Names and comments reach the SVG escaped: it parses as XML with no element the catalog wrote, and
    the viewer's metadata gives the exact strings back (the viewer shows them with textContent)."""
    import xml.etree.ElementTree as ET

    evil = 'x<script>alert(1)</script>&"'
    comment = "</metadata><script>alert(2)</script>"
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, {} text)").format(
            sql.Identifier(evil), sql.Identifier("<b>col</b>")))
        conn.execute(sql.SQL("CREATE TABLE child (id bigint PRIMARY KEY, p_id bigint CONSTRAINT {} REFERENCES {})")
                     .format(sql.Identifier("fk<img src=x>"), sql.Identifier(evil)))
        conn.execute(sql.SQL("COMMENT ON CONSTRAINT {} ON child IS {}").format(sql.Identifier("fk<img src=x>"),
                                                                               sql.Literal(comment)))
    cat = reflect_settings(fresh_db)
    files = erd_files(cat, tables=[("public", "child")])
    for path, content in files.items():
        if not path.endswith(".svg"):
            continue
        root = ET.fromstring(content.decode())
        tags = {el.tag.rpartition("}")[2] for el in root.iter()}
        assert not tags & {"script", "img", "b", "foreignObject"}, (path, tags)
        meta = svg_meta(content.decode())
        if path == "erd-schema.svg":
            assert evil in [t["name"] for t in meta["tables"]]
            fk = next(f for f in meta["fks"] if f["name"] == "fk<img src=x>")
            assert fk["comment"] == comment and fk["parent"] == evil
    assert "<script>" not in files["erd.md"].decode()


def test_the_groups_communities_come_from_the_build_cache_and_equal_a_fresh_split(corpus_catalog, tmp_path, monkeypatch):
    """A rebuild takes the communities of an unchanged FK graph from .x121/erd-cache (docs/erd_cache.memo):
    the same groups as computed from nothing, computed again when the entry is damaged or the graph changes."""
    from x121_docs.docs import erd_cache, groups

    _, cat = corpus_catalog("openstreetmap")
    config = DocsConfig(group_max_tables=6)  # modularity and bisection splits (the test above)
    fresh = domain_groups(cat, config)  # no cache open: computed
    calls = []
    split = groups._split
    monkeypatch.setattr(groups, "_split", lambda *a: calls.append(1) or split(*a))
    with erd_cache.open_cache(tmp_path) as cache:
        assert domain_groups(cat, config) == fresh and calls, "the first build computes"
        entries = sorted(tmp_path.rglob("*.json"))
        assert len(entries) == 1 and entries[0].stem in cache.used
        calls.clear()
        assert domain_groups(cat, config) == fresh and not calls, "an unchanged graph is not split again"
        entries[0].write_text("[[", encoding="utf-8")
        assert domain_groups(cat, config) == fresh and calls, "a damaged entry is computed again"
        calls.clear()
        assert domain_groups(cat, replace(config, group_max_tables=5)) != fresh and calls, "another cap, another key"


def _node_texts(svg: str, node_index: int) -> list[str]:
    return [html.unescape(t).strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", _node(svg, node_index))]


def test_the_distance_two_view_draws_the_focus_whole_and_the_others_key_columns(fresh_db):
    """Beyond distance 1 a box shows what links it (primary, unique and FK columns) and counts the rest; the
    focus table stays whole, and each FK line still ends at its column's row, a unique key's included."""
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("CREATE TABLE owners (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, name text, note text);"
                     "CREATE TABLE projects (id bigint PRIMARY KEY, owner_code text NOT NULL REFERENCES owners (code),"
                     " title text, budget numeric);"
                     "CREATE TABLE scenes (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects,"
                     " title text, duration int, note text);"
                     "CREATE TABLE shots (id bigint PRIMARY KEY, scene_id bigint REFERENCES scenes, take int)")
    cat = reflect_settings(fresh_db)
    files = erd_files(cat, tables=[("public", "scenes")])
    page = files["tables/scenes.md"].decode()
    assert 'data-x121-view="scenes.d2.svg"' in page and "distance 2, key columns" in page
    one, two = files["tables/scenes.svg"].decode(), files["tables/scenes.d2.svg"].decode()
    meta = svg_meta(two)
    index = {t["name"]: i for i, t in enumerate(meta["tables"])}
    assert set(index) == {"owners", "projects", "scenes", "shots"}
    texts = {name: _node_texts(two, i) for name, i in index.items()}
    assert texts["scenes"] == _node_texts(one, svg_meta(one)["tables"].index(
        next(t for t in svg_meta(one)["tables"] if t["name"] == "scenes")))
    assert "note" in " ".join(texts["scenes"]) and not any("more column" in t for t in texts["scenes"])
    assert texts["owners"][1:] == ["PK id", "bigint NN", "code", "text NN", "+ 2 more columns"]
    assert texts["projects"][1:] == ["PK id", "bigint NN", "FK owner_code", "text NN", "+ 2 more columns"]
    assert texts["shots"][1:] == ["PK id", "bigint NN", "FK scene_id", "bigint", "+ 1 more column"]
    for i, fk in enumerate(meta["fks"]):
        edge = re.search(rf'<g class="edge x121&#45;fk f{i}">.*?<path[^>]* d="M([-\d.]+),([-\d.]+)(.*?)"', two, re.S)
        start_y, end_y = float(edge.group(2)), float(re.findall(r"([-\d.]+),([-\d.]+)", edge.group(3))[-1][1])
        parent = cat.table(fk["parent"])
        ref = fk["ref_columns"][0]
        ref_label = ("PK " if ref in parent.primary_key.columns else "") + ref
        assert abs(start_y - (_text_y(two, fk["from"], "FK " + fk["columns"][0]) - 4)) < 10, fk["name"]
        assert abs(end_y - (_text_y(two, fk["to"], ref_label) - 4)) < 10, fk["name"]
    assert len(meta["fks"]) == 3


def test_in_a_large_schema_the_distance_two_view_is_written_for_the_browser_as_the_build_would_draw_it(fresh_db):
    """At `browser_layout_min_tables` the distance-2 view becomes DOT text and metadata (.graph.json), the
    first view stays an SVG; Graphviz reading that DOT draws the SVG the build draws, byte for byte, with
    names that hold quotes, backslashes (`\\N` would be the node's name) and markup."""
    import json

    import pygraphviz

    odd = 'own"ers\\N<b>\\'
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, {} text NOT NULL UNIQUE, name text)").format(
            sql.Identifier(odd), sql.Identifier('co"de\\')))
        conn.execute(sql.SQL("CREATE TABLE projects (id bigint PRIMARY KEY,"
                             " owner_code text NOT NULL REFERENCES {} ({}), title text)").format(
            sql.Identifier(odd), sql.Identifier('co"de\\')))
        conn.execute("CREATE TABLE scenes (id bigint PRIMARY KEY, project_id bigint NOT NULL REFERENCES projects,"
                     " title text); CREATE TABLE shots (id bigint PRIMARY KEY, scene_id bigint REFERENCES scenes)")
    cat = reflect_settings(fresh_db)
    built = erd_files(cat, tables=[("public", "scenes")])
    assert "tables/scenes.d2.svg" in built and not any(p.endswith(erd.BROWSER) for p in built)
    assert not any(p.startswith("assets/vendor/") for p in built)
    files = erd_files(cat, DocsConfig(browser_layout_min_tables=4), tables=[("public", "scenes")])
    page = files["tables/scenes.md"].decode()
    assert 'data-src="scenes.svg"' in page and 'data-x121-view="scenes.d2.graph.json"' in page
    assert "tables/scenes.d2.svg" not in files and files["tables/scenes.svg"] == built["tables/scenes.svg"]
    assert files["assets/vendor/viz-global.js"].startswith(b"/*!\nViz.js 3.31.0")
    graph = json.loads(files["tables/scenes.d2.graph.json"])
    server = built["tables/scenes.d2.svg"].decode().rstrip("\n")
    assert graph["meta"] == svg_meta(server) and odd in {t["name"] for t in graph["meta"]["tables"]}
    drawn = erd.normalize_svg(pygraphviz.AGraph(string=graph["dot"]).draw(format="svg", prog="dot"), graph["meta"])
    assert erd.ASPECT_MIN <= drawn.aspect <= erd.ASPECT_MAX  # the build kept its first layout too
    assert drawn.text == server
    # one schema table fewer than the threshold: laid out by the build again
    below = erd_files(cat, DocsConfig(browser_layout_min_tables=5), tables=[("public", "scenes")])
    assert "tables/scenes.d2.svg" in below and not any(p.endswith(erd.BROWSER) for p in below)


def _boxes(svg: str) -> dict[int, tuple[float, float, float, float]]:
    """Each box of a diagram (by its index in the metadata): the bounds of its polygons."""
    out = {}
    for m in _NODE.finditer(svg):
        points = [tuple(map(float, p.split(","))) for pts in re.findall(r'points="([^"]+)"', m.group(2))
                  for p in pts.split()]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        out[int(m.group(1))] = (min(xs), min(ys), max(xs), max(ys))
    return out


def test_a_lookup_with_many_referrers_is_drawn_as_a_compact_disc_around_it(fresh_db, monkeypatch):
    """A star dot can only stack in one rank is laid out by twopi around its centre; its first ring starts
    near the radius of a disc that holds the leaves (erd._ring), so the boxes fill the diagram rather than
    crowd its centre with a few flung far out (from a fixed ring they covered 0.3-1.8 % of it), and none
    overlaps another."""
    referrers = 150
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("CREATE TABLE shot_statuses (id bigint PRIMARY KEY, name text NOT NULL UNIQUE)")
        conn.execute("".join(f"CREATE TABLE shot_{i:03d} (id bigint PRIMARY KEY,"
                             f" status_id bigint NOT NULL REFERENCES shot_statuses);" for i in range(referrers)))
    cat = reflect_settings(fresh_db)
    progs = []
    render = erd._render
    monkeypatch.setattr(erd, "_render", lambda g, prog="dot": progs.append(prog) or render(g, prog))
    svg = erd_files(cat, tables=[("public", "shot_statuses")])["tables/shot_statuses.svg"].decode()
    assert progs[-1] == "twopi", progs
    meta = svg_meta(svg)
    boxes = _boxes(svg)
    assert len(boxes) == referrers + 1 == len(meta["tables"])
    xs = [v for b in boxes.values() for v in (b[0], b[2])]
    ys = [v for b in boxes.values() for v in (b[1], b[3])]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert 1 / 3 <= width / height <= 3
    cover = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes.values()) / (width * height)
    assert cover >= 0.05, f"the boxes cover {cover:.1%} of the diagram"
    overlaps = [(i, j) for i, a in boxes.items() for j, b in boxes.items()
                if i < j and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert not overlaps
    focus = boxes[meta["start"]]
    assert meta["tables"][meta["start"]]["name"] == "shot_statuses"
    centre = ((focus[0] + focus[2]) / 2 - min(xs)) / width, ((focus[1] + focus[3]) / 2 - min(ys)) / height
    assert all(0.35 <= c <= 0.65 for c in centre), centre
