"""`scan dependencies` against real PostgreSQL: planted dependencies are found, clean data yields none,
the scan writes nothing, and the linter and the docs show what it confirmed."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace

import psycopg
import pytest
from integrity_support import apply_migrations, connect

from x121_docs.catalog.reflect import reflect
from x121_docs.integrity.dependencies import load_dependency_findings, scan_dependencies
from x121_docs.integrity.dependency_settings import DependencySettings
from x121_docs.samples.platform_data import load_platform_data

# customers: zip -> city exactly; zip -> region except 50 rows of 5,000 (1 %) that say 'elsewhere'.
# orders.customer_ref: every value a customers.id, no FK. orders.quantity: 1..40, inside the dense
# customers.id range by chance only; customers.tier: every value a tiers.id. contacts: phone1..3 (one kind of value), code1/code2 (two kinds).
PLANTED = """
SELECT setseed(0.121);
CREATE TABLE zips AS SELECT lpad(z::text, 5, '0') AS zip, 'city ' || (random() * 120)::int AS city,
       'region ' || (random() * 12)::int AS region FROM generate_series(1, 400) z;
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, zip text NOT NULL, city text NOT NULL,
                        region text NOT NULL, tier integer NOT NULL, constant_flag boolean NOT NULL, legacy text);
INSERT INTO customers
SELECT r.g, 'customer ' || r.g, z.zip, z.city, CASE WHEN r.g % 100 = 0 THEN 'elsewhere' ELSE z.region END,
       (random() * 4)::int, false, NULL
FROM (SELECT g, 1 + floor(random() * 400)::int AS zi FROM generate_series(1, 5000) g) r
JOIN (SELECT row_number() OVER (ORDER BY zip) AS zi, * FROM zips) z USING (zi);
DROP TABLE zips;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_ref bigint NOT NULL, quantity integer NOT NULL,
                     legacy_customer_ref bigint, amount integer NOT NULL);
INSERT INTO orders SELECT g, 1 + floor(random() * 5000)::int, 1 + (random() * 39)::int,
       CASE WHEN random() < 0.2 THEN 999999 ELSE 1 + floor(random() * 5000)::int END, (random() * 1000)::int
FROM generate_series(1, 20000) g;
CREATE TABLE contacts (id bigint PRIMARY KEY, name text NOT NULL, phone1 text, phone2 text, phone3 text,
                       code1 text, code2 text);
INSERT INTO contacts SELECT g, 'c' || g, '555-' || lpad((random() * 9999)::int::text, 4, '0'),
  CASE WHEN random() < 0.5 THEN '555-' || lpad((random() * 9999)::int::text, 4, '0') END,
  CASE WHEN random() < 0.2 THEN '556-' || lpad((random() * 9999)::int::text, 4, '0') END,
  'AB-' || (random() * 99)::int, (random() * 1000)::int::text
