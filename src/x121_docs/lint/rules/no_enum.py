"""no-enum: no enum types."""

from __future__ import annotations

from collections.abc import Iterator

from .._lazy import model
from ..scope import Hit, Scope
from . import CATALOG, CONVENTION, WARNING, Rule

RULE = Rule(
    "no-enum", WARNING, CONVENTION, CATALOG,
    "No enum types: statuses and kinds live in lookup tables.",
    rationale="An enum value cannot be removed or renamed safely, carries no label or order of its own, and "
              "adding one needs a migration outside a transaction on older servers.",
    bad="CREATE TYPE mood AS ENUM ('sad', 'happy');",
    good="CREATE TABLE moods (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
    how="catalog + source")


def check(s: Scope) -> Iterator[Hit]:
    for e in s.catalog.enums:
        yield Hit(RULE.id, model.display_name(e.schema, e.name), f"enum type ({', '.join(e.labels)}): use a lookup table",
                  (("type", e.schema, e.name),), evidence=(f"labels: {', '.join(e.labels)}",))
