"""The rule registry: one module per rule in this package, discovered at first use.

A rule module defines `RULE` (a `Rule`: id, severity, category, rationale, failing and passing
examples) and its check: `check(scope)` for a catalog rule (yields `Hit`s over the reflected
model) or `check_source(migrations)` for a source rule (yields `SourceHit`s over the parsed
migration files). Adding a rule = adding one module here plus its fixtures under
tests/fixtures/lint/rules/<id>/; nothing else lists rules. Modules starting with `_` are shared
helpers, not rules.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
SEVERITY_RANK = {WARNING: 1, ERROR: 2}

# Categories: what a rule protects. `--profile legacy` keeps SAFETY and INTEGRITY only.
SAFETY = "safety"  # a migration that locks, rewrites or destroys, or that the runner cannot apply as written
INTEGRITY = "integrity"  # the data can become wrong, slow to keep right, or silently unconstrained
CONVENTION = "convention"  # the house standard for types, keys and documentation
NAMING = "naming"  # pure naming style
CATEGORIES = (SAFETY, INTEGRITY, CONVENTION, NAMING)

CATALOG = "catalog"  # reads the reflected model (needs a database: full lint or --db)
SOURCE = "source"  # reads the migration files (runs in --static too)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    category: str
    kind: str  # CATALOG | SOURCE
    summary: str  # one line
    rationale: str = ""  # why the rule exists (a paragraph)
    bad: str = ""  # SQL that the rule reports
    good: str = ""  # SQL that it accepts
    how: str = ""  # the older free-text description of where it looks (catalog + source, ...)
    also: tuple[str, ...] = field(default=())  # related rule ids

    @property
    def doc_path(self) -> str:
        """The rule's page, relative to the docs site root (see `lint.docs`)."""
        return f"lint/rules/{self.id}.md"

    @property
    def doc_url(self) -> str:
        """Site-relative URL of the rule's page (MkDocs directory URLs)."""
        return f"lint/rules/{self.id}/"


@dataclass(frozen=True)
class RuleModule:
    rule: Rule
    module: ModuleType

    @property
    def check(self) -> Callable[..., Iterator] | None:
        return getattr(self.module, "check", None)

    @property
    def check_source(self) -> Callable[..., Iterator] | None:
        return getattr(self.module, "check_source", None)


@lru_cache(maxsize=1)
def registry() -> dict[str, RuleModule]:
    """Every rule module of this package, by rule id, in id order."""
    found: dict[str, RuleModule] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(mod, "RULE", None)
        if not isinstance(rule, Rule):
            raise RuntimeError(f"lint rule module {mod.__name__} defines no RULE")
        if rule.id in found:
            raise RuntimeError(f"lint rule id {rule.id} is defined twice ({mod.__name__})")
        if rule.kind == CATALOG and not callable(getattr(mod, "check", None)) or \
                rule.kind == SOURCE and not callable(getattr(mod, "check_source", None)):
            raise RuntimeError(f"lint rule module {mod.__name__} has no check for its kind {rule.kind}")
        found[rule.id] = RuleModule(rule, mod)
    return dict(sorted(found.items()))


class _Rules(dict):
    """`RULES[id] -> Rule`, filled from the registry on first access."""

    def _fill(self) -> None:
        if not dict.__len__(self):
            dict.update(self, {k: v.rule for k, v in registry().items()})

    def __getitem__(self, key):  # noqa: ANN001, ANN204
        self._fill()
        return dict.__getitem__(self, key)

    def __contains__(self, key) -> bool:  # noqa: ANN001
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self):  # noqa: ANN204
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def keys(self):  # noqa: ANN201
        self._fill()
        return dict.keys(self)

    def values(self):  # noqa: ANN201
        self._fill()
        return dict.values(self)

    def items(self):  # noqa: ANN201
        self._fill()
        return dict.items(self)

    def get(self, key, default=None):  # noqa: ANN001, ANN201
        self._fill()
        return dict.get(self, key, default)


RULES: dict[str, Rule] = _Rules()
