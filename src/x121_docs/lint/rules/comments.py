"""comments: every table and column has a COMMENT."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, t_key, t_obj
from . import CATALOG, CONVENTION, ERROR, Rule

RULE = Rule(
    "comments", ERROR, CONVENTION, CATALOG,
    "Every table and column has a non-empty COMMENT.",
    rationale="The comments are the data dictionary: the docs site, the ERD tooltips and the plain-language "
              "errors read them.",
    bad="CREATE TABLE desks (id BIGSERIAL PRIMARY KEY, place TEXT NOT NULL);",
    good="CREATE TABLE desks (id BIGSERIAL PRIMARY KEY, place TEXT NOT NULL);\n"
         "COMMENT ON TABLE desks IS 'Desks people book.';\nCOMMENT ON COLUMN desks.id IS 'Key.';\n"
         "COMMENT ON COLUMN desks.place IS 'Room and number.';")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        if not (t.comment or "").strip():
            yield Hit(RULE.id, t_obj(t), "table has no COMMENT", (t_key(t),), detail="table")
        for c in t.columns:
            if not c.inherited and not (c.comment or "").strip():
                yield Hit(RULE.id, c_obj(t, c.name), "column has no COMMENT", (c_key(t, c.name), t_key(t)),
                          detail="column")
