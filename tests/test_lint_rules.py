"""Every rule alone on its own database: its fixtures (fail/ = expected.json exactly, pass/ = nothing)
and the examples in its module (bad: reported, good: not). See tests/lint_rule_support.py.

Plus the whole clean schema of tests/fixtures/lint/good (every rule at once: no finding).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from x121_docs.lint import RULES, lint_migrations
from x121_docs.lint.config import config_from_mapping
from x121_docs.lint.report import LintReport
from x121_docs.lint.rules import registry

from lint_rule_support import RULES_DIR, as_expected, case_files, expected, lint_case

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
ALL = sorted(RULES)


def test_every_rule_has_its_fixtures_and_examples():
    dirs = {p.name for p in RULES_DIR.iterdir() if p.is_dir()}
    assert dirs == set(RULES), "a rule dir without a rule, or a rule without fixtures"
    for rid, rm in registry().items():
        assert case_files(rid, "fail") and expected(rid)["findings"], rid
        assert rm.rule.bad and rm.rule.good and rm.rule.rationale, rid
        assert Path(rm.module.__file__).stem == rid.replace("-", "_")  # one file per rule, named for it


@pytest.mark.parametrize("rule", ALL)
def test_rule_reports_exactly_its_expected_findings(server_settings, tmp_path, rule):
    exp = expected(rule)
    found, _ = lint_case(server_settings, tmp_path, rule, case_files(rule, "fail"), exp.get("config"))
    assert as_expected(found) == exp["findings"]
    for f in found:
        assert f.severity == RULES[rule].severity and f.doc == f"lint/rules/{rule}/"


@pytest.mark.parametrize("rule", ALL)
def test_rule_accepts_its_pass_cases_and_good_example(server_settings, tmp_path, rule):
    files = {**case_files(rule, "pass"), "20260101090000_good_example.sql": RULES[rule].good + "\n"}
    found, _ = lint_case(server_settings, tmp_path, rule, files)
    assert found == []


@pytest.mark.parametrize("rule", ALL)
def test_rule_reports_its_bad_example(server_settings, tmp_path, rule):
    found, _ = lint_case(server_settings, tmp_path, rule, {"20260101090000_bad_example.sql": RULES[rule].bad + "\n"},
                         expected(rule).get("config"))
    assert found and {f.rule for f in found} == {rule}


@pytest.fixture(scope="module")
def good(server_settings) -> LintReport:
    config = config_from_mapping({"allow-char-columns": ["countries.iso_code"]})
    return lint_migrations(server_settings, FIXTURES / "good", config)


def test_clean_migrations_have_no_findings_and_full_metrics(good: LintReport):
    assert good.findings == [] and good.exit_code() == 0
    m = good.metrics
    assert m["fks_explicit_actions"] == {"value": 100.0, "numerator": 8, "denominator": 8}
    assert m["fks_indexed"]["value"] == 100.0 and m["bigserial_pks"]["denominator"] == 6
    assert m["status_columns_lookup_fk"] == {"value": 100.0, "numerator": 1, "denominator": 1}
    assert m["comment_coverage"]["value"] == 100.0 and m["uuid_pks"] == {"value": 0} and m["select_star"] == {"value": 0}
