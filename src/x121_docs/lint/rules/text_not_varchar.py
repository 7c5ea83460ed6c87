"""text-not-varchar: no varchar(n); char(n) only where allow-listed."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, ident, qual, t_key
from . import CATALOG, CONVENTION, ERROR, Rule

RULE = Rule(
    "text-not-varchar", ERROR, CONVENTION, CATALOG,
    "No varchar(n); char(n) only where allow-listed as truly fixed width.",
    rationale="In PostgreSQL text and varchar(n) are stored alike; the length limit is a business rule that "
              "belongs in a named CHECK (changeable without a rewrite), and char(n) pads with blanks.",
    bad="CREATE TABLE codes (id BIGSERIAL PRIMARY KEY, label VARCHAR(20) NOT NULL);",
    good="CREATE TABLE codes (id BIGSERIAL PRIMARY KEY, label TEXT NOT NULL CHECK (length(label) <= 20));")


def check(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        base = c.type_name.lstrip("_")
        if base == "varchar" and "(" in c.data_type:
            yield Hit(RULE.id, c_obj(t, c.name), f"column is {c.data_type}: use text (with a CHECK if a limit matters)",
                      (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}",), detail="varchar",
                      fix=None if c.is_array else f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c.name)} TYPE text;")
        elif base == "bpchar" and not s.config.char_allowed(t.schema, t.name, c.name):
            yield Hit(RULE.id, c_obj(t, c.name),
                      f"column is {c.data_type}: use text, or allow-list it (allow-char-columns) if truly fixed width",
                      (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}",), detail="char")
