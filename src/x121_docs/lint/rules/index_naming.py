"""index-naming: indexes are named idx_{table}_{cols}."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope
from . import CATALOG, ERROR, NAMING, Rule
from ._index_names import misnamed

RULE = Rule(
    "index-naming", ERROR, NAMING, CATALOG,
    "Indexes are named idx_{table}_{cols} (shortened to 63 bytes by the workbench rule).",
    rationale="A name that says the table and the columns makes plans, lock waits and migration diffs readable, "
              "and lets duplicate-index review happen by eye.",
    bad="CREATE INDEX rooms_name ON rooms (name);",
    good="CREATE INDEX idx_rooms_name ON rooms (name);",
    also=("unique-naming",))


def check(s: Scope) -> Iterator[Hit]:
    yield from misnamed(s, False, RULE.id)
