"""`x121-docs review` on a temporary git repository: a branch with five kinds of schema change.

The base commit holds a small schema; the branch adds a table with an FK, changes an FK's ON
DELETE action, drops a column, adds an index without CONCURRENTLY on an existing table and
changes a comment.  The report must list exactly those, with before/after, the cascade reach
change, the lock warning and a diagram with the coloured elements.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from review_support import commit_all, git, init_repo

BASE_SQL = """\
CREATE TABLE project_statuses (
    id SMALLINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
INSERT INTO project_statuses (id, name) VALUES (1, 'draft'), (2, 'active');

CREATE TABLE projects (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    status_id SMALLINT NOT NULL REFERENCES project_statuses (id) ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX idx_projects_status_id ON projects (status_id);
COMMENT ON TABLE projects IS 'A production.';

CREATE TABLE scenes (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    CONSTRAINT scenes_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX idx_scenes_project_id ON scenes (project_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    legacy_code INTEGER
);
"""

BRANCH_SQL = """\
-- the five changes under review
CREATE TABLE render_presets (
    id BIGSERIAL PRIMARY KEY,
    scene_id BIGINT NOT NULL REFERENCES scenes (id) ON DELETE CASCADE ON UPDATE CASCADE,
    label TEXT NOT NULL
);
CREATE INDEX idx_render_presets_scene_id ON render_presets (scene_id);

CREATE INDEX idx_scenes_title ON scenes (title);

ALTER TABLE scenes DROP CONSTRAINT scenes_project_id_fkey,
    ADD CONSTRAINT scenes_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id)
        ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;

ALTER TABLE users DROP COLUMN legacy_code;

COMMENT ON TABLE projects IS 'A production: one film, many scenes.';
"""

# The safe way to change an FK: NOT VALID above, VALIDATE in a migration of its own.
VALIDATE_SQL = "ALTER TABLE scenes VALIDATE CONSTRAINT scenes_project_id_fkey;\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    init_repo(root)
    (root / "migrations").mkdir()
    (root / "migrations" / "20260101000000_base.sql").write_text(BASE_SQL)
    commit_all(root, "base schema")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "migrations" / "20260102000000_presets.sql").write_text(BRANCH_SQL)
    (root / "migrations" / "20260102000100_validate.sql").write_text(VALIDATE_SQL)
    commit_all(root, "presets and friends")
    return root


EXPECTED = {
    ("table", "added", "render_presets"),
    ("foreign key", "changed", "scenes.scenes_project_id_fkey"),
    ("column", "removed", "users.legacy_code"),
    ("index", "added", "idx_scenes_title"),
    ("comment", "changed", "table projects"),
}


def _json_review(run_cli, repo: Path, *extra: str) -> dict:
    code, out, err = run_cli("review", "main", "--migrations", str(repo / "migrations"), "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_review_lists_exactly_the_changes_with_before_and_after(run_cli, repo):
    data = _json_review(run_cli, repo, "--head", "feature")
    got = {(c["kind"], c["action"], c["name"]) for c in data["changes"]}
    assert got == EXPECTED
    by = {c["name"]: c for c in data["changes"]}
    fk = by["scenes.scenes_project_id_fkey"]
    assert fk["fields"] == ["on_delete"]
    assert (fk["before"]["on_delete"], fk["after"]["on_delete"]) == ("CASCADE", "RESTRICT")
    assert by["users.legacy_code"]["before"]["type"] == "integer" and by["users.legacy_code"]["after"] is None
    assert by["table projects"]["before"] == {"comment": "A production."}
    assert by["table projects"]["after"] == {"comment": "A production: one film, many scenes."}
    added = by["render_presets"]["after"]
    assert [c["name"] for c in added["columns"]] == ["id", "scene_id", "label"]
    assert added["foreign_keys"][0]["references"] == "scenes(id)" and added["foreign_keys"][0]["on_delete"] == "CASCADE"
    assert by["idx_scenes_title"]["after"]["definition"].startswith("CREATE INDEX idx_scenes_title ON public.scenes")
    assert data["summary"]["tables_added"] == 1 and data["changed_files"] == ["20260102000000_presets.sql",
                                                                           "20260102000100_validate.sql"]


def test_review_reports_the_cascade_reach_change(run_cli, repo):
    data = _json_review(run_cli, repo, "--head", "feature")
    reach = {(r["table"], r["event"]): r for r in data["cascade_reach"]}
    projects = reach[("projects", "delete")]
    assert [(x["table"], x["outcome"]) for x in projects["no_longer_reached"]] == [("scenes", "lose rows")]
    assert [(x["table"], x["outcome"]) for x in projects["newly_reached"]] == [("scenes", "refuse")]
    scenes = reach[("scenes", "delete")]
    assert [(x["table"], x["outcome"], x["path"]) for x in scenes["newly_reached"]] == \
        [("render_presets", "lose rows", ["scenes", "render_presets"])]
    assert reach[("scenes", "update")]["newly_reached"][0]["outcome"] == "follow the new key"
    assert set(reach) == {("projects", "delete"), ("scenes", "delete"), ("scenes", "update")}


def test_review_warns_about_the_index_built_without_concurrently(run_cli, repo):
    data = _json_review(run_cli, repo, "--head", "feature")
    by_line = {s["statement"].split(" (")[0]: s for s in data["locks"]}
    index = by_line["CREATE INDEX idx_scenes_title ON scenes"]
    assert index["existing_table"] and index["risk"] == "high" and index["lock"] == "SHARE"
    assert index["blocks"] == "writes" and index["scan"] and not index["rewrite"]
    assert "CONCURRENTLY" in index["issues"][0]["alternative"]
    assert index["issues"][0]["rule"] == "squawk:require-concurrent-index-creation"
    assert index["line"] == BRANCH_SQL.splitlines().index("CREATE INDEX idx_scenes_title ON scenes (title);") + 1
    # The FK change done the safe way (NOT VALID, then VALIDATE) is not high risk; the new table is not judged.
    risks = {s["statement"]: s["risk"] for s in data["locks"]}
    assert risks["ALTER TABLE scenes VALIDATE CONSTRAINT scenes_project_id_fkey"] == "low"
    assert [r for st, r in risks.items() if st.startswith("ALTER TABLE scenes DROP CONSTRAINT")] == ["low"]
    assert [s["risk"] for s in data["locks"] if s["kind"] == "AlterTableStmt" and "DROP COLUMN" in s["statement"]] \
        == ["medium"]
    assert all(s["issues"] == [] for s in data["locks"] if not s["existing_table"])
    high = [s for s in data["locks"] if s["risk"] == "high"]
    assert high == [index]
    rules = {f["rule"] for f in data["lint"]["introduced"]}
    assert "index-concurrently" in rules  # the linter's own finding, introduced by this change


def test_review_markdown_and_diagram(run_cli, repo, tmp_path):
    svg_path = tmp_path / "changes.svg"
    code, out, err = run_cli("review", "main", "--head", "feature", "--migrations", str(repo / "migrations"),
                             "--diagram", str(svg_path), "--diagram-url", "https://example.invalid/artifacts/1",
                             "--json-output", str(tmp_path / "r.json"))
    assert code == 0, err
    assert json.loads((tmp_path / "r.json").read_text())["diagram"] == "https://example.invalid/artifacts/1"
    assert out.startswith("<!-- x121-review -->\n")
    assert "<details><summary>Before and after (5)</summary>" in out
    assert "| ~ | foreign key `scenes.scenes_project_id_fkey` | on_delete: `CASCADE` \u2192 `RESTRICT` |" in out
    assert "    - **now** `scenes`: refuse" in out and "**no longer** `scenes`: lose rows" in out
    assert "[schema-changes.svg](<https://example.invalid/artifacts/1>)" in out
    assert "**Warning:** `20260102000000_presets.sql:" in out
    svg = svg_path.read_text()
    assert svg.startswith("<svg")

    def node(name: str) -> str:
        m = re.search(r'<g class="node x121_([a-z_]+)">\s*<title>[^<]*</title>(?:(?!<g class="node).)*?>'
                      + re.escape(name) + "<", svg, re.S)
        assert m, f"no node for {name}"
        return m.group(1)

    assert node("render_presets") == "added"
    assert node("scenes") == "changed" and node("users") == "changed" and node("projects") == "changed"
    assert node("project_statuses") == "unchanged"  # a neighbour, grey
    assert "#2e7d32" in svg and "#b26a00" in svg and "#9e9e9e" in svg  # green, amber, grey
    assert re.search(r'<g class="edge x121_fk x121_changed">', svg)
    assert 'text-decoration="line-through"' in svg and "#ffebee" in svg  # the dropped column: struck out, red


def test_review_working_tree_and_no_change(run_cli, repo):
    git(repo, "checkout", "-q", "main")
    data = _json_review(run_cli, repo)
    assert data["changes"] == [] and data["head"] == "working tree"
    (repo / "migrations" / "20260103000000_wip.sql").write_text("ALTER TABLE users ADD COLUMN nickname TEXT;\n")
    data = _json_review(run_cli, repo)
    assert [(c["kind"], c["action"], c["name"]) for c in data["changes"]] == [("column", "added", "users.nickname")]
    assert data["changed_files"] == ["20260103000000_wip.sql"]


def test_possible_rename_is_one_entry(run_cli, repo):
    git(repo, "checkout", "-q", "main")
    (repo / "migrations" / "20260103000000_rename.sql").write_text(
        "ALTER TABLE users DROP COLUMN legacy_code;\nALTER TABLE users ADD COLUMN old_code INTEGER;\n")
    data = _json_review(run_cli, repo)
    assert [(c["kind"], c["action"], c["before"]["name"], c["after"]["name"]) for c in data["changes"]] == \
        [("column", "possible rename", "legacy_code", "old_code")]


def test_hostile_names_stay_text(run_cli, repo, tmp_path):
    git(repo, "checkout", "-q", "main")
    (repo / "migrations" / "20260103000000_hostile.sql").write_text(
        'CREATE TABLE "<img src=x onerror=alert(1)>" (id BIGSERIAL PRIMARY KEY, '
        '"[pwn](https://evil.invalid) @everyone `x`|" TEXT, '
        'project_id BIGINT REFERENCES projects (id) ON DELETE CASCADE ON UPDATE CASCADE);\n'
        "COMMENT ON TABLE projects IS '</details><script>alert(2)</script> ``` #1';\n")
    svg_path = tmp_path / "h.svg"
    code, out, err = run_cli("review", "main", "--migrations", str(repo / "migrations"), "--diagram", str(svg_path))
    assert code == 0, err
    # Outside code spans nothing from the catalog remains: strip every code span, then look for markup.
    stripped = re.sub(r"(`+)(?:(?!\1).)+?\1", "", out.replace("\\|", ""))
    for bad in ("<img", "<script", "</details><script", "](https://evil", "@everyone"):
        assert bad not in stripped, bad
    assert stripped.count("<details>") == stripped.count("</details>") == out.count("<details>")
    svg = svg_path.read_text()
    assert "<img" not in svg and "<script" not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg


def test_review_from_two_dumps(run_cli, repo, tmp_path, server_settings, monkeypatch):
    from x121_docs.catalog.serialize import dump
    from x121_docs.review.report import side_catalog

    base = side_catalog(server_settings, repo / "migrations")
    git(repo, "checkout", "-q", "main")
    base = side_catalog(server_settings, repo / "migrations")
    git(repo, "checkout", "-q", "feature")
    head = side_catalog(server_settings, repo / "migrations")
    dump(base, tmp_path / "base.json")
    dump(head, tmp_path / "head.json")
    code, out, err = run_cli("review", str(tmp_path / "base.json"), "--head", str(tmp_path / "head.json"),
                             "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert {(c["kind"], c["action"], c["name"]) for c in data["changes"]} == EXPECTED
    assert data["locks"] is None  # no SQL to judge
    code, out, err = run_cli("review", str(tmp_path / "base.json"))
    assert code == 2 and "needs two dump files" in err


def test_bad_ref_is_one_clear_error(run_cli, repo):
    code, out, err = run_cli("review", "no-such-branch", "--migrations", str(repo / "migrations"))
    assert code == 2 and "no-such-branch" in err and "Traceback" not in err


def test_docs_build_since_adds_a_changes_page_to_the_site_only(fresh_db, repo, tmp_path):
    from dataclasses import replace

    from x121_docs.docs.build import build
    from x121_docs.migrate.runner import run_migrations

    settings = replace(fresh_db, migrations_dir=repo / "migrations")
    run_migrations(settings, repo / "migrations")
    root = tmp_path / "project"
    build(settings, root, since="main")
    page = (root / "site" / "generated" / "changes.html").read_text()
    assert "scenes_project_id_fkey" in page and "render_presets" in page and "CONCURRENTLY" in page
    assert 'data-src="changes/schema-changes.svg"' in page
    assert "x121_added" in (root / "site" / "generated" / "changes" / "schema-changes.svg").read_text()
    assert 'href="generated/changes.html"' in (root / "site" / "index.html").read_text()  # in the navigation
    assert not (root / "docs" / "generated" / "changes.md").exists()  # committed pages stay schema-only
    build(settings, root)
    assert not (root / "site" / "generated" / "changes.html").exists()


def test_a_broken_migration_is_one_clear_error_and_leaves_no_database(run_cli, repo, server_settings):
    import psycopg

    from x121_docs.database.connect import conn_params

    (repo / "migrations" / "20260103000000_broken.sql").write_text("ALTER TABLE users\n  ADD COLUMN x no_such_type;\n")
    code, out, err = run_cli("review", "main", "--migrations", str(repo / "migrations"))
    assert code == 2 and "Traceback" not in err
    assert "working tree" in err and "20260103000000_broken.sql" in err and "no_such_type" in err
    with psycopg.connect(autocommit=True, **conn_params(server_settings, "postgres")) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'x121_lint_%'").fetchall()
    assert left == []


def test_review_output_is_deterministic(run_cli, repo, tmp_path):
    outputs = []
    for i in range(2):
        svg = tmp_path / f"{i}.svg"
        code, out, err = run_cli("review", "main", "--head", "feature", "--migrations", str(repo / "migrations"),
                                 "--diagram", str(svg), "--diagram-url", "u", "--json-output", str(tmp_path / f"{i}.json"))
        assert code == 0, err
        outputs.append((out, svg.read_bytes(), (tmp_path / f"{i}.json").read_bytes()))
    assert outputs[0] == outputs[1]
