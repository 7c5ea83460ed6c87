"""unique-nullable: a unique key over nullable columns does not stop duplicates with NULLs."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_obj, con_key, i_key, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "unique-nullable", WARNING, INTEGRITY, CATALOG,
    "A unique constraint or index over nullable columns does not stop duplicates with NULLs (use NOT NULL or "
    "NULLS NOT DISTINCT).",
    rationale="NULL is never equal to NULL, so (NULL, 'x') can be inserted any number of times under a plain "
              "UNIQUE: the constraint promises less than it seems to.",
    bad="CREATE TABLE badges (id BIGSERIAL PRIMARY KEY, code TEXT, CONSTRAINT uq_badges_code UNIQUE (code));",
    good="CREATE TABLE badges (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL, CONSTRAINT uq_badges_code UNIQUE (code));")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for ix in t.indexes:
            if not ix.unique or ix.primary or ix.nulls_not_distinct or ix.expressions or ix.partial:
                continue
            nullable = [c for c in ix.key_columns if (col := t.column(c)) is not None and col.nullable]
            if nullable:
                keys = ((con_key(t, ix.constraint),) if ix.constraint else ()) + (i_key(t, ix.name), t_key(t))
                yield Hit(RULE.id, c_obj(t, ix.constraint or ix.name),
                          f"unique over nullable column(s) {', '.join(nullable)}: rows with NULL are never duplicates "
                          "(add NOT NULL or NULLS NOT DISTINCT)", keys,
                          evidence=(ix.definition, *(f"{c} is nullable" for c in nullable)))
