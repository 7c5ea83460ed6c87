"""Per migration statement: the lock it takes, whether it rewrites or scans a table, and the safer way.

A statement on a table that already existed before the change (it is in the base catalog, so it
holds rows and serves traffic) is what matters: a new table is empty and unused.  The rules follow
PostgreSQL's documented lock levels and the anchors squawk (https://squawkhq.com/docs/rules) and
strong_migrations (its "dangerous operations"); each issue names the rule it mirrors.  Statements are
read with pglast (PostgreSQL's own parser), through the linter's `SqlFile`, for line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..catalog.model import Catalog, display_name
from ..lint.source import RELAXING_TYPES, SERIAL_TYPES, VOLATILE_FUNCTIONS, SqlFile

Key = tuple[str, str]

# Table lock modes, weakest first.
ACCESS_SHARE, ROW_EXCLUSIVE = "ACCESS SHARE", "ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE"
EXCLUSIVE, ACCESS_EXCLUSIVE = "EXCLUSIVE", "ACCESS EXCLUSIVE"
LOCK_ORDER = (ACCESS_SHARE, "ROW SHARE", ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE,
              EXCLUSIVE, ACCESS_EXCLUSIVE)
BLOCKS = {ACCESS_EXCLUSIVE: "reads and writes", EXCLUSIVE: "writes", SHARE_ROW_EXCLUSIVE: "writes", SHARE: "writes",
          SHARE_UPDATE_EXCLUSIVE: "other schema changes and VACUUM", ROW_EXCLUSIVE: "nothing (row locks only)",
          ACCESS_SHARE: "nothing", "ROW SHARE": "nothing"}

HIGH, MEDIUM, LOW, NONE = "high", "medium", "low", "none"
RISK_ORDER = (NONE, LOW, MEDIUM, HIGH)


@dataclass(frozen=True)
class Issue:
    risk: str  # HIGH: rewrites/scans or fails under a blocking lock; MEDIUM: destructive or long row locks; LOW: brief
    message: str
    alternative: str | None = None
    rule: str | None = None  # the anchor: 'squawk:require-concurrent-index-creation', 'strong_migrations:...'
    rewrite: bool = False
    scan: bool = False


@dataclass(frozen=True)
class StatementLock:
    """One statement of a changed migration and what it does to the tables it locks."""

    file: str
    line: int
    statement: str  # one line, shortened
    kind: str  # the parse node: IndexStmt, AlterTableStmt, ...
    tables: tuple[Key, ...]  # tables it locks
    lock: str | None  # the strongest table lock it takes (None: no table lock)
    existing: bool  # some locked table existed before the change
    issues: tuple[Issue, ...] = ()

    @property
    def blocks(self) -> str:
        return BLOCKS.get(self.lock or "", "nothing")

    @property
    def rewrite(self) -> bool:
        return any(i.rewrite for i in self.issues)

    @property
    def scan(self) -> bool:
        return any(i.scan for i in self.issues)

    @property
    def risk(self) -> str:
        return max((i.risk for i in self.issues), key=RISK_ORDER.index, default=NONE)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "statement": self.statement, "kind": self.kind,
                "tables": [display_name(*k) for k in self.tables], "lock": self.lock, "blocks": self.blocks,
                "existing_table": self.existing, "rewrite": self.rewrite, "scan": self.scan, "risk": self.risk,
                "issues": [{"risk": i.risk, "message": i.message, "alternative": i.alternative, "rule": i.rule,
                            "rewrite": i.rewrite, "scan": i.scan} for i in self.issues]}


def _strings(items: list | None) -> list[str]:
    return [i["String"]["sval"] for i in (items or []) if isinstance(i, dict) and "String" in i]


def _funcs(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _funcs(item)
    elif isinstance(node, dict):
        for key, val in node.items():
            if key == "FuncCall":
                names = _strings(val.get("funcname"))
                if names:
                    yield names[-1].lower()
            yield from _funcs(val)


def _stronger(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if LOCK_ORDER.index(a) >= LOCK_ORDER.index(b) else b


class _Analyser:
    def __init__(self, base: Catalog):
        self.base = base
        self.existing = {t.key for t in base.tables}
        self.index_table = {(t.schema, i.name): t.key for t in base.tables for i in t.indexes}
        self.schema = "public"

    def rel(self, rv: dict) -> Key:
        return (rv.get("schemaname") or self.schema, rv["relname"])

    def file(self, f: SqlFile, name: str) -> list[StatementLock]:
        self.schema = "public"
        # A migration runs in one transaction (unless `-- no-transaction`): a lock taken by one
        # statement is held until the end, so a later scan of that table runs under it.
        transactional = not f.text.lstrip("\ufeff").startswith("-- no-transaction")
        held: dict[Key, tuple[str, int]] = {}
        out = []
        for st in f.statements:
            handler = getattr(self, f"on_{st.kind}", None)
            found = handler(st.node) if handler else None
            if found is None:
                continue
            tables, lock, issues = found
            text = " ".join(f.text[st.start:st.end].split())
            if len(text) > 200:
                text = text[:197] + "..."
            existing = any(t in self.existing for t in tables)
            if not existing:  # a new (empty, unused) table: nothing to warn about
                issues = []
            elif transactional and any(i.scan for i in issues):
                for t in tables:
                    if t in held and t in self.existing and LOCK_ORDER.index(held[t][0]) >= LOCK_ORDER.index(SHARE):
                        mode, line = held[t]
                        issues = [*issues, Issue(
                            HIGH, f"reads {display_name(*t)} while the {mode} lock taken at line {line} is held (one "
                            f"transaction): {BLOCKS[mode]} wait for the whole scan",
                            "move this statement into a migration of its own, after the one that takes the lock",
                            "strong_migrations:validate in a separate migration", scan=True)]
                        break
            if transactional and lock is not None:
                for t in tables:
                    if t not in held or LOCK_ORDER.index(lock) > LOCK_ORDER.index(held[t][0]):
                        held[t] = (lock, st.line)
            out.append(StatementLock(name, st.line, text, st.kind, tuple(tables), lock, existing, tuple(issues)))
        return out

    # -- statements --------------------------------------------------------------------------
    def on_VariableSetStmt(self, n: dict):  # noqa: ANN201
        if n.get("name") == "search_path" and n.get("args"):
            first = n["args"][0].get("A_Const", {}).get("sval", {}).get("sval")
            if first:
                self.schema = first
        return None

    def on_IndexStmt(self, n: dict):  # noqa: ANN201
        rel = self.rel(n["relation"])
        if n.get("concurrent"):
            return [rel], SHARE_UPDATE_EXCLUSIVE, [Issue(LOW, "builds the index concurrently: reads and writes go on "
                                                         "(slower build; must run outside a transaction)", scan=True)]
        return [rel], SHARE, [Issue(
            HIGH, "CREATE INDEX without CONCURRENTLY blocks every write to the table while it reads the whole table",
            "CREATE INDEX CONCURRENTLY in a migration of its own whose first line is `-- no-transaction`",
            "squawk:require-concurrent-index-creation", scan=True)]

    def on_DropStmt(self, n: dict):  # noqa: ANN201
        kind = n.get("removeType")
        tables, issues, lock = [], [], None
        for obj in n.get("objects") or []:
            names = _strings(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
            if not names:
                continue
            key = (names[-2] if len(names) > 1 else self.schema, names[-1])
            if kind == "OBJECT_TABLE":
                tables.append(key)
                lock = ACCESS_EXCLUSIVE
                issues.append(Issue(MEDIUM, f"DROP TABLE {display_name(*key)} destroys its rows; running code that "
                                    "reads it fails", "stop using the table in the code first, drop it in a later "
                                    "release", "squawk:ban-drop-table"))
            elif kind == "OBJECT_INDEX" and key in self.index_table:
                tables.append(self.index_table[key])
                if n.get("concurrent"):
                    lock = _stronger(lock, SHARE_UPDATE_EXCLUSIVE)
                else:
                    lock = ACCESS_EXCLUSIVE
                    issues.append(Issue(LOW, f"DROP INDEX {key[1]} takes an ACCESS EXCLUSIVE lock on its table",
                                        "DROP INDEX CONCURRENTLY (in a `-- no-transaction` migration)",
                                        "squawk:require-concurrent-index-deletion"))
        return (tables, lock, issues) if tables else None

    def on_RenameStmt(self, n: dict):  # noqa: ANN201
        kind = n.get("renameType")
        if "relation" not in n or not n["relation"]:
            return None
        rel = self.rel(n["relation"])
        if kind == "OBJECT_TABLE":
            return [rel], ACCESS_EXCLUSIVE, [Issue(MEDIUM, f"renaming table {display_name(*rel)} to {n['newname']} "
                                                   "breaks running code that uses the old name",
                                                   "create the new table or a view under the new name, move the code, "
                                                   "then drop the old one", "squawk:renaming-table")]
        if kind == "OBJECT_COLUMN":
            return [rel], ACCESS_EXCLUSIVE, [Issue(MEDIUM, f"renaming column {n.get('subname')} to {n['newname']} "
                                                   "breaks running code that uses the old name",
                                                   "add the new column, write both, backfill, move reads, then drop the "
                                                   "old one", "squawk:renaming-column")]
        if kind == "OBJECT_INDEX":
            return [rel], SHARE_UPDATE_EXCLUSIVE, []
        return [rel], ACCESS_EXCLUSIVE, []

    def on_CreateTrigStmt(self, n: dict):  # noqa: ANN201
        return [self.rel(n["relation"])], SHARE_ROW_EXCLUSIVE, [Issue(LOW, "CREATE TRIGGER briefly blocks writes")]

    def on_CommentStmt(self, n: dict):  # noqa: ANN201
        obj = n.get("object") or {}
        names = _strings(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
        if n.get("objtype") == "OBJECT_TABLE" and names:
            key = (names[-2] if len(names) > 1 else self.schema, names[-1])
        elif n.get("objtype") == "OBJECT_COLUMN" and len(names) >= 2:
            key = (names[-3] if len(names) > 2 else self.schema, names[-2])
        else:
            return None
        return [key], SHARE_UPDATE_EXCLUSIVE, []

    def on_CreateStmt(self, n: dict):  # noqa: ANN201
        rel = self.rel(n["relation"])
        refs = []
        for elt in n.get("tableElts") or []:
            cons = [elt["Constraint"]] if "Constraint" in elt else \
                [c.get("Constraint", {}) for c in (elt.get("ColumnDef", {}).get("constraints") or [])]
            for con in cons:
                if con.get("contype") == "CONSTR_FOREIGN" and con.get("pktable"):
                    refs.append(self.rel(con["pktable"]))
        if not refs:
            return None
        # The new table is empty: referencing an existing table only takes a brief lock on it.
        return [rel, *sorted(set(refs) - {rel})], SHARE_ROW_EXCLUSIVE, []

    def _dml(self, n: dict, verb: str):  # noqa: ANN202
        rel = self.rel(n["relation"])
        issues = [Issue(MEDIUM, f"{verb} on an existing table locks every row it touches until the migration commits",
                        "backfill in batches outside the migration (each batch its own transaction)",
                        "strong_migrations:backfilling data", scan=True)]
        return [rel], ROW_EXCLUSIVE, issues

    def on_UpdateStmt(self, n: dict):  # noqa: ANN201
        return self._dml(n, "UPDATE")

    def on_DeleteStmt(self, n: dict):  # noqa: ANN201
        return self._dml(n, "DELETE")

    def on_InsertStmt(self, n: dict):  # noqa: ANN201
        return [self.rel(n["relation"])], ROW_EXCLUSIVE, []

    def on_TruncateStmt(self, n: dict):  # noqa: ANN201
        rels = [self.rel(r["RangeVar"]) for r in n.get("relations") or [] if "RangeVar" in r]
        return rels, ACCESS_EXCLUSIVE, [Issue(MEDIUM, "TRUNCATE empties the table under an ACCESS EXCLUSIVE lock")]

    def on_ClusterStmt(self, n: dict):  # noqa: ANN201
        if not n.get("relation"):
            return None
        return [self.rel(n["relation"])], ACCESS_EXCLUSIVE, [Issue(HIGH, "CLUSTER rewrites the table under an ACCESS "
                                                                   "EXCLUSIVE lock", "pg_repack, outside migrations",
                                                                   rewrite=True)]

    def on_VacuumStmt(self, n: dict):  # noqa: ANN201
        full = any(o.get("DefElem", {}).get("defname") == "full" for o in n.get("options") or [])
        rels = [self.rel(r["VacuumRelation"]["relation"]) for r in n.get("rels") or []
                if "VacuumRelation" in r and r["VacuumRelation"].get("relation")]
        if not full or not rels:
            return None
        return rels, ACCESS_EXCLUSIVE, [Issue(HIGH, "VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock",
                                              "plain VACUUM, or pg_repack outside migrations", rewrite=True)]

    def on_RefreshMatViewStmt(self, n: dict):  # noqa: ANN201
        rel = self.rel(n["relation"])
        if n.get("concurrent"):
            return [rel], EXCLUSIVE, []
        return [rel], ACCESS_EXCLUSIVE, [Issue(MEDIUM, "REFRESH MATERIALIZED VIEW blocks reads of the view while it "
                                               "runs", "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index)")]

    def on_AlterTableStmt(self, n: dict):  # noqa: ANN201
        if n.get("objtype") not in (None, "OBJECT_TABLE", "OBJECT_MATVIEW") or "relation" not in n:
            return None
        rel = self.rel(n["relation"])
        tables, lock, issues = [rel], None, []
        for item in n.get("cmds") or []:
            cmd = item.get("AlterTableCmd", {})
            sub_lock, sub_issues, other = self._alter(rel, cmd)
            lock = _stronger(lock, sub_lock)
            issues += sub_issues
            tables += [t for t in other if t not in tables]
        return tables, lock, issues

    def _alter(self, rel: Key, cmd: dict) -> tuple[str, list[Issue], list[Key]]:
        sub, d = cmd.get("subtype"), cmd.get("def") or {}
        col = cmd.get("name")
        if sub == "AT_AddColumn" and "ColumnDef" in d:
            return ACCESS_EXCLUSIVE, self._add_column(d["ColumnDef"]), []
        if sub == "AT_AlterColumnType":
            tn = d.get("ColumnDef", {}).get("typeName") or {}
            names = _strings(tn.get("names"))
            if names and names[-1] in RELAXING_TYPES and not tn.get("typmods"):
                return ACCESS_EXCLUSIVE, [Issue(LOW, f"changing {col} to {names[-1]} needs no rewrite when it only "
                                                "relaxes a length limit")], []
            return ACCESS_EXCLUSIVE, [Issue(
                HIGH, f"changing the type of {col} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
                "add a new column, write both, backfill in batches, switch reads, then drop the old column",
                "squawk:changing-column-type", rewrite=True, scan=True)], []
        if sub == "AT_SetNotNull":
            return ACCESS_EXCLUSIVE, [Issue(
                HIGH, f"SET NOT NULL on {col} reads the whole table under an ACCESS EXCLUSIVE lock",
                f"ADD CONSTRAINT ... CHECK ({col} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, "
                "then SET NOT NULL (PostgreSQL uses the valid check and skips the scan) and drop the check",
                "squawk:adding-not-nullable-field", scan=True)], []
        if sub == "AT_AddConstraint" and "Constraint" in d:
            return self._add_constraint(rel, d["Constraint"])
        if sub == "AT_ValidateConstraint":
            return SHARE_UPDATE_EXCLUSIVE, [Issue(LOW, f"VALIDATE CONSTRAINT {col} reads the table but lets reads and "
                                                  "writes go on", scan=True)], []
        if sub == "AT_DropColumn":
            return ACCESS_EXCLUSIVE, [Issue(MEDIUM, f"dropping column {col} destroys its data; running code that reads "
                                            "it fails", "stop reading and writing the column in the code first, drop it "
                                            "in a later release", "strong_migrations:removing a column")], []
        if sub in ("AT_SetLogged", "AT_SetUnLogged", "AT_SetTableSpace", "AT_SetAccessMethod"):
            return ACCESS_EXCLUSIVE, [Issue(HIGH, "this ALTER TABLE rewrites the whole table under an ACCESS EXCLUSIVE "
                                            "lock", "run it in a maintenance window, or fill a new table and swap "
                                            "names", None, rewrite=True)], []
        if sub in ("AT_SetStatistics", "AT_SetRelOptions", "AT_ResetRelOptions", "AT_ClusterOn", "AT_DropCluster"):
            return SHARE_UPDATE_EXCLUSIVE, [], []
        if sub and sub.startswith(("AT_EnableTrig", "AT_DisableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig")):
            return SHARE_ROW_EXCLUSIVE, [], []
        if sub == "AT_AttachPartition":
            part = self.rel(d.get("PartitionCmd", {}).get("name", {})) if d.get("PartitionCmd", {}).get("name") else None
            return SHARE_UPDATE_EXCLUSIVE, [Issue(LOW, "ATTACH PARTITION scans the partition unless a valid CHECK "
                                                  "constraint already proves the bound", scan=True)], [part] if part else []
        if sub == "AT_DetachPartition":
            if d.get("PartitionCmd", {}).get("concurrent"):
                return SHARE_UPDATE_EXCLUSIVE, [], []
            return ACCESS_EXCLUSIVE, [Issue(LOW, "DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the parent",
                                            "DETACH PARTITION ... CONCURRENTLY")], []
        # Defaults, DROP NOT NULL, DROP CONSTRAINT, identity, owner, ...: brief metadata changes.
        return ACCESS_EXCLUSIVE, [Issue(LOW, "a brief ACCESS EXCLUSIVE lock: it waits for (and queues everything "
                                        "behind) any running query on the table", "SET lock_timeout (e.g. '5s') at the "
                                        "top of the migration and retry on timeout", "squawk:require-timeout-settings")], []

    def _add_column(self, col: dict) -> list[Issue]:
        name = col.get("colname")
        types = _strings((col.get("typeName") or {}).get("names"))
        cons = [c.get("Constraint", {}) for c in col.get("constraints") or []]
        kinds = {c.get("contype") for c in cons}
        if types and types[-1] in SERIAL_TYPES:
            return [Issue(HIGH, f"adding {types[-1]} column {name} fills every row with nextval(): the table is "
                          "rewritten under an ACCESS EXCLUSIVE lock", "add a plain column with the sequence as default "
                          "later, backfill in batches", "squawk:adding-serial-primary-key-field", rewrite=True)]
        for c in cons:
            if c.get("contype") == "CONSTR_DEFAULT":
                volatile = sorted(set(_funcs(c.get("raw_expr"))) & VOLATILE_FUNCTIONS)
                if volatile:
                    return [Issue(HIGH, f"column {name} has a volatile default ({', '.join(volatile)}()): every row is "
                                  "rewritten under an ACCESS EXCLUSIVE lock", "add the column without a default, SET "
                                  "DEFAULT, then backfill in batches", "squawk:adding-field-with-default", rewrite=True)]
        if "CONSTR_GENERATED" in kinds or "CONSTR_IDENTITY" in kinds:
            return [Issue(HIGH, f"adding generated/identity column {name} rewrites the table under an ACCESS EXCLUSIVE "
                          "lock", "add a plain column, backfill in batches, then make it generated",
                          "squawk:adding-field-with-default", rewrite=True)]
        if "CONSTR_NOTNULL" in kinds and "CONSTR_DEFAULT" not in kinds:
            return [Issue(HIGH, f"NOT NULL column {name} without a default fails on a table that has rows",
                          "add it with a constant default (no rewrite since PostgreSQL 11), or nullable and backfill",
                          "squawk:adding-required-field")]
        fk = [c for c in cons if c.get("contype") == "CONSTR_FOREIGN"]
        if fk:
            return [Issue(LOW, f"column {name} with a REFERENCES clause locks the referenced table briefly (the new "
                          "column is all NULL, so nothing is scanned)")]
        return [Issue(LOW, f"adding column {name} without a volatile default is a catalog-only change (brief ACCESS "
                      "EXCLUSIVE lock)", "SET lock_timeout at the top of the migration", "squawk:require-timeout-settings")]

    def _add_constraint(self, rel: Key, con: dict) -> tuple[str, list[Issue], list[Key]]:
        kind = con.get("contype")
        name = con.get("conname") or "(unnamed)"
        not_valid = bool(con.get("skip_validation"))
        if kind == "CONSTR_FOREIGN":
            parent = self.rel(con["pktable"]) if con.get("pktable") else None
            if not_valid:
                return SHARE_ROW_EXCLUSIVE, [Issue(LOW, f"FK {name} added NOT VALID: no scan; VALIDATE it in a later "
                                                   "migration")], [parent] if parent else []
            return SHARE_ROW_EXCLUSIVE, [Issue(
                HIGH, f"adding FK {name} reads the whole table while blocking writes to it and to the referenced table",
                "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration",
                "squawk:adding-foreign-key-constraint", scan=True)], [parent] if parent else []
        if kind == "CONSTR_CHECK":
            if not_valid:
                return ACCESS_EXCLUSIVE, [Issue(LOW, f"CHECK {name} added NOT VALID: no scan; VALIDATE it later")], []
            return ACCESS_EXCLUSIVE, [Issue(
                HIGH, f"adding CHECK {name} reads the whole table under an ACCESS EXCLUSIVE lock",
                "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration",
                "squawk:constraint-missing-not-valid", scan=True)], []
        if kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
            if con.get("indexname"):
                return ACCESS_EXCLUSIVE, [Issue(LOW, f"constraint {name} uses an existing index: no build, brief lock")], []
            return ACCESS_EXCLUSIVE, [Issue(
                HIGH, f"adding {'PRIMARY KEY' if kind == 'CONSTR_PRIMARY' else 'UNIQUE'} {name} builds its index under "
                "an ACCESS EXCLUSIVE lock", "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX",
                "squawk:disallowed-unique-constraint", scan=True)], []
        if kind == "CONSTR_EXCLUSION":
            return ACCESS_EXCLUSIVE, [Issue(HIGH, f"adding EXCLUDE {name} builds its index under an ACCESS EXCLUSIVE "
                                            "lock", "add it in a maintenance window (an exclusion constraint cannot "
                                            "use a concurrently built index)", None, scan=True)], []
        return ACCESS_EXCLUSIVE, [], []


def analyse(files: Iterable[Path], base: Catalog) -> tuple[StatementLock, ...]:
    """Every lock-taking statement of `files` (in order), judged against the tables of `base`."""
    analyser = _Analyser(base)
    out: list[StatementLock] = []
    for path in files:
        out += analyser.file(SqlFile(path, path.name), path.name)
    return tuple(out)


def has_lock_timeout(path: Path) -> bool:
    f = SqlFile(path, path.name)
    return any(st.kind == "VariableSetStmt" and st.node.get("name") == "lock_timeout" for st in f.statements)
