"""Per-rule fixtures: each rule linted alone, on its own throwaway database.

tests/fixtures/lint/rules/<id>/ holds `fail/` (migrations the rule must report, exactly the
findings of `expected.json`), optionally `pass/` (migrations it must accept), and the rule
module's own `bad`/`good` examples are linted the same way. Every case runs on top of
`_base.sql` (tables the fixtures reference), as an earlier migration; only findings in the
case's own files count, so the base never decides a result. Catalog rules run the full lint
(a throwaway database per case); source rules run `lint_static` (no database).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from x121_docs.lint import lint_migrations, lint_static
from x121_docs.lint.config import config_from_mapping
from x121_docs.lint.rules import RULES, SOURCE

RULES_DIR = Path(__file__).parent / "fixtures" / "lint" / "rules"
BASE = RULES_DIR / "_base.sql"


def rule_config(rule: str, extra: dict | None = None):
    """A configuration with only `rule` enabled (its default severity)."""
    section = dict(extra or {})
    section["severity"] = {r: ("off" if r != rule else RULES[r].severity) for r in RULES}
    return config_from_mapping(section)


def expected(rule: str) -> dict:
    path = RULES_DIR / rule / "expected.json"
    return json.loads(path.read_text()) if path.is_file() else {"findings": []}


def lint_case(settings, tmp: Path, rule: str, files: dict[str, str], config_extra: dict | None = None):
    """Lint base + `files` (name -> SQL) with only `rule` on; the findings in `files`."""
    folder = tmp / "migrations"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "20260101000000_base.sql").write_text(BASE.read_text())
    for name, text in files.items():
        (folder / name).write_text(text)
    config = rule_config(rule, config_extra)
    if RULES[rule].kind == SOURCE:  # source rules need no database: lint --static, as editors run it
        report = lint_static(folder, config)
    else:
        report = lint_migrations(settings, folder, config)
    mine = [f for f in report.findings if f.file is None or Path(f.file).name in files]
    return mine, report


def case_files(rule: str, kind: str) -> dict[str, str]:
    d = RULES_DIR / rule / kind
    return {p.name: p.read_text() for p in sorted(d.glob("*.sql"))} if d.is_dir() else {}


def as_expected(findings) -> list[dict]:
    out = [{"object": f.object, "file": Path(f.file).name if f.file else None, "line": f.line, "detail": f.detail,
            **({"fix": f.fix} if f.fix else {})} for f in findings]
    return sorted(out, key=lambda d: (d["file"] or "", d["line"] or 0, d["object"]))
