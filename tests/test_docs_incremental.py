"""Incremental docs builds: a rebuild after one comment changes renders only what changed, and the
site it leaves (pages, search index, sitemap) is byte for byte the one a full build makes."""

from __future__ import annotations

import json
from pathlib import Path

from docs_support import load_sql, tree

from x121_docs.docs import erd_cache, forked, incremental
from x121_docs.docs.build import build
from x121_docs.docs.pages import tables


def _schema(n: int) -> str:
    out = ["CREATE TABLE kinds (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);",
           "COMMENT ON TABLE kinds IS 'Kinds of thing.';"]
    for i in range(n):
        ref = f", t{i - 1:02d}_id bigint REFERENCES t{i - 1:02d} ON DELETE CASCADE" if i % 5 else ""
        out += [f"CREATE TABLE t{i:02d} (id bigserial PRIMARY KEY, name text NOT NULL, "
                f"kind_id bigint NOT NULL REFERENCES kinds{ref});",
                f"COMMENT ON TABLE t{i:02d} IS 'Table number {i}.';",
                f"COMMENT ON COLUMN t{i:02d}.name IS 'Name of a t{i:02d} row.';"]
    return "\n".join(out)


def _search(site: Path) -> dict[str, str]:
    return {d["location"]: d["text"] for d in json.loads((site / "search/search_index.json").read_text())["docs"]}


def test_rebuild_after_one_comment_renders_that_page_and_equals_a_full_build(fresh_db, tmp_path, monkeypatch):
    """Also the layout cache (docs/erd_cache.py): a comment change lays out no diagram again, a schema
    change only the diagrams it touches (a damaged entry is laid out again, unused ones are pruned), and
    the clean full build is made by two forked workers, as large schemas are: the same files either way."""
    load_sql(fresh_db, _schema(12))
    inc, full = tmp_path / "inc", tmp_path / "full"
    for root in (inc, full):
        root.mkdir()
    first = build(fresh_db, inc)
    cached, drawn = first.layouts
    assert cached == 0 and drawn >= first.generated.diagrams > 0
    cache = inc / erd_cache.FOLDER
    assert len(sorted(cache.rglob("*.svg"))) == drawn
    site = inc / "site"
    untouched = site / "generated/tables/t07.html"
    mtime = untouched.stat().st_mtime_ns
    index = _search(site)
    assert "Table number 3." in index["generated/tables/t03.html"]
    # searched: names and comments; not the constraint and index tables
    assert "Name of a t03 row." in index["generated/tables/t03.html#columns"]
    assert "generated/tables/t03.html#indexes" not in index and "generated/tables/t03.html#constraints" not in index

    load_sql(fresh_db, "COMMENT ON TABLE t03 IS 'A changed comment for t03.';")
    again = build(fresh_db, inc)
    assert again.layouts == (drawn, 0), "a comment change laid out a diagram again"
    assert untouched.stat().st_mtime_ns == mtime, "an unchanged table page was rendered again"
    assert "A changed comment for t03." in (site / "generated/tables/t03.html").read_text()
    index = _search(site)
    assert "A changed comment for t03." in index["generated/tables/t03.html"]
    assert "Table number 7." in index["generated/tables/t07.html"], "the dirty build lost unchanged pages' entries"

    monkeypatch.setattr(tables, "PARALLEL_MIN_TABLES", 1)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    started = []
    monkeypatch.setattr(tables, "_parallel", lambda *a, real=tables._parallel: started.append(a[-1]) or real(*a))
    clean = build(fresh_db, full)
    assert started == [2] and clean.layouts == (0, drawn)
    assert tree(inc / "docs/generated") == tree(full / "docs/generated")
    assert tree(site) == tree(full / "site")
    monkeypatch.undo()

    # a new table changes the set of pages: a full build (every page rendered again)
    load_sql(fresh_db, "CREATE TABLE t99 (id bigserial PRIMARY KEY); COMMENT ON TABLE t99 IS 'Late table.';"
                       "ALTER TABLE t03 ADD COLUMN late_note text;")
    sorted(cache.rglob("*.svg"))[0].write_text("not a cached layout")  # laid out again, not trusted
    third = build(fresh_db, inc)
    cached3, drawn3 = third.layouts
    assert cached3 > 0 and 2 <= drawn3 < cached3
    assert len(sorted(cache.rglob("*.svg"))) == cached3 + drawn3, "entries of the previous build were not pruned"
    assert not any(b"not a cached layout" in e.read_bytes() for e in cache.rglob("*.svg"))
    assert untouched.stat().st_mtime_ns != mtime
    assert "Late table." in _search(site)["generated/tables/t99.html"]


