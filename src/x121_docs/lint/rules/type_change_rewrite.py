"""type-change-rewrite: changing a column's type on an existing table rewrites it."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import RELAXING_TYPES, MigrationSource, SourceHit, strings
from . import SAFETY, SOURCE, WARNING, Rule


RULE = Rule(
    "type-change-rewrite", WARNING, SAFETY, SOURCE,
    "Changing a column's type on an existing table rewrites it under an exclusive lock.",
    rationale="Most type changes rewrite every row and rebuild every index of the table under an ACCESS "
              "EXCLUSIVE lock; only a few (to text, to an unlimited varchar) are catalog-only.",
    bad="ALTER TABLE scratch ALTER COLUMN amount TYPE BIGINT;",
    good="ALTER TABLE scratch ALTER COLUMN label TYPE TEXT;  -- varchar(n) to text: no rewrite")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx, rel, cmd in m.alter_existing("AT_AlterColumnType"):
        tn = ((cmd.get("def") or {}).get("ColumnDef", {}).get("typeName") or {})
        names = strings(tn.get("names"))
        if not (names and names[-1] in RELAXING_TYPES and not tn.get("typmods")):
            yield cx.hit(RULE.id, cx.obj(rel, cmd["name"]),
                         f"changing the type of {cmd['name']} rewrites {cx.obj(rel)} under an ACCESS EXCLUSIVE lock")
