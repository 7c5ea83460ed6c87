"""unique-nullable: a unique key over nullable columns does not stop duplicates with NULLs."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_obj, con_key, i_key, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "unique-nullable", WARNING, INTEGRITY, CATALOG,
    "A multi-column unique constraint or index with a nullable column does not stop duplicates of the other "
    "columns when it is NULL (use NOT NULL or NULLS NOT DISTINCT).",
    rationale="NULL is never equal to NULL, so (NULL, 'x') can be inserted any number of times under a plain "
              "UNIQUE (parent_id, name): the constraint promises less than it seems to. A single nullable "
              "column is left alone: 'unique when present' is what it usually means.",
    bad="CREATE TABLE badges (id BIGSERIAL PRIMARY KEY, parent_id BIGINT, code TEXT NOT NULL,\n"
        "    CONSTRAINT uq_badges_parent_id_code UNIQUE (parent_id, code));",
    good="CREATE TABLE badges (id BIGSERIAL PRIMARY KEY, parent_id BIGINT, code TEXT NOT NULL,\n"
         "    CONSTRAINT uq_badges_parent_id_code UNIQUE NULLS NOT DISTINCT (parent_id, code));")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for ix in t.indexes:
            if not ix.unique or ix.primary or ix.nulls_not_distinct or ix.expressions or ix.partial \
                    or len(ix.key_columns) < 2:
                continue  # one nullable column: "unique when present", which is what NULLs give
            nullable = [c for c in ix.key_columns if (col := t.column(c)) is not None and col.nullable]
            if nullable and len(nullable) < len(ix.key_columns):  # all nullable: "unique when present" again
                keys = ((con_key(t, ix.constraint),) if ix.constraint else ()) + (i_key(t, ix.name), t_key(t))
                yield Hit(RULE.id, c_obj(t, ix.constraint or ix.name),
                          f"unique over nullable column(s) {', '.join(nullable)}: rows with NULL are never duplicates "
                          "(add NOT NULL or NULLS NOT DISTINCT)", keys,
                          evidence=(ix.definition, *(f"{c} is nullable" for c in nullable)))
