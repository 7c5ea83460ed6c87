"""Delete-impact preview and the confirmed delete.

From one row, walk the FK graph the way PostgreSQL's cascades will: rows deleted through
ON DELETE CASCADE (transitively, through self-references and cycles), rows set to NULL or
to their default, and the RESTRICT / NO ACTION references that would refuse the delete
(referencing rows that are not themselves deleted).

Set-based, so a project owning a million rows is previewed in about half a second.  Where the
cascade is a tree (one CASCADE edge into each table it reaches, no cycle, at most CHAIN_MAX_DEPTH
levels), nothing is stored: each table's rows are a subquery that follows its one path up to the
row, so every count is one query that PostgreSQL may run in parallel (a temporary table cannot
be read by parallel workers), and the preview is READ ONLY from its first statement and needs no
TEMP privilege.  The confirmed delete walks the same way, locking each table's rows before it
counts them.  Otherwise: one temporary table of keys per table the cascade reaches, and per
round one `INSERT ... SELECT` per CASCADE edge that adds the newly reached rows (deduplicated
against the rows already there, which is what makes self-references and cycles terminate);
tables that nothing references and that only one edge reaches are counted, not stored.  Either
way the counts and digests are of the same rows, so a preview's token is the delete's.  The
preview runs in one REPEATABLE READ snapshot and is rolled back.

The preview is the exact contract of the delete: per table the count and a digest of the
exact rows deleted or cleared, and every rule and user trigger that the delete can fire
(their effect cannot be predicted, so their presence alone needs confirmation).  Its token
(integrity/token.py) is an HMAC with a key kept outside the database over that contract, the
database identity (system identifier, database) and an expiry.  The confirmed delete
recomputes the impact inside its own transaction with every row it covers locked, and
deletes only when the token confirms exactly that impact; otherwise it rolls back and
reports the new impact and token.  A delete that touches no other row and fires nothing
needs no token.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from ..catalog import graph
from ..catalog.model import CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL, Catalog, ForeignKey, Table
from ..config import Settings
from ..errors import EXIT_FINDINGS, WorkbenchError
from .common import bindable, check_key, find_table, from_clause, key_condition, parse_key, primary_key, qualified
from .token import Signer, ephemeral_signer, signer_for

WORK_MEM = "64MB"
TEMP_BUFFERS = "128MB"
LOCK_TIMEOUT = "5s"
#: The deepest cascade tree previewed by chained subqueries: one table a level, each query joins its
#: table's whole path, and PostgreSQL's exhaustive join search stops at 8 relations (join_collapse_limit);
#: a deeper tree is walked with temporary tables.
CHAIN_MAX_DEPTH = 7

#: Types (pg_type.typname) whose values PostgreSQL hashes directly (an extended hash function in their
#: default hash operator class): an identity made only of these is digested without printing it as text.
HASHABLE = frozenset({"int2", "int4", "int8", "oid", "tid", "text", "varchar", "bpchar", "name", "uuid", "bool",
                      "numeric", "date", "timestamp", "timestamptz", "bytea"})


#: How an identity is hashed: the text of the record (any types), the record itself (PostgreSQL 14+, every
#: column HASHABLE), or its one bigint column, whose hash equals the one-column record's (so a bigint
#: key digests to the same value either way) at a fifth of the cost.
TEXT, RECORD, BIGINT = "text", "record", "bigint"
_HASHES = {TEXT: "hashtextextended((ROW({e}))::text, {seed})", RECORD: "hash_record_extended(ROW({e}), {seed})",
           BIGINT: "hashint8extended({e}, {seed})"}


def _digest(exprs: Sequence[sql.Composable], how: str = TEXT) -> sql.Composable:
    """Order-free digest of a set of rows: two independent 64-bit hash sums of each row's identity
    (`exprs`), hashed `how`.  Over a million rows the record hash is twice as fast as the text one, the
    bigint hash five times.  Preview and delete digest a table the same way on the same server, so
    their tokens agree.  The bigint sums accumulate exactly (sum(bigint) is numeric): no cast per row.
    """
    hashed = sql.SQL(_HASHES[how])
    row = sql.SQL(", ").join(exprs)
    return sql.SQL("coalesce(sum({a}), 0)::text || ':' || coalesce(sum({b}), 0)::text").format(
        a=hashed.format(e=row, seed=sql.SQL("0")), b=hashed.format(e=row, seed=sql.SQL("1")))


def identity_exprs(table: Table, alias: str) -> list[sql.Composable]:
    """What names one row of `table`: its primary key, else (tableoid, ctid)."""
    if table.primary_key and table.primary_key.columns:
        return [sql.Identifier(alias, c) for c in table.primary_key.columns]
    return [sql.SQL("{}.tableoid").format(sql.Identifier(alias)), sql.SQL("{}.ctid").format(sql.Identifier(alias))]


@dataclass(frozen=True)
class EdgeEffect:
    """Rows of `table` that reference deleted rows of `parent` through one FK, and what happens to them."""

    table: str
    constraint: str
    columns: tuple[str, ...]
    parent: str
    action: str
    rows: int
    digest: str = ""  # of the exact rows (see _digest)

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "constraint": self.constraint, "columns": list(self.columns),
                "parent": self.parent, "action": self.action, "rows": self.rows}


@dataclass
class Impact:
    """What deleting one row does, per table; `token` confirms exactly this impact."""

    database: str
    table: str
    key: dict[str, str]
    deleted: dict[str, int] = field(default_factory=dict)
    set_null: dict[str, int] = field(default_factory=dict)
    set_default: dict[str, int] = field(default_factory=dict)
    effects: list[EdgeEffect] = field(default_factory=list)  # SET NULL/DEFAULT and blocking edges with rows
    warnings: list[str] = field(default_factory=list)
    rounds: int = 0
    side_effects: list[str] = field(default_factory=list)  # rules and user triggers the delete can fire
    digests: dict[str, str] = field(default_factory=dict)  # table -> digest of its deleted rows
    identity: dict[str, Any] = field(default_factory=dict)  # system identifier, database name and oid
    token: str | None = None  # set by preview/delete_row when the delete needs confirmation

    @property
    def blockers(self) -> list[EdgeEffect]:
        return [e for e in self.effects if e.action in (RESTRICT, NO_ACTION)]

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def cascades(self) -> bool:
        """True when the delete touches any row besides the one asked for (so it needs a token)."""
        others = sum(self.deleted.values()) - 1
        return others > 0 or any(self.set_null.values()) or any(self.set_default.values())

    @property
    def needs_confirmation(self) -> bool:
        """Other rows are touched, or rules/triggers fire whose effect the preview cannot know."""
        return self.cascades or bool(self.side_effects)

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    def canonical(self) -> str:
        """Everything a token confirms: the database, the row, the exact rows per table, what fires."""
        return json.dumps({"identity": self.identity, "table": self.table, "key": self.key,
                           "deleted": {t: [n, self.digests.get(t, "")] for t, n in self.deleted.items()},
                           "effects": [[e.table, e.constraint, e.action, e.rows, e.digest] for e in self.effects],
                           "side_effects": self.side_effects}, sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return {"database": self.database, "table": self.table, "key": self.key, "deleted": self.deleted,
                "set_null": self.set_null, "set_default": self.set_default,
                "effects": [e.as_dict() for e in self.effects], "blocked": self.blocked,
                "needs_confirmation": self.needs_confirmation,
                "token": self.token if self.needs_confirmation and not self.blocked else None,
                "side_effects": self.side_effects, "warnings": self.warnings, "total_deleted": self.total_deleted}


# --- the walk -----------------------------------------------------------------------------------

def _incoming(catalog: Catalog, table: Table) -> list[ForeignKey]:
    """Declared FKs that point at rows of `table` (including FKs to its partitioned ancestors)."""
    fks = list(graph.children(catalog, table))
    parent = table.partition_of
    while parent is not None:
        fks.extend(graph.children(catalog, parent))
        up = catalog.get(parent[1], parent[0])
        parent = up.partition_of if up else None
    return fks


class _Walk:
    """The queries (and temporary tables) of one impact computation, inside the caller's transaction.

    `chain`: where the cascade is a tree, follow each table's one path in a subquery instead of
    storing keys (see the module's docstring); `chained` says whether it does."""

    def __init__(self, conn: psycopg.Connection, catalog: Catalog, root: Table, *, chain: bool = False):
        self.conn = conn
        self.catalog = catalog
        self.root = root
        self.reached = self._cascade_closure(root)  # tables the cascade can reach, in a stable order
        self.edges_in: dict[tuple[str, str], list[ForeignKey]] = {
            t.key: [fk for fk in _incoming(catalog, t)] for t in self.reached}
        # table -> every edge into it from a reached table, (fk, that table), in the walk's order
        self.edges_into: dict[tuple[str, str], list[tuple[ForeignKey, Table]]] = {}
        for parent in self.reached:
            for fk in self.edges_in[parent.key]:
                self.edges_into.setdefault(fk.child, []).append((fk, parent))
        self.revisited = self._revisited()
        self.depth = self._depth() if not self.revisited else None
        self.chained = chain and self.depth is not None and self.depth <= CHAIN_MAX_DEPTH
        self.leaves = set() if self.chained else self._leaves()
        self.temp: dict[tuple[str, str], sql.Identifier] = {}
        self.keys: dict[tuple[str, str], list[tuple[str, sql.Composable]]] = {
            t.key: self._stored(t) for t in self.reached if t.key not in self.leaves}
        self.hash_records = conn.info.server_version >= 140000
        self.key: tuple[Any, ...] = ()

    def digest_kind(self, table: Table) -> str:
        """How `table`'s identity (its primary key, else tableoid and ctid) is hashed (see _digest)."""
        if not self.hash_records:
            return TEXT
        if not (table.primary_key and table.primary_key.columns):
            return RECORD  # oid and tid
        type_of = {c.name: c.type_name for c in table.columns}
        types = [type_of.get(c) for c in table.primary_key.columns]
        if types == ["int8"]:
            return BIGINT
        return RECORD if all(t in HASHABLE for t in types) else TEXT

    def _cascade_closure(self, root: Table) -> list[Table]:
        """The root, then every table ON DELETE CASCADE can reach from it (the schema-level walk)."""
        order = [root]
        for step in graph.reach(self.catalog, root).steps:  # breadth-first: owners before what they own
            table = self.catalog.get(step.fk.table, step.fk.schema)
            if step.outcome == graph.DELETED and table is not None and table not in order:
                order.append(table)
        return order

    def _depth(self) -> int | None:
        """How many CASCADE levels the tree has below the root; None if a table's path cannot be followed."""
        depth = {self.root.key: 0}
        for table in self.reached[1:]:  # breadth-first: each parent comes before its children
            edge = self._cascade_into(table.key)[:1]
            if not edge or edge[0][1].key not in depth:
                return None
            depth[table.key] = depth[edge[0][1].key] + 1
        return max(depth.values())

    def _cascade_into(self, key: tuple[str, str]) -> list[tuple[ForeignKey, Table]]:
        return [(fk, parent) for fk, parent in self.edges_into.get(key, []) if fk.on_delete == CASCADE]

    def _leaves(self) -> set[tuple[str, str]]:
        """Tables counted without storing: nothing references them and exactly one edge reaches them."""
        leaves = set()
        for table in self.reached[1:]:
            if _incoming(self.catalog, table):
                continue
            into = self.edges_into.get(table.key, [])
            if len(into) == 1 and into[0][0].on_delete == CASCADE:
                leaves.add(table.key)
        return leaves

    def _revisited(self) -> set[tuple[str, str]]:
        """Tables whose rows the walk can reach twice: more than one CASCADE edge into them, or on a
        cascade cycle.  Only these need the NOT EXISTS check against rows already collected (and an
        index for it); elsewhere each parent row is in one round and each child row has one parent."""
        out = {k for k in self.edges_into if len(self._cascade_into(k)) > 1}
        for table in self.reached:  # on a cycle: the table reaches itself through CASCADE edges
            seen, todo = set(), [table.key]
            while todo:
                key = todo.pop()
                for fk in self.edges_in.get(key, []):
                    if fk.on_delete != CASCADE:
                        continue
                    if fk.child == table.key:
                        out.add(table.key)
                    if fk.child not in seen:
                        seen.add(fk.child)
                        todo.append(fk.child)
        return out

    # Columns stored per reached table: its identity (PK, or tableoid+ctid) and every column
    # an incoming FK references.
    def _stored(self, table: Table) -> list[tuple[str, sql.Composable]]:
        cols: list[tuple[str, sql.Composable]] = []
        if table.primary_key and table.primary_key.columns:
            cols += [(c, sql.Identifier("c", c)) for c in table.primary_key.columns]
        else:
            cols += [("row_tableoid", sql.SQL("c.tableoid")), ("row_ctid", sql.SQL("c.ctid"))]
        names = {n for n, _ in cols}
        for fk in self.edges_in[table.key]:
            for c in fk.ref_columns:
                if c not in names:
                    names.add(c)
                    cols.append((c, sql.Identifier("c", c)))
        return cols

    def identity(self, table: Table) -> list[str]:
        if table.primary_key and table.primary_key.columns:
            return list(table.primary_key.columns)
        return ["row_tableoid", "row_ctid"]

    def rows_of(self, table: Table) -> sql.Composable:
        """The collected rows of `table` as a FROM item with its stored columns: its temporary table,
        or (chained) a subquery that follows its CASCADE path up to the root row.  The root's key
        is a quoted literal, so these queries take no parameters (a `%` in a name stays a name)."""
        if not self.chained:
            return self.temp[table.key]
        if table.key == self.root.key:
            where = sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier("c", col), sql.Literal(value))
                                          for col, value in zip(primary_key(table), self.key))
        else:
            fk, parent = self._cascade_into(table.key)[0]
            where = sql.SQL("EXISTS (SELECT 1 FROM {f} AS f WHERE {j})").format(f=self.rows_of(parent),
                                                                                   j=self._join(fk))
        return sql.SQL("(SELECT {s} FROM {t} AS c WHERE {w})").format(s=self._select_list(table), t=from_clause(table),
                                                                     w=where)

    def _select_list(self, table: Table) -> sql.Composable:
        """The stored columns of `table`, as `expr AS name`, read from the table aliased `c`."""
        return sql.SQL(", ").join(sql.SQL("{} AS {}").format(expr, sql.Identifier(n)) for n, expr in self.keys[table.key])

    def _same_row(self, table: Table) -> sql.Composable:
        """`d` (its collected rows) holds the row `c` of `table`: their identities are equal."""
        exprs = dict(self.keys[table.key])
        return sql.SQL(" AND ").join(sql.SQL("d.{} = {}").format(sql.Identifier(k), exprs[k])
                                     for k in self.identity(table))

    def create(self) -> None:
        self.conn.execute("SELECT set_config('work_mem', %s, true)", (WORK_MEM,))
        if self.chained:
            return
        try:  # room for the temporary tables in memory; only possible before a session's first one
            with self.conn.transaction():
                self.conn.execute("SELECT set_config('temp_buffers', %s, false)", (TEMP_BUFFERS,))
        except psycopg.Error:
            pass
        for i, table in enumerate(self.reached):
            if table.key in self.leaves:
                continue
            name = sql.Identifier(f"_x121_impact_{i}")
            self.temp[table.key] = name
            try:
                self.conn.execute(sql.SQL(
                    "CREATE TEMP TABLE {n} ON COMMIT DROP AS SELECT {s}, 0 AS round FROM {t} AS c WITH NO DATA"
                ).format(n=name, s=self._select_list(table), t=from_clause(table)))
            except psycopg.errors.InsufficientPrivilege:
                raise self._no_temp() from None
            if table.key in self.revisited:
                self.conn.execute(sql.SQL("CREATE INDEX ON {n} ({k})").format(
                    n=name, k=sql.SQL(", ").join(sql.Identifier(k) for k in self.identity(table))))

    def _no_temp(self) -> WorkbenchError:
        info = self.conn.info
        if self.revisited:
            shared = ", ".join(sorted(t.display_name for t in self.reached if t.key in self.revisited))
            why = f"it reaches {shared} by more than one path or in a cycle"
        else:
            why = f"it is {self.depth} levels deep (subqueries follow at most {CHAIN_MAX_DEPTH})"
        return WorkbenchError(
            f"Role {info.user!r} may not create temporary tables in database {info.dbname!r}, and the cascade "
            f"from {self.root.display_name} needs them: {why}.",
            f"Grant it with GRANT TEMPORARY ON DATABASE {sql.Identifier(info.dbname).as_string(self.conn)} TO "
            f"{sql.Identifier(info.user).as_string(self.conn)}, or preview as a role that has it.")

    def seed(self, key: Sequence[Any]) -> int:
        self.key = tuple(key)
        if self.chained:
            return self.conn.execute(sql.SQL("SELECT count(*) FROM {r} AS r").format(
                r=self.rows_of(self.root))).fetchone()[0]
        cols = self.keys[self.root.key]
        query = sql.SQL("INSERT INTO {n} SELECT {s}, 0 FROM {t} AS c WHERE {w}").format(
            n=self.temp[self.root.key], s=sql.SQL(", ").join(e for _, e in cols), t=from_clause(self.root),
            w=key_condition(primary_key(self.root), "c"))
        return self.conn.execute(bindable(query), tuple(key)).rowcount

    def _join(self, fk: ForeignKey) -> sql.Composable:
        return sql.SQL(" AND ").join(sql.SQL("{} = {}").format(sql.Identifier("f", r), sql.Identifier("c", c))
                                     for c, r in zip(fk.columns, fk.ref_columns))

    def _not_deleted(self, child: Table) -> sql.Composable:
        if child.key not in self.keys:
            return sql.SQL("")
        return sql.SQL(" AND NOT EXISTS (SELECT 1 FROM {d} AS d WHERE {c})").format(d=self.rows_of(child),
                                                                                   c=self._same_row(child))

    def run(self) -> int:
        """Rounds of cascade until no table gains rows; returns the number of rounds (chained: the
        depth of the cascade tree, which nothing needs to run)."""
        if self.chained:
            return self.depth
        active = [self.root]
        rnd = 0
        while active:
            grew: dict[tuple[str, str], Table] = {}
            for parent in active:
                for fk in self.edges_in[parent.key]:
                    child = self.catalog.get(fk.table, fk.schema)
                    if fk.on_delete != CASCADE or child is None or child.key in self.leaves:
                        continue
                    cols = self.keys[child.key]
                    query = sql.SQL(
                        "INSERT INTO {n} SELECT {s}, %(next)s FROM {t} AS c JOIN {f} AS f ON f.round = %(round)s"
                        " AND {j} WHERE TRUE{nd}").format(
                        n=self.temp[child.key], s=sql.SQL(", ").join(e for _, e in cols), t=from_clause(child),
                        f=self.temp[parent.key], j=self._join(fk),
                        nd=self._not_deleted(child) if child.key in self.revisited else sql.SQL(""))
                    if self.conn.execute(bindable(query), {"round": rnd, "next": rnd + 1}).rowcount:
                        grew[child.key] = child
            for table in grew.values():
                self.conn.execute(sql.SQL("ANALYZE {}").format(self.temp[table.key]))
            active = [t for t in self.reached if t.key in grew]
            rnd += 1
        return rnd

    def _referencing(self, fk: ForeignKey, parent: Table, lock: bool) -> tuple[int, str]:
        """(count, digest) of the rows of the FK's child that reference collected rows of `parent`."""
        child = self.catalog.get(fk.table, fk.schema)
        rows = sql.SQL("SELECT {i} FROM {t} AS c WHERE EXISTS (SELECT 1 FROM {f} AS f WHERE {j}){nd}{lk}").format(
            i=sql.SQL(", ").join(sql.SQL("{} AS {}").format(e, sql.Identifier(f"k{n}"))
                                 for n, e in enumerate(identity_exprs(child, "c"))),
            t=from_clause(child), f=self.rows_of(parent), j=self._join(fk), nd=self._not_deleted(child),
            lk=sql.SQL(" FOR UPDATE OF c") if lock else sql.SQL(""))
        width = len(identity_exprs(child, "c"))
        query = sql.SQL("SELECT count(*), {d} FROM ({rows}) AS r").format(
            d=_digest([sql.Identifier("r", f"k{n}") for n in range(width)], self.digest_kind(child)), rows=rows)
        n, digest = self.conn.execute(query).fetchone()
        return n, digest

    def _stored_summary(self, table: Table, lock: bool) -> tuple[int, str]:
        """(count, digest) of the collected rows of a stored table; with `lock`, the rows are locked first."""
        temp = self.rows_of(table)
        if lock:
            self.conn.execute(sql.SQL(
                "SELECT count(*) FROM (SELECT 1 FROM {t} AS c WHERE EXISTS (SELECT 1 FROM {d} AS d WHERE {c}) "
                "FOR UPDATE OF c) AS locked").format(t=from_clause(table), d=temp, c=self._same_row(table)))
        n, digest = self.conn.execute(sql.SQL("SELECT count(*), {g} FROM {t} AS d").format(
            g=_digest([sql.Identifier("d", k) for k in self.identity(table)], self.digest_kind(table)),
            t=temp)).fetchone()
        return n, digest

    def side_effects(self, impact: Impact) -> list[str]:
        """Rules and enabled user triggers the delete can fire: on every table the cascade reaches
        (DELETE), and on the tables whose rows it sets to NULL or default (UPDATE).  Row-level
        triggers only where rows are affected; statement-level triggers and rules wherever the
        cascade sends a statement, since they fire even for no row."""
        updated: dict[tuple[str, str], Table] = {}
        for parent in self.reached:
            for fk in self.edges_in[parent.key]:
                child = self.catalog.get(fk.table, fk.schema)
                if fk.on_delete in (SET_NULL, SET_DEFAULT) and child is not None:
                    updated.setdefault(child.key, child)
        touched = {**{t: "DELETE" for t in impact.deleted}, **{t: "UPDATE" for t in impact.set_null},
                   **{t: "UPDATE" for t in impact.set_default}}
        out = []
        for event, tables in (("DELETE", self.reached), ("UPDATE", list(updated.values()))):
            for table in tables:
                has_rows = touched.get(table.display_name) is not None
                for trg in table.triggers:
                    if trg.disabled or event not in trg.events or (trg.level == "ROW" and not has_rows):
                        continue
                    out.append(f"trigger {trg.name} on {table.display_name} ({trg.timing} {event} FOR EACH "
                               f"{trg.level}, runs {trg.function})")
                for rule in table.rules:
                    if not rule.disabled and rule.event == event:
                        out.append(f"rule {rule.name} on {table.display_name} (ON {event} DO "
                                   f"{'INSTEAD' if rule.instead else 'ALSO'})")
        return sorted(dict.fromkeys(out))

    def result(self, impact: Impact, lock: bool = False) -> None:
        for table in self.reached:
            if table.key not in self.leaves:
                n, digest = self._stored_summary(table, lock)
            else:  # a leaf: the one CASCADE edge into it, from a stored table
                fk = self.edges_into[table.key][0][0]
                n, digest = self._referencing(fk, self.catalog.get(fk.ref_table, fk.ref_schema), lock)
            if n:
                impact.deleted[table.display_name] = n
                impact.digests[table.display_name] = digest
        for parent in self.reached:
            if parent.key in self.leaves:
                continue
            for fk in self.edges_in[parent.key]:
                if fk.on_delete == CASCADE:
                    continue
                n, digest = self._referencing(fk, parent, lock and fk.on_delete in (SET_NULL, SET_DEFAULT))
                if not n:
                    continue
                child = self.catalog.get(fk.table, fk.schema)
                impact.effects.append(EdgeEffect(child.display_name, fk.name, fk.columns, parent.display_name,
                                                 fk.on_delete, n, digest))
                if fk.on_delete == SET_NULL:
                    impact.set_null[child.display_name] = impact.set_null.get(child.display_name, 0) + n
                elif fk.on_delete == SET_DEFAULT:
                    impact.set_default[child.display_name] = impact.set_default.get(child.display_name, 0) + n
        impact.effects.sort(key=lambda e: (e.table, e.constraint, e.parent))
        impact.side_effects = self.side_effects(impact)

    def drop(self) -> None:
        for name in self.temp.values():
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(name))


