"""transaction-control: a migration does not manage its own transaction.

The runner applies each migration in one transaction together with its ledger row (as SQLx
does). A COMMIT inside the file would commit half a migration without its ledger row, a
ROLLBACK would undo the runner's own work, and a BEGIN only warns; SAVEPOINTs are inert at best.
A file whose first line is `-- no-transaction` runs as written, so the rule leaves it alone;
statements that cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...)
are reported in the other files, since applying them would fail.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit
from . import ERROR, SAFETY, SOURCE, Rule

RULE = Rule(
    "transaction-control", ERROR, SAFETY, SOURCE,
    "No BEGIN, COMMIT, ROLLBACK, SAVEPOINT or PREPARE TRANSACTION in a migration (the runner owns the transaction), "
    "and statements that cannot run in a transaction only in a `-- no-transaction` file.",
    rationale="Each migration and its ledger row commit together, or not at all. Transaction control inside the "
              "file breaks that: a COMMIT makes half a migration permanent with no ledger row, so the next run "
              "applies it again. CREATE INDEX CONCURRENTLY, VACUUM and the like refuse to run inside the "
              "runner's transaction; put them in a file whose first line is `-- no-transaction`.",
    bad="BEGIN;\nCREATE TABLE rooms (id BIGSERIAL PRIMARY KEY);\nCOMMIT;",
    good="CREATE TABLE rooms (id BIGSERIAL PRIMARY KEY);")

_KINDS = {
    "TRANS_STMT_BEGIN": "BEGIN", "TRANS_STMT_START": "START TRANSACTION", "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK", "TRANS_STMT_SAVEPOINT": "SAVEPOINT", "TRANS_STMT_RELEASE": "RELEASE SAVEPOINT",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO SAVEPOINT", "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED", "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}


def _outside_transaction_only(kind: str, n: dict) -> str | None:
    """What a statement that PostgreSQL refuses inside a transaction block is, or None."""
    if kind == "IndexStmt" and n.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and n.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and any(p.get("DefElem", {}).get("defname") == "concurrently" for p in n.get("params") or []):
        return "REINDEX CONCURRENTLY"
    if kind == "VacuumStmt":
        return "VACUUM" if n.get("is_vacuumcmd") else None
    return _NEVER_IN_TRANSACTION.get(kind)


_NEVER_IN_TRANSACTION = {"CreatedbStmt": "CREATE DATABASE", "DropdbStmt": "DROP DATABASE",
                         "AlterSystemStmt": "ALTER SYSTEM", "CreateTableSpaceStmt": "CREATE TABLESPACE",
                         "DropTableSpaceStmt": "DROP TABLESPACE"}
#: Every statement kind this rule reports (`_outside_transaction_only` looks at no other).
_KINDS_CHECKED = ("TransactionStmt", "IndexStmt", "DropStmt", "ReindexStmt", "VacuumStmt", *_NEVER_IN_TRANSACTION)


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx in m.of_kind(*_KINDS_CHECKED):
        if cx.file.no_transaction:
            continue
        st = cx.statement
        where = f"{cx.file.path.name} statement {st.index + 1}"
        if st.kind == "TransactionStmt":
            what = _KINDS.get(st.node.get("kind"), "transaction control")
            yield cx.hit(RULE.id, where, f"{what} inside a migration: the runner applies the file and its ledger row in "
                         "one transaction; remove it (or make `-- no-transaction` the first line and own the "
                         "consequences)", detail="transaction-statement")
        else:
            what = _outside_transaction_only(st.kind, st.node)
            if what:
                yield cx.hit(RULE.id, where, f"{what} cannot run inside the migration's transaction: put it in a file "
                             "whose first line is `-- no-transaction`", detail="needs-no-transaction")
