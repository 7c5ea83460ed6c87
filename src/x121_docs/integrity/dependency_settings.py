"""Thresholds of `scan dependencies`: `[tool.x121-lint.dependencies]` in pyproject.toml.

    [tool.x121-lint.dependencies]
    sample-rows = 20000          # rows read per table (a stable sample of larger tables)
    min-rows = 100               # smaller tables are skipped: every dependency holds trivially there
    confidence = 0.98            # approximate FDs at or above this share of rows that agree; 1.0 = exact only
    ...

The linter's own `[tool.x121-lint]` keys are read by `lint/config.py`; this sub-table is read
here, with the same policy: unknown keys and out-of-range values are errors naming the key
and the file, so a typo never silently changes what counts as a finding.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError

SECTION = "[tool.x121-lint.dependencies]"


@dataclass(frozen=True)
class DependencySettings:
    sample_rows: int = 20_000  # per table; the whole table when it has fewer rows
    min_rows: int = 100  # tables with fewer sampled rows are skipped (tiny tables)
    max_columns: int = 40  # columns profiled per table (the first ones by position)
    max_lhs: int = 2  # columns on the left side of a functional dependency
    confidence: float = 0.98  # approximate FDs reported when at least this share of rows agrees
    near_unique: float = 0.95  # distinct / non-NULL at or above: a near-unique column (not an FD side)
    near_constant: float = 0.98  # most frequent value's share at or above: a near-constant column
    max_null_fraction: float = 0.95  # columns with a larger share of NULLs are skipped (all-NULL always)
    min_support_rows: int = 20  # rows whose left-side value repeats (the rows that witness the FD)
    min_support_fraction: float = 0.5  # ... as a share of the sample
    examples: int = 3  # example rows per finding
    ind_min_distinct: int = 2  # distinct values a column needs before its inclusion means anything
    ind_max_chance: float = 0.001  # integer inclusion accepted without name evidence below this chance
    repeating_group_similarity: float = 0.5  # value-shape overlap of a numbered family's columns
    seed: int = 121  # TABLESAMPLE REPEATABLE seed and the FD miner's seed
    timeout_ms: int = 60_000  # statement_timeout of each sampling query
    source: str | None = None  # the file these came from

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("source")
        return {k.replace("_", "-"): v for k, v in data.items()}


_FRACTIONS = {"confidence", "near_unique", "near_constant", "max_null_fraction", "min_support_fraction",
              "ind_max_chance", "repeating_group_similarity"}
_MINIMUM = {"sample_rows": 10, "min_rows": 2, "max_columns": 2, "max_lhs": 1, "min_support_rows": 1, "examples": 0,
            "ind_min_distinct": 1, "seed": 0, "timeout_ms": 1}


def settings_from_mapping(section: dict[str, Any], where: str = "the configuration") -> DependencySettings:
    known = {f.name for f in fields(DependencySettings)} - {"source"}
    changes: dict[str, Any] = {}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name not in known or "_" in key:
            raise ConfigError(f"Unknown key {key!r} in {SECTION} ({where}).",
                              "Known keys: " + ", ".join(sorted(k.replace("_", "-") for k in known)) + ".")
        if name in _FRACTIONS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ConfigError(f"Invalid {SECTION} {key}={value!r} in {where}: expected a number in (0, 1].")
            changes[name] = float(value)
        else:
            low = _MINIMUM[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"Invalid {SECTION} {key}={value!r} in {where}: expected a whole number >= {low}.")
            changes[name] = value
    return replace(DependencySettings(source=where), **changes)


def load_dependency_settings(pyproject: Path | None = None) -> DependencySettings:
    """The thresholds from `pyproject` (default ./pyproject.toml when it exists); defaults otherwise."""
    path = pyproject or Path.cwd() / "pyproject.toml"
    if not path.is_file():
        if pyproject is not None:
            raise ConfigError(f"The configuration file {path} does not exist.")
        return DependencySettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}.") from None
    section = data.get("tool", {}).get("x121-lint", {}).get("dependencies", {})
    if not isinstance(section, dict):
        raise ConfigError(f"Invalid {SECTION} in {path}: expected a table of thresholds.")
    return settings_from_mapping(section, str(path))