def compute_impact(conn: psycopg.Connection, catalog: Catalog, table: Table, key: Sequence[Any], *,
                   lock: bool = False, read_only: bool = False, walk: _Walk | None = None) -> Impact:
    """The impact of deleting `table` row `key`, computed inside the caller's open transaction.

    `lock`: lock every row the delete covers (FOR UPDATE) before counting it (the confirmed
    delete).  `read_only`: once its temporary tables exist, the transaction is made READ ONLY
    (the preview, which is rolled back anyway).  `walk`: how (default: chained where the cascade
    is a tree).  Leaves no temporary table behind.  Raises WorkbenchError when the row does not exist.
    """
    impact = Impact(catalog.database, table.display_name, dict(zip(primary_key(table), map(str, key))))
    walk = walk or _Walk(conn, catalog, table, chain=True)
    walk.create()
    if read_only:
        conn.execute("SET TRANSACTION READ ONLY")
    try:
        if not walk.seed(key):
            raise NoSuchRow(table, key)
        impact.rounds = walk.run()
        walk.result(impact, lock=lock)
    finally:
        if not read_only and conn.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
            walk.drop()
    return impact


def database_identity(conn: psycopg.Connection) -> dict[str, Any]:
    """What tells this database from any other: the cluster's system identifier, its name and oid."""
    row = conn.execute("SELECT current_database(), (SELECT oid FROM pg_database WHERE datname = current_database())"
                       ).fetchone()
    identity: dict[str, Any] = {"database": row[0], "oid": int(row[1]), "system_identifier": None}
    try:
        with conn.transaction():
            system = conn.execute("SELECT system_identifier FROM pg_control_system()").fetchone()[0]
        identity["system_identifier"] = str(system)
    except psycopg.errors.InsufficientPrivilege:
        pass
    return identity


