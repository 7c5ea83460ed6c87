"""The docs site for the fixture schema with every object kind: pages checked against the catalog;
committed pages free of live values, the site showing them only with `--live`."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

import psycopg
import pytest
from docs_support import (FIXTURES, html_rows, load_everything, load_sql, md_dicts, md_rows, recreate_database,
                          section, tree)
from psycopg import sql

from x121_docs.catalog import graph, reflect_settings
from x121_docs.database.connect import conn_params
from x121_docs.docs.build import build
from x121_docs.docs.names import table_slug
from x121_docs.docs.pages import LIVE_CLOSE, LIVE_OPEN, LIVE_SPAN
from x121_docs.migrate import run_migrations

GEN = Path("docs/generated")
EMPTY_LIVE = LIVE_OPEN + LIVE_CLOSE


def test_site_for_fixture_schema_matches_catalog_and_is_deterministic(fresh_db, run_cli, cli_env):
    load_everything(fresh_db)
    # known rows for the status usage counts: 2 jobs queued, 1 running, none done
    load_sql(fresh_db, """
        INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'running'), (3, 'done');
        INSERT INTO projects (id, name) VALUES (1, 'p');
        INSERT INTO jobs (project_id, job_status_id) VALUES (1, 1), (1, 1), (1, 2);
        COMMENT ON COLUMN vehicles.wheels IS 'How many wheels touch the road';
    """)
    code, out, err = run_cli("docs", "build", "--live")  # live figures from the documented database itself
    assert code == 0, err
    root = cli_env
    assert (root / "site/index.html").is_file() and f"site: {root / 'site/index.html'}" in out
    cat = reflect_settings(fresh_db)
    gen = root / GEN

    # one page per relation (partitions too), each built into the site
    for t in cat.tables:
        assert (gen / "tables" / f"{table_slug(t)}.md").is_file(), t.key
        assert (root / "site/generated/tables" / f"{table_slug(t)}.html").is_file(), t.key
    assert re.fullmatch(r"audit\.useractions-[0-9a-f]{8}", table_slug(cat.table("UserActions", "Audit")))

    # every declared FK in the cascade table with its actions, and nothing else
    cascades = (gen / "cascades.md").read_text()
    rows = md_rows(cascades, "| Child table |")
    got = {(r[6], re.sub(r"\]\(.*", "", r[0]).lstrip("["), r[1], r[3], r[4]) for r in rows}
    want = {(fk.name, fk.table if fk.schema == "public" else f"{fk.schema}.{fk.table}", ", ".join(fk.columns),
             fk.on_delete, fk.on_update) for fk in graph.declared_foreign_keys(cat)}
    assert got == want and len(rows) == len(want) == 8
    projects = section(cascades, "### projects")
    assert "**Loses rows:** app.takes, jobs, measurements" not in projects  # shots RESTRICT stops takes
    assert "**Loses rows:** jobs, measurements" in projects
    assert "**Refuses the delete:** Audit.UserActions, app.shots" in projects
    assert "**Gets NULLs:** jobs" in projects  # jobs.parent_job_id, reached through the cascade

    # status values with their usage counts: shown in the live site; the committed pages have no count
    # column at all (never zeros that look like data) and say how to get them
    counts = {r[1]: r[-2] for r in html_rows((root / "site/generated/statuses.html").read_text(), "job_statuses")}
    assert counts == {"queued": "2", "running": "1", "done": "0"}
    statuses = (gen / "statuses.md").read_text()
    values = md_dicts(section(statuses, "## job_statuses"), "| id |")
    assert [v["name"] for v in values] == ["queued", "running", "done"]
    assert all("Rows using it" not in v and "By column" not in v for v in values)
    assert "docs build --live" in statuses and LIVE_OPEN not in statuses

    # table pages: FKs in and out with actions in their own columns, indexes, triggers, enums, partitions
    jobs = (gen / "tables/jobs.md").read_text()
    out_rows = md_rows(jobs, "| Name | Columns | References |")
    assert ["fk_jobs_parent", "parent_job_id", "[jobs](jobs.md)", "SET NULL", "NO ACTION", "id",
            "self-reference"] in out_rows  # the actions next to the referenced table
    idx = {r["Name"]: r for r in md_dicts(jobs, "| Name | Method | Keys |")}
    assert idx["idx_jobs_open"]["Method"] == "btree" and idx["idx_jobs_open"]["Include"] == "priority"
    assert idx["idx_jobs_open"]["Partial predicate"] == "`status IS NOT NULL`"
    assert "job_status_id → job_statuses" in (gen / "tables/jobs.svg").read_text()  # folded lookup
    projects_page = (gen / "tables/projects.md").read_text()
    assert "| trg_projects_updated_at | BEFORE | UPDATE | ROW |" in projects_page
    assert {"Table": "[app.shots](app.shots.md)", "Columns": "project_id", "On delete": "RESTRICT",
            "On update": "CASCADE", "Constraint": "shots_project_id_fkey"} in \
        md_dicts(projects_page, "| Table | Columns | On delete |")  # no Notes column: every row leaves it empty
    assert "enum: sad, ok, happy" in (gen / "tables/app.events.md").read_text()
    measurements = (gen / "tables/measurements.md").read_text()
    parts = md_rows(measurements, "| Partition | Bound |")
    assert [p[0] for p in parts] == ["[measurements_2025](measurements_2025.md)", "[measurements_2026](measurements_2026.md)"]
    listing = (gen / "tables.md").read_text().splitlines()
    i = next(n for n, ln in enumerate(listing) if ln.startswith("| [measurements]("))
    assert "↳ [measurements_2025]" in listing[i + 1] and "↳ [measurements_2026]" in listing[i + 2]

    # inheritance: the parent lists its children, inherited columns are marked and keep the parent's comment
    assert "inherited by [cars](cars.md)" in (gen / "tables/vehicles.md").read_text()
    cars = {r["Column"]: r for r in md_dicts((gen / "tables/cars.md").read_text(), "| # | Column |")}
    assert cars["**wheels**"]["Comment"] == "How many wheels touch the road<br>inherited from [vehicles](vehicles.md)"
    assert cars["**doors**"].get("Comment", "") == ""
    assert "view it with `x121-docs docs serve --no-build`" in out

    # diagrams: SVG files framed on the pages (the script inlines them), every box links to a page
    # that exists in the site
    erd_page = (gen / "erd.md").read_text()
    assert '<div class="x121-erd" data-src="erd-schema.svg"' in erd_page and "<svg" not in erd_page
    assert (gen / "erd-schema.svg").read_text().startswith("<svg")
    svg_files = [p for p in gen.rglob("*.svg")]
    assert len(svg_files) > len(cat.tables) // 2
    for svg in svg_files:
        text = svg.read_text()
        assert "<!--" not in text and ' id="' not in text
        folder = PurePosixPath("generated") / svg.parent.relative_to(gen).as_posix()
        for href in re.findall(r'xlink:href="([^"]+)"', text):
            target = (root / "site" / folder / href).resolve()
            assert target.is_file(), (svg, href)

    # determinism: a second build changes nothing, in the pages nor in the site
    before_gen, before_site = tree(gen), tree(root / "site")
    code, out, _ = run_cli("docs", "build", "--live")
    assert code == 0 and "(0 written, 0 removed)" in out
    assert tree(gen) == before_gen
    assert tree(root / "site") == before_site


def test_committed_pages_are_the_same_on_any_database_and_only_the_site_shows_live_values(fresh_db, tmp_path):
    """Two databases of one name and schema (a fresh clone, CI) with different data: status usage, row
    estimates, ledger times.  docs/generated/ comes out byte-identical with every live span empty; the
    two sites differ only inside the live spans (and in the search index, which holds their text)."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "20260101000000_everything.sql").write_text((FIXTURES / "everything.sql").read_text())
    settings = replace(fresh_db, migrations_dir=migrations)
    seed = "INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'running'), (3, 'done'); " \
           "INSERT INTO projects (id, name) VALUES (1, 'p');"
    data = {"a": "INSERT INTO jobs (project_id, job_status_id) SELECT 1, 1 + (g % 2) FROM generate_series(1, 301) g;"
                 "ANALYZE jobs;",
            "b": "UPDATE _sqlx_migrations SET installed_on = installed_on - interval '1 day', "
                 "execution_time = execution_time + 7000000;"}
    for name, sql_text in data.items():
        if name != "a":
            recreate_database(settings)
        run_migrations(settings, migrations)
        load_sql(settings, seed + sql_text)
        build(settings, tmp_path / name, live=settings)
    a, b = tmp_path / "a", tmp_path / "b"

    committed = tree(a / GEN)
    assert committed == tree(b / GEN)
    assert not any(LIVE_OPEN.encode() in content for content in committed.values())  # no live figure at all

    site_a, site_b = tree(a / "site"), tree(b / "site")
    assert site_a.keys() == site_b.keys()
    differing = {p for p in site_a if site_a[p] != site_b[p]}
    assert {"generated/statuses.html", "generated/migrations.html", "generated/tables.html",
            "generated/tables/jobs.html", "search/search_index.json"} <= differing
    for path in differing - {"search/search_index.json"}:
        assert path.endswith(".html")
        blank = [LIVE_SPAN.sub(EMPTY_LIVE, site[path].decode()) for site in (site_a, site_b)]
        assert blank[0] == blank[1], path
    statuses = [{r[1]: r[-2] for r in html_rows((site / "site/generated/statuses.html").read_text(), "job_statuses")}
                for site in (a, b)]
    assert statuses == [{"queued": "150", "running": "151", "done": "0"},
                        {"queued": "0", "running": "0", "done": "0"}]
    ledger = [html_rows((site / "site/generated/migrations.html").read_text(), "migrations")[0] for site in (a, b)]
    assert ledger[0][3] and ledger[1][3] and ledger[0][3] != ledger[1][3]  # applied at, shown and different


