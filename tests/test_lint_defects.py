"""The defect classes of issue #17, each with fixtures written for the test; static lint, profiles,
rule pages, the inflector."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

from x121_docs.catalog import naming
from x121_docs.catalog.reflect import reflect
from x121_docs.lint import RULES, lint_catalog, lint_database, lint_migrations, lint_static
from x121_docs.lint.config import LintConfig, config_from_mapping
from x121_docs.lint.docs import rule_pages
from x121_docs.lint.rules.fk_column_naming import is_accepted, repeats_a_component, suggestion

ROOT = Path(__file__).resolve().parent.parent


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


# -- FK column naming: suggestions are valid, non-redundant and accepted by the rule --------------

class _FK:
    def __init__(self, table: str, column: str):
        self.ref_table, self.ref_columns = table, (column,)


REF_TABLES = ("hosts", "users", "trans", "people", "categories", "order_statuses", "media", "artist_credit", "employee",
              "staff")
REF_COLUMNS = ("id", "hostid", "user_id", "code", "employee_id", "artist_credit_id")
COLUMNS = ("host", "hostid", "user_id", "owner", "parent_id", "entity0", "usr", "id_user", "reports_to", "artist_credit",
           "trans")


def test_fk_suggestion_never_repeats_a_component_and_is_accepted():
    offered = 0
    for ref_table in REF_TABLES:
        for ref_column in REF_COLUMNS:
            for col in COLUMNS:
                if is_accepted(col, ref_table, ref_column):
                    continue  # nothing to suggest
                new = suggestion(col, _FK(ref_table, ref_column), {col})
                if new is None:
                    continue  # no clean name: the finding says what is wrong without one
                offered += 1
                assert not repeats_a_component(new), (col, ref_table, ref_column, new)
                assert is_accepted(new, ref_table, ref_column), (col, ref_table, ref_column, new)
                assert naming.is_snake_case(new) and new != col
    assert offered > 400


def test_fk_columns_that_already_carry_the_entity_are_accepted():
    assert is_accepted("hostid", "hosts", "hostid") and is_accepted("user_id", "users", "user_id")
    assert is_accepted("backup_hostid", "hosts", "hostid") and is_accepted("trans_id", "trans", "id")
    assert not is_accepted("host_hostid", "hosts", "id")
    assert repeats_a_component("host_hostid") and repeats_a_component("user_user_id")
    assert suggestion("host", _FK("hosts", "hostid"), set()) == "hostid"
    assert suggestion("hostid", _FK("hosts", "id"), set()) == "host_id"
    assert suggestion("transid", _FK("trans", "id"), set()) == "trans_id"


def test_inflector_keeps_trans_and_the_override_list():
    assert naming.singular("trans") == "trans" and naming.singular("bank_trans") == "bank_trans"
    assert naming.singular("order_statuses") == "order_status" and naming.singular("media") == "media"
    assert naming.singular("criteria") == "criterion" and naming.singular("indices") == "index"
    assert naming.singular("video_segments") == "video_segment" and naming.singular("categories") == "category"
    assert naming.plural("approval_status") == "approval_statuses" and naming.plural("person") == "people"
    assert naming.is_plural("job_statuses") and not naming.is_plural("job_status") and not naming.is_plural("person")


def test_singularising_does_not_import_inflect():
    code = ("import sys; from x121_docs.catalog.naming import singular, plural; "
            "assert singular('users') == 'user' and plural('user') == 'users'; "
            "print('inflect' in sys.modules, 'typeguard' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# -- snake case: the message names the actual problem ---------------------------------------------

def test_snake_case_problems_are_described_as_they_are():
    assert naming.is_snake_case("key_") and naming.is_snake_case("_sqlx_migrations") and naming.is_snake_case("a1_b2")
    assert "upper-case" in naming.snake_case_problem("firstName")
    p = naming.snake_case_problem("guest name")
    assert "' '" in p and "upper-case" not in p and "quoted" not in p
    assert naming.snake_case_problem("2fa") == "starts with a digit"
    assert naming.snake_case_problem("room__no") == "has an empty word (a double underscore)"


def test_table_naming_messages(db_conn: psycopg.Connection):
    db_conn.execute('CREATE TABLE settings (id bigint, key_ text, "guest name" text, "Upper" text)')
    found = {f.object: f for f in lint_catalog(reflect(db_conn), LintConfig()) if f.rule == "table-naming"}
    assert "settings.key_" not in found
    assert "characters other than" in found["settings.guest name"].message
    assert "upper-case" not in found["settings.guest name"].message
    assert found["settings.guest name"].fix == 'ALTER TABLE settings RENAME COLUMN "guest name" TO guest_name;'
    assert "upper-case" in found["settings.Upper"].message


# -- status detection weighs type, name and constraints, and says so --------------------------------

def test_status_findings_state_their_evidence(db_conn: psycopg.Connection):
    db_conn.execute("""
        CREATE TABLE jobs (id bigint,
            volstatus text CHECK (volstatus IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l')),
            flag_state char(1) CHECK (flag_state IN ('Y', 'N', 'P')),
            presence_state bytea, state text, region_state varchar(2));""")
    found = {f.object: f for f in lint_catalog(reflect(db_conn), LintConfig()) if f.rule == "status-as-lookup"}
    assert set(found) == {"jobs.volstatus", "jobs.flag_state"}
    ev = found["jobs.volstatus"].evidence
    assert ev[0] == "type text" and any(e.startswith("CHECK jobs_volstatus_check lists 12 values: a, b") for e in ev)
    assert "INSERT INTO volstatuses (name) VALUES ('a')" in found["jobs.volstatus"].fix
    assert found["jobs.flag_state"].evidence[0] == "type character(1)"


def test_data_decides_state_columns_and_copies(fresh_db, db_conn: psycopg.Connection):
    """With rows, a few distinct values make a `state` a status and many make it free text; a
    copied column must agree with its source on a sample."""
    db_conn.execute("""
        CREATE TABLE owners (id bigint PRIMARY KEY, email text, nickname text);
        CREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint REFERENCES owners (id), email text, nickname text,
                           care_state text, home_state text);
        INSERT INTO owners SELECT i, 'o' || i || '@x', 'n' || i FROM generate_series(1, 100) i;
        INSERT INTO pets SELECT i, i, 'o' || i || '@x', 'pet' || i, (ARRAY['new', 'fed', 'sick'])[1 + i % 3],
                                'region ' || i FROM generate_series(1, 100) i;
        ANALYZE;""")
    report = lint_database(fresh_db, LintConfig())
    status = {f.object: f for f in report.findings if f.rule == "status-as-lookup"}
    assert set(status) == {"pets.care_state"}
    assert "3 distinct values in the data: fed, new, sick" in status["pets.care_state"].evidence
    copies = {f.object: f for f in report.findings if f.rule == "normal-form" and f.detail == "copied-column"}
    assert set(copies) == {"pets.email"}  # nickname shares a name and a type, but not the values
    assert "100 of 100 sampled rows hold the parent's value" in copies["pets.email"].evidence
    # without rows a shared name and type prove nothing, and care_state is backed by nothing
    db_conn.execute("TRUNCATE pets; ANALYZE pets")
    schema_only = lint_database(fresh_db, LintConfig())
    assert not [f for f in schema_only.findings if f.rule in ("normal-form", "status-as-lookup")]


# -- static lint: the source part of the full lint, no database -----------------------------------

STATIC_CASE = {
    "20260101000000_base.sql": "CREATE TABLE owners (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, token TEXT);\n"
                               "CREATE TABLE olds (id BIGSERIAL PRIMARY KEY);\n",
    "20260101000100_change.sql": "CREATE INDEX idx_owners_name ON owners (name);\n"
                                 "ALTER TABLE owners ADD COLUMN code TEXT DEFAULT random()::text;\n"
                                 "DROP TABLE olds; -- x121-lint: disable=drop-object reason: emptied in release 3\n"
                                 "CREATE VIEW owner_rows AS SELECT * FROM owners;\n",
}


def test_static_findings_equal_the_source_part_of_the_full_lint(server_settings, tmp_path):
    folder = tmp_path / "migrations"
    for name, text in STATIC_CASE.items():
        write(folder, name, text)
    full = lint_migrations(server_settings, folder, LintConfig())
    static = lint_static(folder, LintConfig())
    source_rules = {r for r, v in RULES.items() if v.kind == "source"}
    key = lambda f: (f.rule, f.object, f.file, f.line, f.message)  # noqa: E731
    assert sorted(map(key, static.findings)) == sorted(key(f) for f in full.findings if f.rule in source_rules)
    assert {f.rule for f in static.findings} == {"index-concurrently", "volatile-default", "no-select-star"}
    assert [(f.rule, r) for f, r in static.suppressed] == [("drop-object", "emptied in release 3")]


def test_static_cli_and_pre_commit_hook(run_cli, cli_env):
    mig = cli_env / "migrations"
    for name, text in STATIC_CASE.items():
        write(mig, name, text)
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"] == "x121-lint --static" and hooks[0]["pass_filenames"] is True
    code, out, _ = run_cli("lint", "--static", "--format", "json", "--fail-on", "warning",
                           "migrations/20260101000100_change.sql")
    data = json.loads(out)
    assert code == 1 and data["mode"] == "static"
    assert {f["file"] for f in data["findings"]} == {"migrations/20260101000100_change.sql"}
    code, out, _ = run_cli("lint", "--static", "--format", "json", "migrations/20260101000000_base.sql")
    assert code == 0 and json.loads(out)["findings"] == []
    code, _, err = run_cli("lint", "--static", "migrations/nope.sql")
    assert code == 2 and "nope.sql" in err and "Traceback" not in err


def test_transaction_control_inside_a_migration_is_reported(tmp_path):
    folder = tmp_path / "migrations"
    write(folder, "20260101000000_a.sql", "BEGIN;\nCREATE TABLE t (id BIGSERIAL PRIMARY KEY);\nCOMMIT;\n")
    write(folder, "20260101000100_b.sql", "-- no-transaction\nBEGIN;\nCREATE TABLE u (id BIGSERIAL PRIMARY KEY);\nCOMMIT;\n")
    found = [(f.file.rsplit("/", 1)[1], f.line, f.message.split(" ")[0]) for f in lint_static(folder, LintConfig()).findings
             if f.rule == "transaction-control"]
    assert found == [("20260101000000_a.sql", 1, "BEGIN"), ("20260101000000_a.sql", 3, "COMMIT")]


# -- profiles ----------------------------------------------------------------------------------

def test_legacy_profile_keeps_safety_and_integrity_only(tmp_path):
    cfg = LintConfig().with_profile("legacy")
    kept = {r for r in RULES if cfg.enabled(r)}
    assert kept == {r for r, v in RULES.items() if v.category in ("safety", "integrity")}
    assert {"fk-indexed", "transaction-control", "index-concurrently", "duplicate-index"} <= kept
    assert not kept & {"table-naming", "fk-column-naming", "index-naming", "unique-naming", "comments"}
    explicit = config_from_mapping({"profile": "legacy", "severity": {"comments": "warning"}})
    assert explicit.severity("comments") == "warning" and not explicit.enabled("table-naming")
    (tmp_path / "pyproject.toml").write_text('[tool.x121-lint]\nprofile = "nope"\n')
    from x121_docs.errors import WorkbenchError
    from x121_docs.lint.config import load_config
    with pytest.raises(WorkbenchError, match="nope"):
        load_config(tmp_path / "pyproject.toml")


def test_legacy_profile_on_the_command_line(run_cli, cli_env):
    write(cli_env / "migrations", "20260101000000_a.sql", "CREATE TABLE Person (id INT PRIMARY KEY, owner INT REFERENCES "
          "person (id));\n")
    _, out, _ = run_cli("lint", "--format", "json")
    standard = {f["rule"] for f in json.loads(out)["findings"]}
    _, out, _ = run_cli("lint", "--format", "json", "--profile", "legacy")
    legacy = {f["rule"] for f in json.loads(out)["findings"]}
    assert {"table-naming", "fk-column-naming", "comments"} <= standard
    assert legacy == {"fk-indexed", "fk-bigint"}


# -- rule pages -------------------------------------------------------------------------------

def test_a_page_per_rule_generated_from_the_rule():
    pages = rule_pages()
    assert set(pages) == {"lint/rules/index.md"} | {f"lint/rules/{r}.md" for r in RULES}
    for rid, rule in RULES.items():
        page = pages[rule.doc_path]
        assert page.startswith(f"# `{rid}`") and rule.rationale in page and rule.bad in page and rule.good in page
        assert f"[`{rid}`]({rid}.md)" in pages["lint/rules/index.md"]
    assert rule_pages() == pages  # deterministic


def test_bench_lint_smoke_runs(tmp_path):
    """bench/bench_lint.py cannot rot: its static comparison runs on 20 files in a few seconds."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_lint.py"), "--smoke", "--static-only"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "static: 20 files" in done.stdout and "19 findings" in done.stdout