class NoSuchRow(WorkbenchError):
    def __init__(self, table: Table, key: Sequence[Any]):
        cols = primary_key(table)
        shown = ", ".join(f"{c}={v}" for c, v in zip(cols, key))
        super().__init__(f"Table {table.display_name!r} has no row with {shown}.",
                         "Check the id; the row may have been deleted already.")


class ConfirmationRequired(WorkbenchError):
    """The delete needs confirmation and no (or a stale, expired or forged) token was given: carries the
    current impact and its new token."""

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, impact: Impact, hint: str | None = None):
        super().__init__(message, hint)
        self.impact = impact


class DeleteBlocked(WorkbenchError):
    """RESTRICT / NO ACTION references would refuse the delete."""

    def __init__(self, message: str, impact: Impact):
        super().__init__(message)
        self.impact = impact


def preview(conn: psycopg.Connection, catalog: Catalog, table: Table | str, key: Sequence[Any] | str,
            signer: Signer | None = None) -> Impact:
    """Impact of a delete (and its token), in one REPEATABLE READ snapshot that is rolled back.

    A cascade tree is previewed in a READ ONLY transaction that stores nothing (so also on a
    standby, or by a role without TEMP).  Otherwise the transaction is READ WRITE only while it
    creates its temporary tables, then READ ONLY, so it works on a read-only session and can
    write nothing but its own temporary rows.
    `signer` defaults to a key of this process (pass :func:`token.signer_for` for tokens that
    another process accepts).
    """
    table = find_table(catalog, table) if isinstance(table, str) else table
    key = parse_key(table, key)
    check_key(conn, table, key)
    walk = _Walk(conn, catalog, table, chain=True)
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" if walk.chained else
                     "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE")
        identity = database_identity(conn)
        impact = compute_impact(conn, catalog, table, key, read_only=True, walk=walk)
    impact.identity = identity
    if impact.needs_confirmation and not impact.blocked:
        impact.token = (signer or ephemeral_signer()).issue(impact.canonical())
    return impact