def test_live_figures_come_from_the_live_database_and_only_with_live(fresh_db, server_settings, run_cli, cli_env,
                                                                     monkeypatch):
    """The schema from the documented database (no rows), the figures from the one LIVE_DB_* names."""
    load_everything(fresh_db)
    load_sql(fresh_db, "INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'running'), (3, 'done');")
    live = replace(fresh_db, name=f"{fresh_db.name}_live")
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(live.name)))
    try:
        load_everything(live)
        load_sql(live, """
            INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'running'), (3, 'done');
            INSERT INTO projects (id, name) VALUES (1, 'p');
            INSERT INTO jobs (project_id, job_status_id) SELECT 1, 3 FROM generate_series(1, 5);
        """)
        monkeypatch.setenv("LIVE_DB_NAME", live.name)
        code, _, err = run_cli("docs", "build", "--live")
        assert code == 0, err
        site_page = (cli_env / "site/generated/statuses.html").read_text()
        assert {r[1]: r[-2] for r in html_rows(site_page, "job_statuses")} == {"queued": "0", "running": "0",
                                                                               "done": "5"}
        code, _, err = run_cli("docs", "build")  # no live source: no count column in the site either
        assert code == 0, err
        site_page = (cli_env / "site/generated/statuses.html").read_text()
        assert "Rows using it" not in site_page and "docs build --live" in site_page
        assert [r[1] for r in html_rows(site_page, "job_statuses")] == ["queued", "running", "done"]
    finally:
        with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(live.name)))


def test_pages_without_live_figures_read_no_row_of_a_referencing_table(fresh_db, role, tmp_path):
    """The committed pages show a lookup table's values, never how many rows use them (a live figure):
    a build reads the lookup tables' rows and none of the tables that reference them.  So a role that
    may read the lookups only documents the database, and a build never counts a big table's rows."""
    load_everything(fresh_db)
    load_sql(fresh_db, "INSERT INTO job_statuses (id, name) VALUES (1, 'queued'), (2, 'done');")
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("REVOKE SELECT ON jobs FROM {}").format(sql.Identifier(role)))
    with psycopg.connect(autocommit=True, **conn_params(replace(fresh_db, user=role))) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the role cannot read what references the lookup
            conn.execute("SELECT count(*) FROM jobs")
    build(replace(fresh_db, user=role), tmp_path)
    page = (tmp_path / "site/generated/statuses.html").read_text()
    assert [r[1] for r in html_rows(page, "job_statuses")] == ["queued", "done"] and "Rows using it" not in page