def test_failed_build_forces_a_full_build_next_time(fresh_db, tmp_path):
    load_sql(fresh_db, _schema(3))
    build(fresh_db, tmp_path)
    staging = tmp_path / incremental.STAGING
    assert incremental.previous_key(staging)
    (tmp_path / "docs/broken.md").write_text("[a link to nowhere](missing.md)\n")
    try:
        build(fresh_db, tmp_path)
    except Exception as exc:  # noqa: BLE001 - the WorkbenchError naming the page
        assert "missing.md" in str(exc)
    else:
        raise AssertionError("a broken link passed --strict")
    assert incremental.previous_key(staging) is None


NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "02_migrations.ipynb"
CACHED_IMPORTS = """
import sys
from pathlib import Path
from x121_docs.docs.notebooks import convert_notebooks
pages = convert_notebooks(Path(sys.argv[1]), Path(sys.argv[2]))
print(len(pages), "nbformat" in sys.modules, "nbconvert" in sys.modules)
"""


def test_notebook_pages_come_from_their_cache_without_nbformat_until_a_notebook_changes(tmp_path):
    """docs/notebooks.py: a cached conversion is the conversion byte for byte, imports neither nbformat
    nor nbconvert (~1.2 s of a small project's build), and a changed or damaged notebook entry is converted
    again; the folder keeps only the entries of the last build."""
    import subprocess
    import sys

    from x121_docs.docs.notebooks import convert_notebooks

    folder, cache = tmp_path / "notebooks", tmp_path / "cache"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(NOTEBOOK.read_bytes())
    fresh = convert_notebooks(folder)  # no cache: what `docs check` compares with
    assert len(fresh) == 1 and fresh[0].markdown.startswith("<!-- source: notebooks/a.ipynb -->")
    assert convert_notebooks(folder, cache) == fresh and len(list(cache.glob("*.json"))) == 1
    run = subprocess.run([sys.executable, "-c", CACHED_IMPORTS, str(folder), str(cache)],
                         capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["1", "False", "False"], run.stdout + run.stderr
    assert convert_notebooks(folder, cache) == fresh

    # a changed notebook is converted again, and the old entry goes
    nb = json.loads(NOTEBOOK.read_text())
    heading = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    heading["source"] = ["# Changed: " + "".join(heading["source"]).lstrip("# ")]
    (folder / "a.ipynb").write_text(json.dumps(nb))
    changed = convert_notebooks(folder, cache)
    assert changed != fresh and changed == convert_notebooks(folder)
    assert "Changed: " in changed[0].title and len(list(cache.glob("*.json"))) == 1
    # a damaged entry is converted again (and repaired)
    (entry,) = cache.glob("*.json")
    entry.write_text(entry.read_text()[:100])
    assert convert_notebooks(folder, cache) == changed
    assert json.loads(entry.read_text())["title"] == changed[0].title


def test_the_live_sites_generation_reuses_the_pages_that_read_no_live_figure(fresh_db, tmp_path):
    """`docs build` generates twice (the committed pages, then the live site's): the second takes the
    first's schema facts and the files of every page whose module says `LIVE = False`. Those files are
    the ones a generation from nothing makes, on a schema with partitions, lookups, rows and a ledger."""
    from dataclasses import replace

    from docs_support import load_everything

    from x121_docs.docs import pages
    from x121_docs.docs.build import collect
    from x121_docs.docs.config import DocsConfig

    load_everything(fresh_db)
    load_sql(fresh_db, "INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'running'); ANALYZE;")
    config = DocsConfig()
    inputs = collect(fresh_db, config, tmp_path, {}, live=fresh_db)
    assert inputs.live is not None
    drawn: dict = {}
    committed = pages.generate(replace(inputs, live=None), config, diagrams=drawn)
    reused = pages.generate(inputs, config, diagrams=drawn, reuse=committed)
    fresh = pages.generate(inputs, config, diagrams=drawn)
    assert reused.files == fresh.files
    assert reused.erd is committed.erd
    kept = [p for page in pages.REGISTRY if not page.LIVE for p in reused.by_page[page.PATH]]
    assert "cascades.md" in kept and "erd.md" in kept
    assert all(reused.files[p] is committed.files[p] for p in kept)
    assert reused.files["tables.md"] != committed.files["tables.md"]  # a live page, made again


def test_a_page_that_says_it_reads_no_live_figure_reads_none():
    """What the reuse above relies on, for pages the test schema may not exercise: a `LIVE = False`
    module and its templates never touch the live figures."""
    import inspect
    import re

    from x121_docs.docs import pages

    for page in pages.REGISTRY:
        if page.LIVE:
            continue
        source = Path(inspect.getfile(page))
        texts = [source.read_text()] + [p.read_text() for p in source.parent.glob(f"{source.stem}*.md.j2")]
        for text in texts:
            assert not re.search(r"\.live\b|\blive\(|live_figures|\.rows\(", text), f"{page.__name__} reads live figures"


def test_the_relation_pages_workers_run_beside_the_other_pages_and_stop_when_one_fails(fresh_db, tmp_path,
                                                                                      monkeypatch):
    """The forked workers start before the other pages and the linter's report (`meanwhile`), which the
    parent makes while they draw; the pages equal a serial generation. A page that fails in the parent
    stops the workers: the error reaches the caller and no worker process is left behind."""
    from dataclasses import replace

    from x121_docs.docs import pages
    from x121_docs.docs.build import _compliance, _lint_config, collect
    from x121_docs.docs.config import DocsConfig
    from x121_docs.docs.pages import cascades

    load_sql(fresh_db, _schema(6))
    config = DocsConfig()
    inputs = collect(fresh_db, config, tmp_path, {})
    serial = pages.generate(inputs, config)
    assert inputs.compliance is not None

    monkeypatch.setattr(tables, "PARALLEL_MIN_TABLES", 1)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    seen = []

    def meanwhile(done):  # noqa: ANN001, ANN202
        seen.append(len(forked.running()))
        return replace(done, **_compliance(done.catalog, _lint_config(tmp_path)))

    parallel = pages.generate(replace(inputs, compliance=None), config, meanwhile=meanwhile)
    assert seen == [2], "the linter's report was not made while the workers ran"
    assert parallel.files == serial.files and parallel.by_page == serial.by_page

    def fail(ctx):  # noqa: ANN001, ANN202
        raise RuntimeError("a page failed")

    monkeypatch.setattr(cascades, "write", fail)
    try:
        pages.generate(inputs, config)
    except RuntimeError as exc:  # its traceback still holds the generation's frames (and so its pool)
        assert str(exc) == "a page failed"
        assert forked.running() == [], "the workers outlived the failed generation"
    else:
        raise AssertionError("the failure did not reach the caller")


def test_a_live_build_with_forked_workers_equals_a_serial_one(fresh_db, tmp_path, monkeypatch):
    """`docs build --live` generates twice; the second generation's workers get the first one's diagrams
    by cache key (their text is read from the layout cache), the site the same as a serial build's."""
    load_sql(fresh_db, _schema(6))
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for root in (serial, parallel):
        root.mkdir()
    build(fresh_db, serial, live=fresh_db)
    monkeypatch.setattr(tables, "PARALLEL_MIN_TABLES", 1)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    started = []
    monkeypatch.setattr(tables, "_parallel", lambda *a, real=tables._parallel: started.append(a[-1]) or real(*a))
    build(fresh_db, parallel, live=fresh_db)
    assert started == [2, 2], "both generations should fork"
    assert tree(parallel / "site") == tree(serial / "site")
    assert tree(parallel / "docs/generated") == tree(serial / "docs/generated")


def test_the_cascades_page_comes_from_the_cache_until_a_relation_or_fk_changes(fresh_db, tmp_path, monkeypatch):
    """A comment changes nothing the Cascades page shows: the rebuild takes it from the build's cache. An FK
    action or a new table makes it again; either way it is the page a generation from nothing writes."""
    from x121_docs.docs import pages
    from x121_docs.docs.build import collect
    from x121_docs.docs.config import DocsConfig
    from x121_docs.docs.pages import cascades

    load_sql(fresh_db, _schema(6))
    made = []
    monkeypatch.setattr(cascades, "_write", lambda ctx, real=cascades._write: made.append(1) or real(ctx))

    def page() -> bytes:
        fresh = pages.generate(collect(fresh_db, DocsConfig(), tmp_path, {}), DocsConfig()).files["cascades.md"]
        built = (tmp_path / "docs/generated/cascades.md").read_bytes()
        assert built == fresh, "the cached Cascades page is not the one made from nothing"
        return built

    build(fresh_db, tmp_path, with_site=False)
    first, n = page(), len(made)
    load_sql(fresh_db, "COMMENT ON TABLE t03 IS 'Another comment.';")
    build(fresh_db, tmp_path, with_site=False)
    assert page() == first and len(made) == n + 1  # +1: the generation from nothing, not the build
    load_sql(fresh_db, "ALTER TABLE t02 DROP CONSTRAINT t02_t01_id_fkey, ADD CONSTRAINT t02_t01_id_fkey "
                       "FOREIGN KEY (t01_id) REFERENCES t01 ON DELETE SET NULL;")
    build(fresh_db, tmp_path, with_site=False)
    changed = page()
    assert changed != first and b"SET NULL" in changed and len(made) == n + 3
    for entry in (tmp_path / erd_cache.FOLDER).rglob("*.json"):
        entry.write_text("{damaged")
    build(fresh_db, tmp_path, with_site=False)
    assert page() == changed and len(made) == n + 5
