"""The compliance linter: conventions of shared/spec/lint-rules.md checked on migrations, databases and code.

Flow: migrations -> parsed once (source.py) -> attribution (attribution.py) + source rules,
throwaway database -> catalog model -> catalog rules; findings -> suppressions -> baseline ->
report. Each rule is one module under rules/ (id, severity, category, rationale, examples,
check); `lint.docs.rule_pages()` renders a page per rule from those modules.

The names below are imported on first use, so `import x121_docs.lint.commands` (what the CLI
does to register `lint`) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "RULES": ".rules", "Finding": ".report", "LintReport": ".report", "LintConfig": ".config",
    "load_config": ".config", "Options": ".engine", "lint_catalog": ".engine", "lint_code": ".engine",
    "lint_database": ".engine", "lint_migrations": ".engine", "lint_static": ".engine",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
