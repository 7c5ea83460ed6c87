"""`docs check` (drift), our own schema, secrets, and the docs settings file."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import MIGRATIONS_DIR
from docs_support import html_rows, load_everything, load_sql, md_dicts, md_rows, section, tree

from x121_docs.catalog import graph, reflect_settings
from x121_docs.config import Secret
from x121_docs.database.connect import resolve
from x121_docs.docs import erd_cache, site
from x121_docs.docs.build import build, produce
from x121_docs.docs.check import compare
from x121_docs.docs.config import CONFIG_FILE, load_config
from x121_docs.docs.pages import LIVE_CLOSE, LIVE_OPEN
from x121_docs.migrate import run_migrations

GEN = Path("docs/generated")
EMPTY_LIVE = LIVE_OPEN + LIVE_CLOSE


def _write(folder: Path, version: int, name: str, body: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{version}_{name}.sql").write_text(body)


def test_check_fails_after_a_migration_changes_the_schema_but_not_after_data(fresh_db, run_cli, cli_env):
    mig = cli_env / "migrations"
    _write(mig, 20260101000000, "create_things", "CREATE TABLE things (id bigint PRIMARY KEY, name text NOT NULL);")
    run_migrations(fresh_db, mig)
    _write(mig, 20260102000000, "add_colour", "ALTER TABLE things ADD COLUMN colour text;")  # not applied yet
    assert run_cli("docs", "build")[0] == 0
    ledger = md_rows((cli_env / GEN / "migrations.md").read_text(), "| Version |")
    assert [(r[0], r[2]) for r in ledger] == [("[20260101000000](migrations/20260101000000.md)", "applied"),
                                              ("[20260102000000](migrations/20260102000000.md)", "**pending**")]
    code, out, err = run_cli("docs", "check")
    assert code == 0 and "matches the live schema" in out, err

    # data only (rows, statistics): still clean
    load_sql(fresh_db, "INSERT INTO things SELECT g, 'x' FROM generate_series(1, 500) g; ANALYZE things;")
    assert run_cli("docs", "check")[0] == 0

    # a committed page that still holds a live value is drift: `docs build` would rewrite it
    listing = cli_env / GEN / "tables.md"
    committed = listing.read_text()
    listing.write_text(committed + '\n<span class="x121-live">500</span>\n')
    code, _, err = run_cli("docs", "check")
    assert code == 1 and "changed: tables.md" in err and "500" in err
    listing.write_text(committed)

    run_migrations(fresh_db, mig)
    code, out, err = run_cli("docs", "check")
    assert code == 1
    assert "changed: tables/things.md" in err and "colour" in err
    assert "changed: migrations.md" in err
    assert "Run `x121-docs docs build`" in err
    assert run_cli("docs", "build")[0] == 0 and run_cli("docs", "check")[0] == 0


def test_main_build_migrates_our_schema_and_builds_its_site(server_settings, db_name, run_cli, cli_env):
    """The README's main command (`x121-docs build`): bootstrap, migrate, docs; the site path printed last."""
    if not MIGRATIONS_DIR.is_dir():
        pytest.skip(f"no {MIGRATIONS_DIR}: the schema's migrations are not in this checkout")
    (cli_env / "migrations").symlink_to(MIGRATIONS_DIR)
    code, out, err = run_cli("build")
    assert code == 0, err
    assert out.rstrip().splitlines()[-1] == f"site: {cli_env / 'site/index.html'}"
    assert (cli_env / "site/index.html").is_file()
    vector_db = server_settings.with_database(db_name)
    gen = cli_env / GEN
    cat = reflect_settings(vector_db)
    statuses = (gen / "statuses.md").read_text()
    lookups = [t for t in cat.base_tables if t.name.endswith("_statuses") or t.name in ("roles", "job_types")]
    assert len(lookups) >= 9 and {"roles", "job_types"} <= {t.name for t in lookups}
    site_statuses = (cli_env / "site/generated/statuses.html").read_text()
    for t in lookups:  # every lookup table, roles and job types too
        values = md_dicts(section(statuses, f"## {t.name}"), "| id |")
        names = load_names(vector_db, t.name)
        assert [v["name"] for v in values] == names and names  # every seeded value, in sort order
        assert all("Rows using it" not in v for v in values)  # no live source: no count column, no zeros
        assert [v[1] for v in html_rows(site_statuses, t.name)] == names
    assert "Rows using it" not in site_statuses and "docs build --live" in statuses
    fks = md_rows((gen / "cascades.md").read_text(), "| Child table |")
    assert len(fks) == len(graph.declared_foreign_keys(cat)) > 10
    assert any("→" in p.read_text() for p in (gen / "tables").glob("*.svg"))  # statuses folded into columns
    ledger = md_rows((gen / "migrations.md").read_text(), "| Version |")
    assert len(ledger) == len(list(MIGRATIONS_DIR.glob("*.sql"))) and all(r[2] == "applied" for r in ledger)
    # CI's `docs check` on this checkout (its database is x121_x121): the committed docs/generated/ is what
    # these migrations build
    root = MIGRATIONS_DIR.parent
    with erd_cache.open_cache(cli_env / erd_cache.FOLDER):  # the diagrams the build just laid out
        produced, _ = produce(vector_db, root, load_config(root / CONFIG_FILE))
    as_ours = {path: body.replace(db_name.encode(), b"x121_x121") for path, body in produced.files.items()}
    drift = compare(site.read_tree(root / GEN), as_ours)
    assert drift.clean, drift.summary(str(GEN)) + "\nRun `make docs` and commit docs/generated/."


