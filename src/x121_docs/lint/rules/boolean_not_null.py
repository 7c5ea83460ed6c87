"""boolean-not-null: booleans are BOOLEAN NOT NULL DEFAULT false, flags are booleans."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, ident, qual, t_key
from . import CATALOG, CONVENTION, ERROR, Rule

RULE = Rule(
    "boolean-not-null", ERROR, CONVENTION, CATALOG,
    "Booleans are BOOLEAN NOT NULL DEFAULT false; no integer or text flags.",
    rationale="A nullable boolean has three states, and every query must decide what NULL means; an integer or "
              "text flag admits values that are neither.",
    bad="CREATE TABLE switches (id BIGSERIAL PRIMARY KEY, active BOOLEAN, is_public INTEGER NOT NULL DEFAULT 0);",
    good="CREATE TABLE switches (id BIGSERIAL PRIMARY KEY, active BOOLEAN NOT NULL DEFAULT false);")


def check(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        if c.type_name == "bool":
            problems, fixes = [], []
            if c.nullable:
                problems.append("is nullable")
                fixes.append(f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c.name)} SET NOT NULL;  -- after UPDATE ... WHERE {ident(c.name)} IS NULL")
            if (c.default or "").lower() != "false":
                problems.append(f"default is {c.default or 'missing'}, not false")
                fixes.append(f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c.name)} SET DEFAULT false;")
            if problems:
                yield Hit(RULE.id, c_obj(t, c.name), "boolean " + "; ".join(problems) + ": use BOOLEAN NOT NULL DEFAULT false",
                          (c_key(t, c.name), t_key(t)),
                          evidence=(f"{c.name} boolean{'' if c.nullable else ' NOT NULL'} DEFAULT {c.default or '-'}",),
                          detail="boolean", fix="\n".join(fixes))
        elif c.name.startswith(("is_", "has_")) and not c.is_array:
            yield Hit(RULE.id, c_obj(t, c.name), f"flag column is {c.data_type}: use BOOLEAN NOT NULL DEFAULT false",
                      (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type} (named as a yes/no flag)",),
                      detail="flag-type")
