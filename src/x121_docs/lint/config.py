"""Linter configuration: `[tool.x121-lint]` in pyproject.toml, with documented defaults.

    [tool.x121-lint]
    severity = { normal-form = "warning", json-not-jsonb = "off" }   # error | warning | off
    allowed-extensions = ["plpgsql", "vector"]
    allow-char-columns = ["countries.iso_code"]          # char(n) that is truly fixed width
    ignore-tables = ["_sqlx_migrations"]                 # fnmatch patterns on [schema.]table
    status-patterns = ["status", "state", "*status", "*state", "status_id", "*status_id", "*state_id"]
    cascade-depth = 4
    normal-form-ignore-columns = ["name", "label", ...]
    baseline = ".x121-lint-baseline.json"
    fail-on = "error"
    profile = "legacy"                                  # standard (default) | legacy
    docs-url = "https://example.org/schema/"            # where the rule pages are published (links in reports)

Profiles: `standard` runs every rule; `legacy` (adopting the linter on a schema written before
the conventions) keeps the safety and integrity rules and turns off the pure naming and
house-convention rules; severities set explicitly still win. Use it with the baseline.

Unknown keys and bad values are errors naming the key, so a typo never silently disables a check.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .rules import INTEGRITY, RULES, SAFETY, SEVERITIES

OFF = "off"
#: profile -> the rule categories it keeps
PROFILES: dict[str, tuple[str, ...] | None] = {"standard": None, "legacy": (SAFETY, INTEGRITY)}


@dataclass(frozen=True)
class LintConfig:
    severities: dict[str, str] = field(default_factory=lambda: {r.id: r.severity for r in RULES.values()})
    allowed_extensions: tuple[str, ...] = ("plpgsql", "vector")
    allow_char_columns: tuple[str, ...] = ()
    ignore_tables: tuple[str, ...] = ("_sqlx_migrations",)
    status_patterns: tuple[str, ...] = ("status", "state", "*status", "*state", "status_id", "*status_id", "*state_id")
    cascade_depth: int = 4
    normal_form_ignore_columns: tuple[str, ...] = (
        "id", "name", "label", "title", "description", "notes", "sort_order", "created_at", "updated_at", "deleted_at")
    baseline: str = ".x121-lint-baseline.json"
    fail_on: str = "error"
    source: str | None = None  # the file the configuration came from
    profile: str = "standard"
    explicit: frozenset[str] = frozenset()  # rules whose severity the configuration set by name
    docs_url: str = ""  # base URL of the published docs site ("" = site-relative links)

    def with_profile(self, profile: str) -> "LintConfig":
        """This configuration under `profile` (rules set explicitly keep their severity)."""
        if profile not in PROFILES:
            raise ConfigError(f"Unknown lint profile {profile!r}: expected {' or '.join(PROFILES)}.")
        keep = PROFILES[profile]
        sev = {r.id: r.severity for r in RULES.values()}
        sev.update({k: v for k, v in self.severities.items() if k in self.explicit})
        if keep is not None:
            sev.update({r.id: OFF for r in RULES.values() if r.category not in keep and r.id not in self.explicit})
        return replace(self, severities=sev, profile=profile)

    def rule_url(self, rule: str) -> str:
        return f"{self.docs_url.rstrip('/')}/{RULES[rule].doc_url}" if self.docs_url else RULES[rule].doc_url

    def enabled(self, rule: str) -> bool:
        return self.severities.get(rule, OFF) != OFF

    def severity(self, rule: str) -> str:
        return self.severities[rule]

    def ignored(self, schema: str, table: str) -> bool:
        names = (table, f"{schema}.{table}")
        return any(fnmatch.fnmatchcase(n, p) for p in self.ignore_tables for n in names)

    def is_status_like(self, column: str) -> bool:
        return self._status_re.match(column) is not None

    @functools.cached_property
    def _status_re(self) -> re.Pattern:
        """The status patterns as one regex: asked for every column (33,000 times at 2,000 tables)."""
        return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.status_patterns) or "(?!)")

    def char_allowed(self, schema: str, table: str, column: str) -> bool:
        return f"{table}.{column}" in self.allow_char_columns or f"{schema}.{table}.{column}" in self.allow_char_columns


def _strings(key: str, value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"Invalid [tool.x121-lint] {key} in {where}: expected a list of strings.")
    return tuple(value)


def load_config(pyproject: Path | None = None) -> LintConfig:
    """Read `[tool.x121-lint]` from `pyproject` (default: ./pyproject.toml); defaults when absent."""
    path = pyproject or Path.cwd() / "pyproject.toml"
    if not path.is_file():
        if pyproject is not None:
            raise ConfigError(f"The linter configuration file {path} does not exist.")
        return LintConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.") from None
    if "x121-lint" not in text:  # no section for us (however the TOML spells it): tomllib's import is skipped
        return config_from_mapping({}, str(path))
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.") from None
    section = data.get("tool", {}).get("x121-lint", {})
    return config_from_mapping(section, str(path))


def config_from_mapping(section: dict[str, Any], where: str = "the configuration") -> LintConfig:
    cfg = LintConfig(source=where)
    changes: dict[str, Any] = {}
    for key, value in section.items():
        if key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"Invalid [tool.x121-lint] severity in {where}: expected a table rule = \"error\".")
            sev = dict(cfg.severities)
            for rule, level in value.items():
                if rule not in RULES:
                    raise ConfigError(f"Unknown rule id {rule!r} in [tool.x121-lint] severity ({where}).",
                                      "Known ids: " + ", ".join(sorted(RULES)) + ".")
                if level not in (*SEVERITIES, OFF):
                    raise ConfigError(f"Invalid severity {level!r} for rule {rule} in {where}: expected error, warning or off.")
                sev[rule] = level
            changes["severities"] = sev
            changes["explicit"] = frozenset(value)
        elif key in ("allowed-extensions", "allow-char-columns", "ignore-tables", "status-patterns",
                     "normal-form-ignore-columns"):
            changes[key.replace("-", "_")] = _strings(key, value, where)
        elif key == "cascade-depth":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"Invalid [tool.x121-lint] cascade-depth={value!r} in {where}: expected a whole number >= 1.")
            changes["cascade_depth"] = value
        elif key == "baseline":
            if not isinstance(value, str) or not value:
                raise ConfigError(f"Invalid [tool.x121-lint] baseline in {where}: expected a file name.")
            changes["baseline"] = value
        elif key == "dependencies":
            pass  # [tool.x121-lint.dependencies]: read by integrity.dependency_settings
        elif key == "fail-on":
            if value not in SEVERITIES:
                raise ConfigError(f"Invalid [tool.x121-lint] fail-on={value!r} in {where}: expected error or warning.")
            changes["fail_on"] = value
        elif key == "profile":
            if value not in PROFILES:
                raise ConfigError(f"Invalid [tool.x121-lint] profile={value!r} in {where}: expected "
                                  f"{' or '.join(PROFILES)}.")
            changes["profile"] = value
        elif key == "docs-url":
            if not isinstance(value, str):
                raise ConfigError(f"Invalid [tool.x121-lint] docs-url in {where}: expected a URL.")
            changes["docs_url"] = value
        else:
            raise ConfigError(f"Unknown key {key!r} in [tool.x121-lint] ({where}).",
                              "Known keys: severity, allowed-extensions, allow-char-columns, ignore-tables, "
                              "status-patterns, cascade-depth, normal-form-ignore-columns, baseline, fail-on, "
                              "profile, docs-url, dependencies.")
    out = replace(cfg, **changes)
    return out.with_profile(out.profile) if out.profile != "standard" else out