FROM generate_series(1, 3000) g;
CREATE TABLE tiers (id bigint PRIMARY KEY, label text NOT NULL);
INSERT INTO tiers VALUES (0, 'none'), (1, 'bronze'), (2, 'silver'), (3, 'gold'), (4, 'platinum');
ANALYZE;
"""


@pytest.fixture
def planted(fresh_db):
    with connect(fresh_db) as conn:
        conn.execute(PLANTED)
    return fresh_db


def _scan(settings, tables=(), **overrides):  # noqa: ANN001, ANN202
    with connect(settings) as conn:
        return scan_dependencies(conn, reflect(conn), tables, DependencySettings(**overrides))


def _fd(report, table, lhs):  # noqa: ANN001, ANN202
    return next((f for f in report.transitive if f.table == table and f.lhs == lhs), None)


def test_exact_transitive_dependency_with_evidence_and_a_working_refactoring(planted):
    report = _scan(planted, ["customers"])
    fd = _fd(report, "customers", ("zip",))
    assert fd is not None and fd.kind == "transitive"
    city = next(d for d in fd.dependents if d.column == "city")
    assert city.exact and city.violating_rows == 0 and city.confidence == 1.0
    assert fd.sample_rows == 5000 and fd.lhs_distinct <= 400 and fd.support_rows >= 4900
    assert city.examples and all(set(e["lhs"]) == {"zip"} and e["city"].startswith("city ") for e in city.examples)
    # nothing about the key, the constant column or the all-NULL one
    assert all(f.lhs != ("id",) for f in report.transitive)
    profiles = {p.name: p.skipped for p in report.tables[0].columns}
    assert profiles["constant_flag"] == "constant" and profiles["legacy"] == "all NULL"
    assert profiles["id"].startswith("near-unique") and profiles["name"].startswith("near-unique")
    assert profiles["zip"] is None and profiles["tier"] is None
    assert ("id",) in report.tables[0].declared_keys and ("id",) in report.tables[0].candidate_keys
    # the suggested refactoring runs: resolve the 1 % first (as the sketch says), then apply it
    assert fd.refactoring.startswith("extract (zip, city, region) into a table of its own (zips")
    assert '"public"."zips"' in fd.sketch and fd.sketch.startswith("-- first resolve")
    with connect(planted) as conn:
        conn.execute("UPDATE customers c SET region = m.region FROM (SELECT DISTINCT ON (zip) zip, region FROM customers "
                     "GROUP BY zip, region ORDER BY zip, count(*) DESC, region) m WHERE c.zip = m.zip")
        conn.execute(fd.sketch)
        conn.execute("ALTER TABLE customers VALIDATE CONSTRAINT fk_customers_zip")
        assert conn.execute("SELECT count(*) FROM zips").fetchone()[0] == fd.lhs_distinct
        assert [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                           "WHERE table_name = 'customers' ORDER BY ordinal_position")] == \
            ["id", "name", "zip", "tier", "constant_flag", "legacy"]


def test_approximate_dependency_found_at_098_and_not_at_0999(planted):
    loose = _fd(_scan(planted, ["customers"], confidence=0.98), "customers", ("zip",))
    region = next(d for d in loose.dependents if d.column == "region")
    assert not region.exact and 45 <= region.violating_rows <= 50
    assert 0.98 <= region.confidence <= 0.991
    assert region.violations and any("elsewhere" in v["values"] for v in region.violations)
    strict_report = _scan(planted, ["customers"], confidence=0.999)
    strict = _fd(strict_report, "customers", ("zip",))
    assert [d.column for d in strict.dependents] == ["city"]  # the exact one stays, the 1 % one goes
    assert strict_report.tables[0].skipped_dependencies["confidence under 0.999"] >= 1


def test_missing_foreign_key_found_by_inclusion_and_its_ddl_declares_it(planted):
    report = _scan(planted)
    missing = {(m.table, m.column): m for m in report.missing_foreign_keys}
    fk = missing[("orders", "customer_ref")]
    assert (fk.parent, fk.parent_column) == ("customers", "id")
    assert fk.ddl == ('ALTER TABLE "public"."orders" ADD CONSTRAINT "fk_orders_customer_ref" FOREIGN KEY '
                      '("customer_ref") REFERENCES "public"."customers" ("id") ON DELETE RESTRICT ON UPDATE CASCADE '
                      'NOT VALID;')
    assert any("name mentions customers" in e for e in fk.evidence)
    # quantity (1..40) sits inside the dense id range by chance; legacy_customer_ref has a stray value
    assert ("orders", "quantity") not in missing and ("orders", "legacy_customer_ref") not in missing
    assert any("chance explains" in k for k in report.skipped_inclusions)
    # customers.tier (0..4) holds tiers ids and is named for it: the other missing FK of the data
    assert set(missing) == {("orders", "customer_ref"), ("customers", "tier")}
    assert missing[("customers", "tier")].parent == "tiers"
    with connect(planted) as conn:
        conn.execute(fk.ddl)
        conn.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer_ref")
    assert ("orders", "customer_ref") not in {(m.table, m.column) for m in _scan(planted).missing_foreign_keys}


def test_missing_foreign_key_to_a_key_larger_than_the_sample_is_verified_in_the_database(planted):
    report = _scan(planted, ["orders"], sample_rows=1000)
    assert report.tables[0].sample_rows == 1000 and not report.tables[0].complete
    missing = {(m.table, m.column): m for m in report.missing_foreign_keys}
    assert missing[("orders", "customer_ref")].parent == "customers"  # customers (5,000 keys) is not in memory
    assert ("orders", "legacy_customer_ref") not in missing


def test_repeating_group_confirmed_on_data_and_a_family_of_two_kinds_is_not(planted):
    report = _scan(planted, ["contacts"])
    groups = {g.prefix: g for g in report.repeating_groups}
    assert set(groups) == {"phone"}
    phone = groups["phone"]
    assert phone.columns == ("phone1", "phone2", "phone3") and phone.similarity >= 0.5
    assert phone.non_null["phone1"] == 3000 and phone.non_null["phone3"] < phone.non_null["phone2"] < 3000
    assert phone.refactoring.startswith("a child table contacts_phones (contact_id, position, phone)")
    assert report.tables[0].skipped_dependencies["numbered family code*: values of different kinds"] == 1


def test_tiny_tables_are_skipped_and_said_so(planted):
    report = _scan(planted, ["tiers"])
    assert report.tables[0].skipped == "tiny table (5 rows, min-rows 100)" and report.findings == 0
    assert report.tables[0].complete


def test_clean_platform_schema_with_realistic_data_yields_no_finding(vector_db):
    apply_migrations(vector_db)
    with connect(vector_db) as conn:
        sizes = load_platform_data(conn, scale=0.5)
    assert sizes["video_segments"] == 30_000
    report = _scan(vector_db)
    scanned = [t.table for t in report.tables if t.sample_rows and not t.skipped]
    assert {"characters", "character_images", "scenes", "video_segments", "generation_jobs",
            "segment_approvals", "users"} <= set(scanned)  # the check is not vacuous
    assert report.errors == []
    assert report.findings == 0, json.dumps({k: v for k, v in report.as_dict().items()
                                             if k in ("transitive_dependencies", "repeating_groups",
                                                      "missing_foreign_keys")}, indent=1)
    # the declared composite key is rediscovered on the data
    segments = next(t for t in report.tables if t.table == "video_segments")
    assert ("scene_id", "sequence_index") in segments.candidate_keys


PLANTED_ROWS = 5000 + 20000 + 3000 + 5  # rows inserted into the tables that remain


def _writes(conn) -> int:  # noqa: ANN001
    conn.execute("SELECT pg_stat_clear_snapshot()")
    return conn.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
                        ).fetchone()[0]


def _snapshot(settings, expected_writes: int | None = None):  # noqa: ANN001, ANN202
    """Catalog, a checksum of every table's rows, and the write counters (waiting, when told how many
    there are, until the loading session's statistics have arrived)."""
    with connect(settings) as conn:
        if expected_writes is not None:
            deadline = time.monotonic() + 30
            while _writes(conn) != expected_writes:
                assert time.monotonic() < deadline, f"write statistics never reached {expected_writes}: {_writes(conn)}"
                time.sleep(0.1)
        catalog = reflect(conn)
        data = {t.name: conn.execute(psycopg.sql.SQL("SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) "
                                                     "FROM {} x").format(psycopg.sql.Identifier(t.name))).fetchone()[0]
                for t in catalog.base_tables}
        writes = _writes(conn)
    return replace(catalog, query_count=0), data, writes


