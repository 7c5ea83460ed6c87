"""drop-object: dropping a table or column destroys data and breaks running code."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit, strings
from . import SAFETY, SOURCE, WARNING, Rule

RULE = Rule(
    "drop-object", WARNING, SAFETY, SOURCE,
    "Dropping a table or column destroys data and breaks running code.",
    rationale="A drop cannot be rolled back once committed, and the application version still running during "
              "a deploy may read the object. Stop using it first, then drop it in a later release.",
    bad="ALTER TABLE scratch DROP COLUMN junk;",
    good="-- release 1: the code stops reading scratch.junk\n-- release 2:\n"
         "ALTER TABLE scratch DROP COLUMN junk;  -- x121-lint: disable=drop-object reason: unused since release 1")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx in m.of_kind("AlterTableStmt", "DropStmt"):
        st, n = cx.statement, cx.statement.node
        if st.kind == "AlterTableStmt" and n.get("objtype") in (None, "OBJECT_TABLE") and "relation" in n:
            rel = cx.rel(n["relation"])
            if not m.existing(rel, cx.file_no):
                continue
            for item in n.get("cmds") or []:
                cmd = item.get("AlterTableCmd", {})
                if cmd.get("subtype") == "AT_DropColumn":
                    yield cx.hit(RULE.id, cx.obj(rel, cmd["name"]),
                                 f"dropping column {cmd['name']} destroys its data and breaks code that reads it")
        elif st.kind == "DropStmt" and n.get("removeType") == "OBJECT_TABLE":
            for obj in n.get("objects") or []:
                names = strings(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
                if names:
                    key = (names[-2] if len(names) > 1 else cx.schema, names[-1])
                    if m.existing(key, cx.file_no):
                        yield cx.hit(RULE.id, cx.obj(key), f"dropping table {cx.obj(key)} destroys its data")
