"""index-concurrently: CREATE/DROP INDEX on a table an earlier migration created uses CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit, strings
from . import SAFETY, SOURCE, WARNING, Rule

RULE = Rule(
    "index-concurrently", WARNING, SAFETY, SOURCE,
    "CREATE/DROP INDEX on a table created by an earlier migration uses CONCURRENTLY (no write lock).",
    rationale="A plain CREATE INDEX holds a SHARE lock for the whole build: every insert, update and delete of "
              "the table waits. CONCURRENTLY builds without blocking writes (it needs a `-- no-transaction` "
              "migration).",
    bad="-- (owners was created by an earlier migration)\nCREATE INDEX idx_owners_name ON owners (name);",
    good="-- no-transaction\nCREATE INDEX CONCURRENTLY idx_owners_name ON owners (name);")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx in m.of_kind("IndexStmt", "DropStmt"):
        st, n = cx.statement, cx.statement.node
        if st.kind == "IndexStmt":
            rel = cx.rel(n["relation"])
            cols = [p["IndexElem"].get("name") or "expr" for p in n.get("indexParams") or [] if "IndexElem" in p]
            name = n.get("idxname") or f"{rel[1]}_{'_'.join(cols)}_idx"
            if m.existing(rel, cx.file_no) and not n.get("concurrent"):
                yield cx.hit(RULE.id, cx.obj(rel, name),
                             f"CREATE INDEX on existing table {cx.obj(rel)} blocks writes while it builds: use "
                             "CONCURRENTLY (in a migration without a transaction)")
        elif st.kind == "DropStmt" and n.get("removeType") == "OBJECT_INDEX" and not n.get("concurrent"):
            for obj in n.get("objects") or []:
                names = strings(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
                if not names:
                    continue
                key = (names[-2] if len(names) > 1 else cx.schema, names[-1])
                if key in m.index_file and m.index_file[key] < cx.file_no:
                    yield cx.hit(RULE.id, cx.obj(m.index_table[key], key[1]),
                                 f"DROP INDEX {key[1]} blocks its table: use DROP INDEX CONCURRENTLY")
