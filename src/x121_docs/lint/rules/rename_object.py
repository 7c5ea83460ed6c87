"""rename-object: renaming a table or column breaks running code."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit
from . import SAFETY, SOURCE, WARNING, Rule

RULE = Rule(
    "rename-object", WARNING, SAFETY, SOURCE,
    "Renaming a table or column breaks running code (backward-incompatible).",
    rationale="During a deploy the old application version still runs against the new schema: a renamed table "
              "or column makes its queries fail. Add the new name, move readers and writers, drop the old one later.",
    bad="ALTER TABLE scratch RENAME COLUMN code TO ref_code;",
    good="ALTER TABLE scratch ADD COLUMN ref_code TEXT;  -- backfill, switch the code, then drop code")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx in m.of_kind("RenameStmt"):
        n = cx.statement.node
        if "relation" not in n:
            continue
        rel = cx.rel(n["relation"])
        if not m.existing(rel, cx.file_no):
            continue
        if n.get("renameType") == "OBJECT_TABLE":
            yield cx.hit(RULE.id, cx.obj(rel), f"renaming table {cx.obj(rel)} to {n['newname']} breaks running code")
        elif n.get("renameType") == "OBJECT_COLUMN":
            yield cx.hit(RULE.id, cx.obj(rel, n["subname"]),
                         f"renaming column {n['subname']} to {n['newname']} breaks running code")
