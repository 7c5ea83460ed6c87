"""volatile-default: adding a column with a volatile default to an existing table rewrites it."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import SERIAL_TYPES, VOLATILE_FUNCTIONS, MigrationSource, SourceHit, func_names, strings
from . import SAFETY, SOURCE, WARNING, Rule


RULE = Rule(
    "volatile-default", WARNING, SAFETY, SOURCE,
    "Adding a column with a volatile default to an existing table rewrites it under an exclusive lock.",
    rationale="A constant default is stored once in the catalog; a volatile one (random(), gen_random_uuid(), "
              "a serial's nextval()) must be computed per row, so the whole table is rewritten under an ACCESS "
              "EXCLUSIVE lock.",
    bad="ALTER TABLE owners ADD COLUMN token TEXT DEFAULT gen_random_uuid()::text;",
    good="ALTER TABLE owners ADD COLUMN token TEXT;\n-- backfill in batches, then:\n"
         "ALTER TABLE owners ALTER COLUMN token SET DEFAULT gen_random_uuid()::text;")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx, rel, cmd in m.alter_existing("AT_AddColumn"):
        col = (cmd.get("def") or {}).get("ColumnDef")
        if not col:
            continue
        line = cx.line_of_byte(col.get("location", 0))
        names = strings((col.get("typeName") or {}).get("names"))
        if names and names[-1] in SERIAL_TYPES:
            yield cx.hit(RULE.id, cx.obj(rel, col["colname"]),
                         f"adding a {names[-1]} column fills it with nextval() row by row: the table is rewritten", line)
            continue
        for c in col.get("constraints") or []:
            con = c.get("Constraint", {})
            if con.get("contype") == "CONSTR_DEFAULT":
                volatile = sorted(set(func_names(con.get("raw_expr"))) & VOLATILE_FUNCTIONS)
                if volatile:
                    yield cx.hit(RULE.id, cx.obj(rel, col["colname"]),
                                 f"volatile default ({', '.join(volatile)}()) on an existing table rewrites it; add "
                                 "the column without it, backfill in batches, then SET DEFAULT", line)