def delete_row(conn: psycopg.Connection, catalog: Catalog, table: Table | str, key: Sequence[Any] | str,
               token: str | None = None, signer: Signer | None = None) -> Impact:
    """Delete one row if its impact is confirmed; returns the impact that was applied.

    In one REPEATABLE READ transaction: lock the row and every row the delete covers FOR
    UPDATE, recompute the impact, refuse when blocked (DeleteBlocked) or when it needs
    confirmation and `token` does not confirm exactly this impact (ConfirmationRequired, with
    the new impact and token), else delete and commit.  Because the impact and the delete
    share one snapshot with those rows locked, the rows removed are the rows confirmed; a
    concurrent change the snapshot cannot see makes the delete fail rather than do more.
    """
    from .messages import blocked_sentence, cascade_sentence, translated_error

    signer = signer or ephemeral_signer()
    table = find_table(catalog, table) if isinstance(table, str) else table
    key = parse_key(table, key)
    check_key(conn, table, key)
    cols = primary_key(table)
    try:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ WRITE")
            conn.execute("SELECT set_config('lock_timeout', %s, true)", (LOCK_TIMEOUT,))
            locked = conn.execute(bindable(sql.SQL("SELECT 1 FROM {t} WHERE {w} FOR UPDATE").format(
                t=qualified(table), w=key_condition(cols))), tuple(key)).fetchone()
            if locked is None:
                raise NoSuchRow(table, key)
            identity = database_identity(conn)
            impact = compute_impact(conn, catalog, table, key, lock=True)
            impact.identity = identity
            if impact.blocked:
                raise DeleteBlocked(blocked_sentence(conn, catalog, table, key, impact), impact)
            if impact.needs_confirmation:
                canonical = impact.canonical()
                refusal = signer.refusal(token, canonical) if token else None
                if token is None or refusal:
                    impact.token = signer.issue(canonical)
                    what = cascade_sentence(conn, catalog, table, key, impact) if impact.cascades else \
                        f"Deleting {table.display_name} {', '.join(map(str, key))} fires rules or triggers."
                    fires = (" It fires " + "; ".join(impact.side_effects) + ", whose effect the preview cannot "
                             "know.") if impact.side_effects else ""
                    if token:
                        raise ConfirmationRequired(
                            f"{refusal[0].upper()}{refusal[1:]}, so nothing was deleted: {what}{fires}",
                            impact, f"Check the new impact, then confirm with --token {impact.token}.")
                    raise ConfirmationRequired(f"{what}{fires}", impact, f"Confirm with --token {impact.token}.")
                impact.token = token
            deleted = conn.execute(bindable(sql.SQL("DELETE FROM {t} WHERE {w}").format(
                t=qualified(table), w=key_condition(cols))), tuple(key)).rowcount
            if deleted != 1 and not any(r.instead for t in catalog.tables for r in t.rules
                                        if t.key == table.key and r.event == "DELETE"):
                # cannot happen under the row lock; never commit a surprise
                raise WorkbenchError(f"Expected to delete 1 row of {table.display_name}, deleted {deleted}; "
                                     "nothing was deleted.")
    except psycopg.errors.SerializationFailure:
        raise WorkbenchError(f"The rows under {table.display_name} {', '.join(map(str, key))} changed while "
                             "deleting, so nothing was deleted.", "Preview the delete again.") from None
    except psycopg.errors.LockNotAvailable:
        raise WorkbenchError(f"Another session is changing {table.display_name} {', '.join(map(str, key))}; "
                             "nothing was deleted.", "Try again in a moment.") from None
    except psycopg.errors.IntegrityError as exc:
        raise translated_error(exc, catalog, conn) from exc
    return impact


def _connect_and_reflect(settings: Settings, *, read_only: bool) -> tuple[psycopg.Connection, Catalog]:
    from ..database.connect import connect
    from ..catalog.reflect import reflect

    conn = connect(settings, autocommit=True, read_only=read_only)
    try:
        return conn, reflect(conn)
    except BaseException:
        conn.close()
        raise


def preview_delete(settings: Settings, table: str, id: str | Sequence[Any]) -> Impact:  # noqa: A002
    """API for the platform: the impact of deleting `table` row `id` and its confirmation token
    (signed with the workbench's key, so `delete` in another process accepts it)."""
    conn, catalog = _connect_and_reflect(settings, read_only=True)
    with conn:
        return preview(conn, catalog, table, id, signer_for(settings.data_dir))


def delete(settings: Settings, table: str, id: str | Sequence[Any], token: str | None = None) -> Impact:  # noqa: A002
    """API for the platform: the confirmed delete (see :func:`delete_row`)."""
    conn, catalog = _connect_and_reflect(settings, read_only=False)
    with conn:
        return delete_row(conn, catalog, table, id, token, signer_for(settings.data_dir))