def test_scan_writes_nothing_and_works_on_a_read_only_database(planted, run_cli, tmp_path):
    before = _snapshot(planted, expected_writes=PLANTED_ROWS)
    with psycopg.connect(**{"host": planted.host, "port": planted.port, "user": planted.user,
                            "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
            psycopg.sql.Identifier(planted.name)))
    out_file = tmp_path / "deps.json"
    code, out, err = run_cli("scan", "dependencies", "--format", "json", "--output", str(out_file))
    assert code == 1, err  # findings; any write would have failed the read-only database
    assert "Written to" in out and out_file.is_file()
    with psycopg.connect(**{"host": planted.host, "port": planted.port, "user": planted.user,
                            "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(psycopg.sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(
            psycopg.sql.Identifier(planted.name)))
    after = _snapshot(planted)
    assert after[0] == before[0] and after[1] == before[1] and after[2] == before[2]
    data = json.loads(out_file.read_text())
    assert data["format"] == "x121-docs scan dependencies" and data["summary"]["missing_foreign_keys"] == 2


HOSTILE = """
SELECT setseed(0.5);
CREATE TABLE "we|ird <b>t</b>" (id bigint PRIMARY KEY, "[bold]zone[/bold]" text NOT NULL, "label<i>" text NOT NULL);
INSERT INTO "we|ird <b>t</b>" SELECT g, 'z' || (g % 40), 'L|' || ((g % 40) * 7) FROM generate_series(1, 400) g;
ANALYZE;
"""


