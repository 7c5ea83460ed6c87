"""json-not-jsonb: use jsonb, not json."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, ident, qual, t_key
from . import CATALOG, CONVENTION, WARNING, Rule

RULE = Rule(
    "json-not-jsonb", WARNING, CONVENTION, CATALOG,
    "Use jsonb, not json.",
    rationale="json is stored as text and re-parsed on every access, has no equality operator (so no DISTINCT, "
              "no GROUP BY) and no GIN indexing.",
    bad="CREATE TABLE events (id BIGSERIAL PRIMARY KEY, payload JSON NOT NULL);",
    good="CREATE TABLE events (id BIGSERIAL PRIMARY KEY, payload JSONB NOT NULL);")


def check(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        if c.type_name.lstrip("_") == "json":
            yield Hit(RULE.id, c_obj(t, c.name), f"column is {c.data_type}: use jsonb", (c_key(t, c.name), t_key(t)),
                      evidence=(f"{c.name} {c.data_type}",),
                      fix=None if c.is_array else f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c.name)} TYPE jsonb;")
