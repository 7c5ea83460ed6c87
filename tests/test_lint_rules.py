"""Every rule: a fixture migration that violates it (exact rule, object, file, line) and a clean one.

tests/fixtures/lint/bad has one migration per rule (applied together, in order, so the locking
rules see tables created by earlier files); tests/fixtures/lint/good follows every convention.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from x121_docs.lint import RULES, lint_migrations
from x121_docs.lint.config import config_from_mapping
from x121_docs.lint.report import LintReport

FIXTURES = Path(__file__).parent / "fixtures" / "lint"


@pytest.fixture(scope="module")
def bad(server_settings) -> LintReport:
    config = config_from_mapping({"allowed-extensions": ["plpgsql"]})
    return lint_migrations(server_settings, FIXTURES / "bad", config)


@pytest.fixture(scope="module")
def good(server_settings) -> LintReport:
    config = config_from_mapping({"allow-char-columns": ["countries.iso_code"]})
    return lint_migrations(server_settings, FIXTURES / "good", config)


# (rule, object, migration file suffix, line, detail)
EXPECTED = [
    ("status-as-lookup", "tickets.status", "status_as_lookup", 3, "text-status"),
    ("status-as-lookup", "tickets.order_status_id", "status_as_lookup", 4, "not-lookup"),
    ("status-as-lookup", "tickets.ck_tickets_state", "status_as_lookup", 5, "check-literals"),
    ("fk-explicit-actions", "pets.pets_owner_id_fkey", "fk_explicit_actions", 3, None),
    ("pk-bigserial", "tags", "pk_bigserial", 1, "uuid"),
    ("pk-bigserial", "labels", "pk_bigserial", 2, "type"),
    ("pk-bigserial", "notes", "pk_bigserial", 3, "no-pk"),
    ("fk-bigint", "visits.fk_visits_owner_id", "fk_bigint", 4, "type-mismatch"),
    ("fk-indexed", "walks.fk_walks_owner_id", "fk_indexed", 4, "owner_id"),
    ("index-naming", "rooms.rooms_name", "index_naming", 2, None),
    ("unique-naming", "seats.seats_code_key", "unique_naming", 3, None),
    ("table-naming", "person", "table_naming", 1, "plural"),
    ("table-naming", "person.firstName", "table_naming", 3, "column-case"),
    ("fk-column-naming", "rides.driver", "fk_column_naming", 3, None),
    ("timestamps", "logs.created_at", "timestamps", 3, None),
    ("timestamps", "logs.updated_at", "timestamps", 4, None),
    ("text-not-varchar", "codes.label", "text_not_varchar", 3, "varchar"),
    ("text-not-varchar", "codes.iso", "text_not_varchar", 4, "char"),
    ("boolean-not-null", "switches.active", "boolean_not_null", 3, "boolean"),
    ("boolean-not-null", "switches.is_public", "boolean_not_null", 4, "flag-type"),
    ("timestamptz-only", "slots.starts", "timestamptz_only", 3, "timestamp"),
    ("timestamptz-only", "slots.daily", "timestamptz_only", 4, "timetz"),
    ("no-select-star", "owner_rows", "no_select_star", 2, None),
    ("allowed-extensions", "vector", "allowed_extensions", 2, None),
    ("comments", "desks", "comments", 1, "table"),
    ("comments", "desks.place", "comments", 1, "column"),
    ("normal-form", "contacts.email", "normal_form", 4, "copied-column"),
    ("normal-form", "contacts.phone*", "normal_form", 5, "repeating-group"),
    ("normal-form", "contacts.friend_ids", "normal_form", 7, "id-array"),
    ("fk-nullable", "collars.collars_owner_id_fkey", "fk_nullable", 3, None),
    ("duplicate-index", "rooms.idx_rooms_name_again", "duplicate_index", 2, "duplicate"),
    ("duplicate-index", "rooms.idx_rooms_floor", "duplicate_index", 3, "left-prefix"),
    ("duplicate-fk", "leashes.fk_leashes_owner_id_2", "duplicate_fk", 5, None),
    ("index-concurrently", "owners.idx_owners_name", "locking_and_destructive", 2, None),
    ("index-concurrently", "scratch.idx_scratch_code", "locking_and_destructive", 3, None),
    ("volatile-default", "owners.token", "locking_and_destructive", 4, None),
    ("rename-object", "scratch.code", "locking_and_destructive", 5, None),
    ("drop-object", "scratch.junk", "locking_and_destructive", 6, None),
    ("drop-object", "scratch_olds", "locking_and_destructive", 7, None),
    ("type-change-rewrite", "scratch.amount", "locking_and_destructive", 8, None),
    ("constraint-not-valid", "scratch.ck_scratch_amount", "locking_and_destructive", 9, None),
    ("constraint-not-valid", "scratch.uq_scratch_ref_code", "locking_and_destructive", 10, None),
    ("cascade-depth", "c1s", "cascade_depth", 1, "depth"),
    ("cascade-depth", "loop_as", "cascade_depth", 7, "cycle"),
    ("soft-reference", "audits.user_id", "soft_reference", 3, None),
    ("no-enum", "mood", "no_enum", 1, None),
    ("identifier-length", "a_column_name_that_is_far_too_long_for_postgres_to_keep_it_whole", "identifier_length", 3, None),
    ("json-not-jsonb", "events.payload", "json_not_jsonb", 3, None),
    ("not-valid", "bowls.fk_bowls_owner_id", "not_valid", 2, "constraint"),
    ("unique-nullable", "badges.uq_badges_code", "unique_nullable", 4, None),
]


@pytest.mark.parametrize(("rule", "obj", "file", "line", "detail"), EXPECTED, ids=[f"{e[0]}:{e[1]}" for e in EXPECTED])
def test_violation_is_reported_at_its_migration_line(bad: LintReport, rule, obj, file, line, detail):
    matches = [f for f in bad.findings if f.rule == rule and f.object == obj]
    assert len(matches) == 1, [f for f in bad.findings if f.rule == rule]
    f = matches[0]
    assert Path(f.file).name.endswith(f"_{file}.sql") and f.line == line
    assert f.detail == detail
    assert f.severity == RULES[rule].severity


def test_every_rule_has_a_violation_fixture():
    covered = {e[0] for e in EXPECTED} | {"invalid-suppression", "column-type-consistency"}  # the last two: test_lint_features
    assert covered == set(RULES)


def test_column_type_consistency_is_reported_without_a_file(bad: LintReport):
    floor = next(f for f in bad.findings if f.rule == "column-type-consistency" and f.object == "floor")
    assert floor.file is None and floor.evidence == ("integer: rooms", "smallint: levels")


def test_one_finding_per_object(bad: LintReport):
    keys = [(f.rule, f.object, f.detail) for f in bad.findings]
    assert len(keys) == len(set(keys))
    # the count-style rules report once, not per column pair or per table pair
    assert sum(f.rule == "duplicate-fk" for f in bad.findings) == 1
    assert [f.object for f in bad.findings if f.rule == "cascade-depth"] == ["c1s", "loop_as"]


def test_clean_migrations_have_no_findings_and_full_metrics(good: LintReport):
    assert good.findings == [] and good.exit_code() == 0
    m = good.metrics
    assert m["fks_explicit_actions"] == {"value": 100.0, "numerator": 8, "denominator": 8}
    assert m["fks_indexed"]["value"] == 100.0 and m["bigserial_pks"]["denominator"] == 6
    assert m["status_columns_lookup_fk"] == {"value": 100.0, "numerator": 1, "denominator": 1}
    assert m["comment_coverage"]["value"] == 100.0 and m["uuid_pks"] == {"value": 0} and m["select_star"] == {"value": 0}


def test_bad_metrics_are_below_full(bad: LintReport):
    m = bad.metrics
    assert 0 < m["fks_explicit_actions"]["value"] < 100
    assert m["uuid_pks"] == {"value": 1} and m["select_star"] == {"value": 1}
    assert bad.exit_code() == 1 and bad.exit_code("warning") == 1