def load_names(settings, table: str) -> list[str]:
    import psycopg
    from psycopg import sql

    from x121_docs.database.connect import conn_params

    with psycopg.connect(**conn_params(settings)) as conn:
        return [r[0] for r in conn.execute(sql.SQL("SELECT name FROM {} ORDER BY sort_order, id").format(
            sql.Identifier(table)))]


def test_no_password_or_connection_detail_in_the_site(fresh_db, tmp_path):
    password = "Zq9-distinctive-Pw-7781"
    load_everything(fresh_db)
    load_sql(fresh_db, f"COMMENT ON TABLE projects IS 'Projects (old admin password {password})'")
    settings = resolve(replace(fresh_db, password=Secret(password)))
    result = build(settings, tmp_path)
    assert result.index_html.is_file()
    for name, content in {**tree(tmp_path / "docs"), **tree(tmp_path / "site")}.items():
        text = content.decode("utf-8", "replace")
        assert password not in text, name
        assert str(settings.host) not in text, name  # the server's socket folder
        assert not re.search(r"\b(password|host|user)=", text), name
    assert "********" in (tmp_path / "docs/generated/tables/projects.md").read_text()


def test_docs_settings_file_groups_and_errors(fresh_db, run_cli, cli_env):
    load_everything(fresh_db)
    (cli_env / "docs").mkdir()
    (cli_env / "docs/erd.yml").write_text("groups:\n  Production: [projects, jobs, 'app.*']\nneighbourhood_distance: 2\n")
    assert run_cli("docs", "build", "--no-site")[0] == 0
    page = (cli_env / GEN / "erd/production.md").read_text()
    assert "[jobs](../tables/jobs.md)" in page and "[app.takes](../tables/app.takes.md)" in page
    assert "configured in docs/erd.yml" in page
    assert "within 2 hops" in (cli_env / GEN / "tables/jobs.md").read_text()
    assert not (cli_env / "site").exists()

    (cli_env / "docs/erd.yml").write_text("groups:\n  - projects\nneighbourhood_distance: [\n")
    code, _, err = run_cli("docs", "build")
    assert code == 2 and "docs/erd.yml, line" in err and "Traceback" not in err
    (cli_env / "docs/erd.yml").write_text("neighbourhod_distance: 2\n")
    code, _, err = run_cli("docs", "build")
    assert code == 2 and "Unknown setting 'neighbourhod_distance'" in err
