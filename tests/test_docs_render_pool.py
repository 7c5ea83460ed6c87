"""MkDocs' pages rendered by forked workers (docs/render_pool.py): the site is byte for byte the one
MkDocs renders alone, a broken link a worker meets still fails `--strict`, and a page whose render
raises is named in the error. Large sites only use the workers (MIN_PAGES); here the bar is lowered."""

from __future__ import annotations

import shutil

import pytest
from docs_support import load_everything, same_sections, tree

from x121_docs.docs import erd_cache, forked, render_pool, search_sections
from x121_docs.docs.build import build
from x121_docs.errors import WorkbenchError


@pytest.fixture
def pooled(monkeypatch):
    """Workers for every build of the test: the RenderPool of each build."""
    made: list = []
    monkeypatch.setattr(render_pool, "MIN_PAGES", 1)
    monkeypatch.setattr(forked, "cores", lambda: 2)
    init = render_pool.RenderPool.__init__
    monkeypatch.setattr(render_pool.RenderPool, "__init__", lambda self, *a: (made.append(self), init(self, *a))[1])
    return made


@pytest.mark.parametrize("schema", ["fixture", "hostile", "pagila", "openstreetmap", "northwind"])
def test_the_workers_site_is_the_one_mkdocs_renders_alone(fresh_db, corpus_db, tmp_path, pooled, monkeypatch,
                                                         schema):
    """Also the generated tables rendered without Python-Markdown (docs/fast_tables.py) and the search
    sections read without Material's parser (docs/search_sections.py): on our schema, on names and
    comments written to break pages, and on three real schemas, the same bytes."""
    from hostile_support import build_hostile

    settings = fresh_db
    if schema == "fixture":
        load_everything(fresh_db)
    elif schema == "hostile":
        build_hostile(fresh_db)
    else:
        settings = corpus_db(schema)
    alone, forked = tmp_path / "alone", tmp_path / "forked"
    for root in (alone, forked):
        root.mkdir()
    build(settings, forked)
    n_pages = len([p for p in (forked / "docs").rglob("*.md")])
    assert [p.rendered for p in pooled] == [n_pages], "the workers did not render every page"
    assert len(pooled[0].themed) == n_pages and len(pooled[0].theme_results) == n_pages, "nor theme every page"
    assert pooled[0].fast_tables > 0
    monkeypatch.setattr(render_pool, "MIN_PAGES", 10 ** 9)
    read: list = []  # (html, our sections): the serial build takes Material's parser for every page

    def material_only(html: str, sections=search_sections.sections) -> None:
        read.append((html, sections(html)))

    monkeypatch.setattr(search_sections, "sections", material_only)
    shutil.copytree(forked / erd_cache.FOLDER, alone / erd_cache.FOLDER)  # the same diagrams, not laid out again
    build(settings, alone)
    assert [p.rendered for p in pooled] == [n_pages, 0] and not pooled[1].themed
    assert tree(forked / "site") == tree(alone / "site")
    ours = [(html, found) for html, found in read if found is not None]
    assert len(ours) >= 0.8 * len(read), f"only {len(ours)} of {len(read)} pages read without Material's parser"
    for html, found in ours:
        assert same_sections(found, html)


def test_a_broken_link_or_a_failing_page_in_a_worker_fails_the_build_and_is_named(fresh_db, tmp_path, pooled,
                                                                                 monkeypatch):
    from mkdocs.structure.pages import Page

    load_everything(fresh_db)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/broken.md").write_text("[a link to nowhere](missing.md)\n")
    with pytest.raises(WorkbenchError, match="missing.md"):
        build(fresh_db, tmp_path)
    assert pooled[0].rendered > 0, "the pages were not rendered by workers"

    (tmp_path / "docs/broken.md").unlink()
    render = Page.render

    def failing(self, config, files):  # noqa: ANN001, ANN202 - inherited by the forked workers
        if self.file.src_uri == "generated/cascades.md":
            raise ValueError("this page cannot be rendered")
        return render(self, config, files)

    monkeypatch.setattr(Page, "render", failing)
    with pytest.raises(WorkbenchError, match=r"generated/cascades\.md.*this page cannot be rendered"):
        build(fresh_db, tmp_path)
    assert pooled[1].rendered > 0


def test_a_page_whose_theme_fails_in_a_worker_fails_the_build_and_is_named(fresh_db, tmp_path, pooled, monkeypatch):
    """The theme's template raising in a worker (the parent takes the output and never renders that page)."""
    import os

    import jinja2

    load_everything(fresh_db)
    parent, render = os.getpid(), jinja2.Template.render

    def failing(self, *args, **kwargs):  # noqa: ANN001, ANN202
        page = (args[0] if args else kwargs).get("page")
        if os.getpid() != parent and page is not None and page.file.src_uri == "generated/cascades.md":
            raise ValueError("the theme cannot draw this page")
        return render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", failing)
    with pytest.raises(WorkbenchError, match=r"generated/cascades\.md.*the theme cannot draw this page"):
        build(fresh_db, tmp_path)
    assert "generated/cascades.md" in pooled[0].themed
    assert not forked.running(), "a worker was left running"
