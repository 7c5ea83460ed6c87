"""The compliance linter: conventions of shared/spec/lint-rules.md checked on migrations, databases and code.

Flow: migrations -> (source analysis, throwaway database -> catalog model) -> rules ->
attribution to file and line -> suppressions -> baseline -> report.
"""

from .config import LintConfig, load_config
from .engine import Options, lint_catalog, lint_code, lint_database, lint_migrations
from .report import Finding, LintReport
from .rules import RULES

__all__ = ["RULES", "Finding", "LintConfig", "LintReport", "Options", "lint_catalog", "lint_code", "lint_database",
           "lint_migrations", "load_config"]
