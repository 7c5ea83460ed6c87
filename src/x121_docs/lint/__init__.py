"""The compliance linter: conventions of shared/spec/lint-rules.md checked on migrations, databases and code.

Flow: migrations -> parsed once (source.py) -> attribution (attribution.py) + source rules,
throwaway database -> catalog model -> catalog rules; findings -> suppressions -> baseline ->
report. Each rule is one module under rules/ (id, severity, category, rationale, examples,
check); `lint.docs.rule_pages()` renders a page per rule from those modules.
"""

from .config import LintConfig, load_config
from .engine import Options, lint_catalog, lint_code, lint_database, lint_migrations, lint_static
from .report import Finding, LintReport
from .rules import RULES

__all__ = ["RULES", "Finding", "LintConfig", "LintReport", "Options", "lint_catalog", "lint_code", "lint_database",
           "lint_migrations", "lint_static", "load_config"]
