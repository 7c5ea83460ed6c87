"""constraint-not-valid: constraints added to existing tables do not scan them under lock."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit
from . import SAFETY, SOURCE, WARNING, Rule

RULE = Rule(
    "constraint-not-valid", WARNING, SAFETY, SOURCE,
    "On an existing table, add FK/CHECK constraints NOT VALID (validate later) and UNIQUE/PK USING INDEX.",
    rationale="Adding a validated FK or CHECK scans the whole table while holding a lock that blocks writes; "
              "NOT VALID then VALIDATE CONSTRAINT splits it into a quick catalog change and a scan that does "
              "not block. A UNIQUE built by ADD CONSTRAINT builds its index under lock; build it CONCURRENTLY first.",
    bad="ALTER TABLE scratch ADD CONSTRAINT ck_scratch_amount CHECK (amount > 0);",
    good="ALTER TABLE scratch ADD CONSTRAINT ck_scratch_amount CHECK (amount > 0) NOT VALID;\n"
         "ALTER TABLE scratch VALIDATE CONSTRAINT ck_scratch_amount;")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx, rel, cmd in m.alter_existing("AT_AddConstraint"):
        con = (cmd.get("def") or {}).get("Constraint")
        if not con:
            continue
        line = cx.line_of_byte(con.get("location", 0)) if con.get("location", -1) >= 0 else cx.statement.line
        kind, name = con.get("contype"), con.get("conname") or "(unnamed)"
        if kind in ("CONSTR_FOREIGN", "CONSTR_CHECK") and not con.get("skip_validation") and con.get("initially_valid"):
            yield cx.hit(RULE.id, cx.obj(rel, name),
                         f"adding {'an FK' if kind == 'CONSTR_FOREIGN' else 'a CHECK'} to an existing table scans it "
                         "under lock: add it NOT VALID, then VALIDATE CONSTRAINT in a later step", line)
        elif kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not con.get("indexname"):
            yield cx.hit(RULE.id, cx.obj(rel, name),
                         "adding a UNIQUE/PRIMARY KEY to an existing table builds its index under lock: CREATE "
                         "UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX", line)