def test_cli_formats_escape_database_names(fresh_db, run_cli):
    with connect(fresh_db) as conn:
        conn.execute(HOSTILE)
    code, out, err = run_cli("scan", "dependencies", "--format", "markdown")
    assert code == 1, err
    prose = re.sub(r"`[^`]*`", "", out)  # inside code spans Markdown shows text as it is
    # through the docs' escaping layer (x121_docs.docs.escape): inert in any Markdown renderer
    assert "we&#124;ird &#60;b&#62;t&#60;/b&#62;" in prose and "<b>" not in prose and "label&#60;i&#62;" in prose
    code, out, err = run_cli("scan", "dependencies")
    assert code == 1, err
    assert "[bold]zone[/bold]" in out  # shown as text, not taken as markup
    code, out, err = run_cli("scan", "dependencies", "--format", "json")
    data = json.loads(out)
    fd = data["transitive_dependencies"][0]
    assert fd["table"] == "we|ird <b>t</b>" and {fd["lhs"][0], fd["dependents"][0]["column"]} == {
        "[bold]zone[/bold]", "label<i>"}
    assert '"we|ird <b>t</b>"' in fd["sketch"]  # identifiers quoted, never pasted


def test_bad_thresholds_and_bad_scan_files_are_one_clear_error(planted, run_cli, tmp_path):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[tool.x121-lint.dependencies]\nconfidence = 2\n")
    code, _, err = run_cli("scan", "dependencies", "--config", str(cfg))
    assert code == 2 and "confidence=2" in err and str(cfg) in err and "Traceback" not in err
    cfg.write_text("[tool.x121-lint.dependencies]\nsample_rows = 10\n")
    code, _, err = run_cli("scan", "dependencies", "--config", str(cfg))
    assert code == 2 and "Unknown key 'sample_rows'" in err and "sample-rows" in err
    code, _, err = run_cli("lint", "--db", "--dependencies", str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in err
    (tmp_path / "other.json").write_text('{"findings": []}')
    code, _, err = run_cli("docs", "build", "--no-site", "--dependencies", str(tmp_path / "other.json"))
    assert code == 2 and "is not the JSON output of `x121-docs scan dependencies`" in err


def test_lint_and_docs_show_findings_confirmed_on_data(planted, run_cli, cli_env):
    scan_file = cli_env / "deps.json"
    assert run_cli("scan", "dependencies", "--format", "json", "--output", str(scan_file))[0] == 1
    findings = load_dependency_findings(scan_file)
    assert {f.kind for f in findings.findings} == {"transitive-dependency", "repeating-group", "missing-foreign-key"}
    code, out, err = run_cli("lint", "--db", "--dependencies", str(scan_file), "--format", "json", "--no-baseline")
    lint = {(f["rule"], f["object"]): f for f in json.loads(out)["findings"]}
    city = lint[("normal-form", "customers.city")]
    assert "depends on zip (exactly)" in city["message"]
    assert f"confirmed on data (sample of 5,000 rows, {findings.scanned_at[:10]})" in city["message"]
    # the name-based guess on phone1..3 takes the data's confirmation instead of appearing twice
    phone = [f for k, f in lint.items() if k == ("normal-form", "contacts.phone*")]
    assert len(phone) == 1 and "confirmed on data" in phone[0]["message"]
    # code1/code2 hold two kinds of value: two numbered columns are two roles, not a group, and the
    # linter no longer guesses one from the names (a family needs three members, issue 17)
    assert ("normal-form", "contacts.code*") not in lint
    assert "ADD CONSTRAINT" in lint[("soft-reference", "orders.customer_ref")]["message"]
    code, out, err = run_cli("docs", "build", "--no-site", "--dependencies", str(scan_file))
    assert code == 0, err
    page = (cli_env / "docs/generated/tables/customers.md").read_text()
    assert "## Confirmed on data" in page and "city depends on zip (exactly)" in page
    assert "## Confirmed on data" not in (cli_env / "docs/generated/tables/tiers.md").read_text()
