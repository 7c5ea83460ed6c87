"""timestamptz-only: no timestamp without time zone, no timetz."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, ident, qual, t_key
from . import CATALOG, ERROR, INTEGRITY, Rule

RULE = Rule(
    "timestamptz-only", ERROR, INTEGRITY, CATALOG,
    "No timestamp without time zone and no timetz.",
    rationale="A timestamp without time zone is a wall-clock reading whose meaning depends on the writer's "
              "TimeZone setting: two sessions can store the same instant differently. timetz cannot handle "
              "daylight saving.",
    bad="CREATE TABLE slots (id BIGSERIAL PRIMARY KEY, starts TIMESTAMP NOT NULL);",
    good="CREATE TABLE slots (id BIGSERIAL PRIMARY KEY, starts TIMESTAMPTZ NOT NULL);")


def check(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        base = c.type_name.lstrip("_")
        if base in ("timestamp", "timetz"):
            fix = None
            if base == "timestamp" and not c.is_array:
                fix = (f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c.name)} TYPE timestamptz "
                       f"USING {ident(c.name)} AT TIME ZONE 'UTC';  -- the zone the values were written in")
            yield Hit(RULE.id, c_obj(t, c.name), f"column is {c.data_type}: use timestamp with time zone (timestamptz)",
                      (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}",), detail=base, fix=fix)
