"""One figure per metric: every number the site shows on two pages (or twice on one) is the same,
for the platform's own schema (its migrations applied to a fresh database)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from docs_support import md_dicts, md_rows, section

from x121_docs.catalog import graph, reflect_settings
from x121_docs.docs.build import build
from x121_docs.migrate import run_migrations

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
GEN = Path("docs/generated")


def _link_text(cell: str) -> str:
    return re.sub(r"^\[(.*)\]\(.*\)$", r"\1", cell)


def _share(value: str) -> tuple[int, int]:
    m = re.search(r"\((\d+)/(\d+)\)", value)
    assert m, value
    return int(m.group(1)), int(m.group(2))


def test_every_figure_shown_twice_is_equal(vector_db, tmp_path):
    if not MIGRATIONS.is_dir():
        pytest.skip(f"no {MIGRATIONS}")
    run_migrations(vector_db, MIGRATIONS)
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())  # the linter's settings
    build(vector_db, tmp_path, with_site=False)
    gen = tmp_path / GEN
    overview = (gen / "index.md").read_text()
    counts = {html.unescape(_link_text(r["What"])): int(r["Count"]) for r in md_dicts(section(overview, "## Counts"), "| What |")}
    coverage = {html.unescape(r["Objects"]): (int(r["With a comment"]), int(r["Total"]), r["Coverage"])
                for r in md_dicts(section(overview, "## Comment coverage"), "| Objects |")}
    checks = {html.unescape(r["Check"]): (int(r["Passing"]), int(r["Total"]))
              for r in md_dicts(section(overview, "## Compliance"), "| Check |")}
    overview_lint = {html.unescape(r["Metric"]): r["Value"] for r in md_dicts(section(overview, "## Compliance"), "| Metric |")}
    conventions = (gen / "conventions.md").read_text()
    lint = {html.unescape(r["Metric"]): r["Value"] for r in md_dicts(section(conventions, "### Success metrics"), "| Metric |")}
    cat = reflect_settings(vector_db)

    # the linter's figures: the same on the Overview and on Conventions
    assert overview_lint == lint and len(lint) >= 5
    # comment coverage: the Overview's (catalog.facts) is the linter's, and its parts add up
    overall = coverage["Tables and their columns (the linter's comment coverage)"]
    assert overall[:2] == _share(lint["Tables and columns with a comment"])
    assert overall[0] == coverage["Tables"][0] + coverage["Columns of tables"][0]
    assert overall[1] == coverage["Tables"][1] + coverage["Columns of tables"][1]
    assert coverage["Columns of tables"][1] == counts["Columns of tables (own, not inherited)"]
    # FK covered by an index: one definition
    assert checks["Foreign keys with a covering btree index"] == _share(lint["FKs covered by an index"])
    # foreign keys: Overview, the Cascades sentence, the Cascades table, the action counts
    cascades = (gen / "cascades.md").read_text()
    n_fks = len(graph.declared_foreign_keys(cat))
    assert counts["Foreign keys"] == n_fks == len(md_rows(cascades, "| Child table |"))
    assert f"{n_fks} foreign keys" in cascades
    assert sum(int(r[1]) for r in md_rows(cascades, "| On delete | Foreign keys |")) == n_fks
    # lookup tables: Overview count = sections on Statuses
    statuses = (gen / "statuses.md").read_text()
    assert counts["Lookup tables"] == len(re.findall(r"^## ", statuses, re.M)) >= 9
    # relations: Overview counts = the Tables page's total = its rows = one page each
    tables = (gen / "tables.md").read_text()
    relations = sum(counts[k] for k in ("Tables", "Partitioned tables", "Partitions", "Views", "Materialized views",
                                        "Foreign tables"))
    assert f"{relations} relations" in tables
    assert relations == sum(len(md_rows(section(tables, h), "| Relation |"))
                            for h in re.findall(r"^## .*$", tables, re.M)) == len(list((gen / "tables").glob("*.md")))
    # columns per table: the Tables page = the table's own page
    for row in md_rows(section(tables, "## Schema `public`"), "| Relation |")[:20]:
        slug = re.search(r"\(tables/(.+)\.md\)", row[0]).group(1)
        page = (gen / "tables" / f"{slug}.md").read_text()
        assert int(row[2]) == len(md_rows(section(page, "## Columns"), "| # |")), slug
    # migrations: the page's counts = its rows
    migrations = (gen / "migrations.md").read_text()
    rows = md_rows(migrations, "| Version |")
    assert f"{len(rows)} applied, 0 pending" in migrations
    assert len(rows) == len(list(MIGRATIONS.glob("*.sql"))) == len(list((gen / "migrations").glob("*.md")))
