"""Fill the catalog model from a live database with a fixed number of bulk catalog queries.

One query per kind of object (relations, columns, constraints, indexes, triggers, ...), each
over the whole database, so reflecting 2,000 tables costs the same dozen round trips as 5.
System schemas and objects that belong to extensions (pg_depend deptype 'e') are left out:
they are not the project's schema.  Everything is sorted in Python (plain code-point order)
so the result does not depend on the server's collation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence as Seq
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the caller brings the connection; importing this package (the model) needs no driver
    import psycopg

from .model import (
    MATERIALIZED_VIEW,
    NO_ACTION,
    PARTITIONED_TABLE,
    TABLE,
    VIEW,
    FOREIGN_TABLE,
    CASCADE,
    RESTRICT,
    SET_DEFAULT,
    SET_NULL,
    Catalog,
    Column,
    Constraint,
    Domain,
    EnumType,
    Extension,
    ForeignKey,
    Index,
    Schema,
    Sequence,
    Table,
    Rule,
    Trigger,
)

PINNED_SEARCH_PATH = "public"  # what names in definitions are rendered relative to
#: From this many indexes in the database (pg_index, system catalogs' ~170 included) the index query runs
#: on a second connection in the same snapshot, as pg_dump -j does: the server renders index definitions
#: on the other core while this one reads columns and constraints.  In-process medians: 10,016 indexes
#: (2,000 tables) 2.1 -> 1.5 s, musicbrainz (1,638) 437 -> 345 ms, pagila (338) 116 -> 102 ms, chinook
#: (185) 65 -> 62 ms.  Small databases gain nothing worth a second backend.
COMPANION_FROM_INDEXES = 1000
RELKINDS = {"r": TABLE, "p": PARTITIONED_TABLE, "v": VIEW, "m": MATERIALIZED_VIEW, "f": FOREIGN_TABLE}
FK_ACTIONS = {"a": NO_ACTION, "r": RESTRICT, "c": CASCADE, "n": SET_NULL, "d": SET_DEFAULT}
FK_MATCH = {"s": "SIMPLE", "f": "FULL", "p": "PARTIAL"}
CONSTRAINT_KINDS = {"p": "primary key", "u": "unique", "c": "check", "x": "exclusion"}
IDENTITY = {"a": "always", "d": "by default"}
RULE_EVENTS = {"1": "SELECT", "2": "UPDATE", "3": "INSERT", "4": "DELETE"}

# A namespace is "ours" when it is not a system schema, not created by an extension, and (when
# the caller asked for some schemas) one of those.  Every query below filters through it.
_NS_FILTER = """
    n.nspname NOT LIKE 'pg\\_%%' AND n.nspname <> 'information_schema'
    AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
    AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_namespace'::regclass
                    AND e.objid = n.oid AND e.deptype = 'e')
"""
_NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = {cls}::regclass
                    AND e.objid = {oid} AND e.deptype = 'e')"""
# A comment, joined rather than looked up per row: obj_description() and col_description() are SQL
# functions that run a query for every row, which over 10,000 constraints costs a third of the query.
_COMMENT = """LEFT JOIN pg_description {alias} ON {alias}.objoid = {oid} AND {alias}.classoid = {cls}::regclass
          AND {alias}.objsubid = {sub}"""

# Relations the model keeps: the rows every other query joins to.
_RELS = f"""
rels AS (
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_NS_FILTER}
      AND {_NOT_EXTENSION.format(cls="'pg_class'", oid="c.oid")}
)"""

Q_SERVER = "SELECT current_database() AS database, current_setting('server_version') AS version"

Q_SCHEMAS = f"""
SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n WHERE {_NS_FILTER}
"""

Q_RELATIONS = f"""
WITH {_RELS}
SELECT r.oid, r.schema, r.name, r.relkind,
       dsc.description AS comment,
       c.reltuples::float8 AS reltuples,
       c.relispartition,
       pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
       CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END AS partition_key,
       CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid, true) END AS view_definition,
       (SELECT coalesce(array_agg(pn.nspname ORDER BY i.inhseqno), '{{}}')
          FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = r.oid) AS parent_schemas,
       (SELECT coalesce(array_agg(pc.relname::text ORDER BY i.inhseqno), '{{}}')
          FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent WHERE i.inhrelid = r.oid) AS parent_names,
       (SELECT coalesce(json_agg(json_build_object('name', rw.rulename, 'event', rw.ev_type, 'instead', rw.is_instead,
                                                   'enabled', rw.ev_enabled, 'definition', pg_get_ruledef(rw.oid, true))
                                 ORDER BY rw.rulename), '[]')
          FROM pg_rewrite rw WHERE rw.ev_class = r.oid AND rw.rulename <> '_RETURN') AS rules
FROM rels r JOIN pg_class c ON c.oid = r.oid
{_COMMENT.format(alias="dsc", oid="r.oid", cls="'pg_class'", sub="0")}
"""

Q_COLUMNS = f"""
WITH {_RELS}
SELECT a.attrelid AS oid, a.attname AS name, a.attnum AS position,
       format_type(a.atttypid, a.atttypmod) AS data_type,
       t.typname AS type_name, tn.nspname AS type_schema,
       NOT a.attnotnull AS nullable,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS "default",
       CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generated,
       a.attidentity AS identity,
       (SELECT sn.nspname || '.' || s.relname FROM pg_depend dep
          JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
          JOIN pg_namespace sn ON sn.oid = s.relnamespace
         WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass
           AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a'
         ORDER BY s.relname LIMIT 1) AS serial_sequence,
       t.typcategory = 'A' AS is_array,
       NOT a.attislocal AS inherited,
       dsc.description AS comment
FROM rels r
JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
{_COMMENT.format(alias="dsc", oid="a.attrelid", cls="'pg_class'", sub="a.attnum")}
"""

# The key columns of every constraint (and the referenced ones of every FK) by name, in key order:
# unnested and joined to pg_attribute in one pass, not two subqueries per constraint.
Q_CONSTRAINTS = f"""
WITH {_RELS},
cons AS (
    SELECT co.* FROM rels r JOIN pg_constraint co ON co.conrelid = r.oid AND co.contype IN ('p', 'u', 'c', 'x', 'f')
),
keys AS (
    SELECT k.oid, array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM (SELECT co.oid, co.conrelid, u.attnum, u.ord
          FROM cons co, unnest(co.conkey) WITH ORDINALITY u(attnum, ord)) k
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.attnum
    GROUP BY k.oid
),
ref_keys AS (
    SELECT k.oid, array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM (SELECT co.oid, co.confrelid, u.attnum, u.ord
          FROM cons co, unnest(co.confkey) WITH ORDINALITY u(attnum, ord)) k
    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = k.attnum
    GROUP BY k.oid
)
SELECT co.conrelid AS oid, co.conname AS name, co.contype,
       pg_get_constraintdef(co.oid, true) AS definition,
       co.convalidated, co.condeferrable, co.condeferred,
       ci.relname AS index_name,
       co.confupdtype, co.confdeltype, co.confmatchtype,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       pco.conname AS parent_name,
       (pco.oid IS NOT NULL AND pco.conrelid = co.conrelid) AS internal_clone,
       coalesce(kc.columns, '{{}}') AS columns,
       coalesce(rk.columns, '{{}}') AS ref_columns,
       dsc.description AS comment
FROM cons co
LEFT JOIN keys kc ON kc.oid = co.oid
LEFT JOIN ref_keys rk ON rk.oid = co.oid
LEFT JOIN pg_class ci ON ci.oid = co.conindid AND co.contype <> 'f'
LEFT JOIN pg_class rc ON rc.oid = co.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_constraint pco ON pco.oid = co.conparentid
{_COMMENT.format(alias="dsc", oid="co.oid", cls="'pg_constraint'", sub="0")}
"""

# Key columns and operator classes unnested and aggregated in one pass each, and the constraint an
# index backs joined once: per-index subqueries cost 200 of this query's 400 ms over 10,000 indexes.
Q_INDEXES = f"""
WITH {_RELS},
idx AS (
    SELECT i.* FROM rels r JOIN pg_index i ON i.indrelid = r.oid
),
cols AS (
    SELECT k.indexrelid,
           array_agg(CASE WHEN k.attnum = 0 THEN pg_get_indexdef(k.indexrelid, k.ord::int, true)
                          ELSE a.attname::text END ORDER BY k.ord) AS cols
    FROM (SELECT i.indexrelid, i.indrelid, u.attnum, u.ord
          FROM idx i, unnest(i.indkey::int2[]) WITH ORDINALITY u(attnum, ord)) k
    LEFT JOIN pg_attribute a ON a.attrelid = k.indrelid AND a.attnum = k.attnum AND k.attnum <> 0
    GROUP BY k.indexrelid
),
opclasses AS (
    SELECT k.indexrelid,
           array_agg(CASE WHEN opc.opcdefault THEN '' ELSE opc.opcname::text END ORDER BY k.ord) AS opclasses
    FROM (SELECT i.indexrelid, u.opc, u.ord
          FROM idx i, unnest(i.indclass::oid[]) WITH ORDINALITY u(opc, ord)) k
    JOIN pg_opclass opc ON opc.oid = k.opc
    GROUP BY k.indexrelid
),
backs AS (
    SELECT co.conindid, co.conrelid, min(co.conname::text) AS name
    FROM pg_constraint co WHERE co.contype IN ('p', 'u', 'x') AND co.conindid <> 0
    GROUP BY co.conindid, co.conrelid
)
SELECT i.indrelid AS oid, ic.relname AS name, am.amname AS method,
       i.indisunique, i.indisprimary, i.indisvalid, i.indnkeyatts, i.indnatts,
       i.indnullsnotdistinct,
       coalesce(c.cols, '{{}}') AS cols,
       coalesce(o.opclasses, '{{}}') AS opclasses,
       0 = ANY(i.indkey::int2[]) AS expressions,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       pg_get_indexdef(i.indexrelid) AS definition,
       b.name AS constraint_name,
       dsc.description AS comment
FROM idx i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN cols c ON c.indexrelid = i.indexrelid
LEFT JOIN opclasses o ON o.indexrelid = i.indexrelid
LEFT JOIN backs b ON b.conindid = i.indexrelid AND b.conrelid = i.indrelid
{_COMMENT.format(alias="dsc", oid="i.indexrelid", cls="'pg_class'", sub="0")}
"""

# User triggers, plus internal RI triggers only when disabled (that flags the table).
Q_TRIGGERS = f"""
WITH {_RELS}
SELECT tg.tgrelid AS oid, tg.tgname AS name, tg.tgtype, tg.tgenabled, tg.tgisinternal,
       pn.nspname || '.' || p.proname AS function,
       CASE WHEN NOT tg.tgisinternal THEN pg_get_triggerdef(tg.oid, true) END AS definition,
       CASE WHEN NOT tg.tgisinternal THEN obj_description(tg.oid, 'pg_trigger') END AS comment
FROM rels r
JOIN pg_trigger tg ON tg.tgrelid = r.oid
JOIN pg_proc p ON p.oid = tg.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT tg.tgisinternal OR (tg.tgconstraint <> 0 AND tg.tgenabled = 'D')
"""

Q_SEQUENCES = f"""
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS data_type,
       on_.nspname AS owner_schema, oc.relname AS owner_table, oa.attname AS owner_column,
       dsc.description AS comment
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
{_COMMENT.format(alias="dsc", oid="c.oid", cls="'pg_class'", sub="0")}
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend dep ON dep.classid = 'pg_class'::regclass AND dep.objid = c.oid
     AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i') AND dep.refobjsubid > 0
LEFT JOIN pg_class oc ON oc.oid = dep.refobjid
LEFT JOIN pg_namespace on_ ON on_.oid = oc.relnamespace
LEFT JOIN pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
WHERE {_NS_FILTER} AND {_NOT_EXTENSION.format(cls="'pg_class'", oid="c.oid")}
"""

Q_ENUMS = f"""
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_NS_FILTER} AND {_NOT_EXTENSION.format(cls="'pg_type'", oid="t.oid")}
"""

Q_DOMAINS = f"""
SELECT n.nspname AS schema, t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null, t.typdefault AS "default",
       ARRAY(SELECT pg_get_constraintdef(co.oid, true) FROM pg_constraint co
             WHERE co.contypid = t.oid AND co.contype = 'c' ORDER BY co.conname) AS checks,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND {_NS_FILTER} AND {_NOT_EXTENSION.format(cls="'pg_type'", oid="t.oid")}
"""

# Extensions are listed whatever schema they live in (the allow-list rule needs them all).
Q_EXTENSIONS = """
SELECT x.extname AS name, x.extversion AS version, n.nspname AS schema,
       obj_description(x.oid, 'pg_extension') AS comment
FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
"""


class _Runner:
    """Runs the bulk queries and counts them (the count is part of the model).

    Each connection's queries run in order in a thread of their own while this thread builds the
    model from the rows already read: the server computes the next result while Python builds from
    the last one (a pipeline would not: psycopg reads a pipeline's results all at once, at its sync).
    """

    def __init__(self, conn: psycopg.Connection, schemas: Seq[str] | None):
        self.conn = conn
        self.params = {"schemas": list(schemas) if schemas is not None else None}
        self.count = 0
        self.futures: dict[str, Any] = {}  # query -> the future of its rows

    def start(self, pool: Any, conn: psycopg.Connection, queries: Seq[str]) -> None:
        """Queue `queries` on `conn` in `pool` (one thread: one query at a time on a connection)."""
        for query in queries:
            self.futures[query] = pool.submit(_fetch, conn, query, self.params)

    def rows(self, query: str) -> list[Any]:
        self.count += 1
        return self.futures.pop(query).result()


def _fetch(conn: psycopg.Connection, query: str, params: dict[str, Any]) -> list[Any]:
    """The rows as named tuples: a third less of the client's CPU than dicts for 40,000 rows."""
    from psycopg.rows import namedtuple_row

    with conn.cursor(row_factory=namedtuple_row) as cur:
        cur.execute(query, params if "%(schemas)s" in query else None)
        return cur.fetchall()


def _begin_snapshot(conn: psycopg.Connection, snapshot: str | None = None) -> None:
    """First statements of a reflection's transaction: read-only, one snapshot, search_path pinned."""
    from psycopg import sql

    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    if snapshot is not None:
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    conn.execute("SELECT set_config('search_path', %s, true)", (PINNED_SEARCH_PATH,))


class _ExportRefused(Exception):
    """pg_export_snapshot() failed: the transaction is aborted, reflection starts again without a companion."""


@contextmanager
def companion(conn: psycopg.Connection) -> Iterator[psycopg.Connection | None]:
    """A second read-only connection that sees exactly `conn`'s snapshot, or None.

    `conn` must be in the repeatable-read transaction `reflect` opened.  None when the database is
    small (`COMPANION_FROM_INDEXES`) or when the server will not take one more connection or import
    the snapshot (a connection limit, a pooler): reflection then runs on `conn` alone, with the same
    result.  A refused export (a server that cannot) aborts `conn`'s transaction: `_ExportRefused`.
    """
    import psycopg

    if conn.execute("SELECT count(*) FROM pg_catalog.pg_index").fetchone()[0] < COMPANION_FROM_INDEXES:
        yield None
        return
    try:  # not in a savepoint: a snapshot is exported from the top-level transaction only
        snapshot = conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0]
    except psycopg.Error as exc:
        raise _ExportRefused from exc
    other = None
    try:
        params = conn.info.get_parameters()
        if conn.info.password:
            params["password"] = conn.info.password
        other = psycopg.connect(**params)
        _begin_snapshot(other, snapshot)
    except psycopg.Error:
        if other is not None:
            other.close()
        yield None
        return
    try:
        yield other
    finally:
        other.close()


def _trigger(row: Any) -> Trigger:
    t = row.tgtype
    timing = "INSTEAD OF" if t & 64 else ("BEFORE" if t & 2 else "AFTER")
    events = tuple(e for bit, e in ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE")) if t & bit)
    return Trigger(name=row.name, timing=timing, events=events, level="ROW" if t & 1 else "STATEMENT",
                   function=row.function, enabled=row.tgenabled, definition=row.definition or "",
                   comment=row.comment)


def _by_name(items: list) -> tuple:
    return tuple(sorted(items, key=lambda x: x.name))


def reflect(conn: psycopg.Connection, schemas: Seq[str] | None = None) -> Catalog:
    """A snapshot of the database behind `conn` (all non-system schemas, or only `schemas`).

    Runs in one read-only snapshot when the connection is not in a transaction already, so
    the queries see a consistent catalog even while migrations run elsewhere.  The server renders
    defaults and definitions relative to search_path (pg_get_expr & co. qualify what is not on
    it), so the path is pinned to `public` for the reflection: the same schema gives the same model
    whatever search_path the session, role or database sets.  In that snapshot of its own, a large
    database's index query runs on a second connection at the same time (`companion`).
    """
    from ..collector import paused  # here: `catalog --help` imports this module, and nothing it need not

    with paused():  # the model is acyclic and built in one go
        return _reflect_snapshot(conn, schemas)


def _reflect_snapshot(conn: psycopg.Connection, schemas: Seq[str] | None) -> Catalog:
    if conn.autocommit:
        try:
            with conn.transaction():
                _begin_snapshot(conn)
                with companion(conn) as other:
                    return _reflect(_Runner(conn, schemas), other)
        except _ExportRefused:
            with conn.transaction():  # the aborted one rolled back: again, on `conn` alone
                _begin_snapshot(conn)
                return _reflect(_Runner(conn, schemas), None)
    previous = conn.execute("SELECT set_config('search_path', current_setting('search_path'), true), "
                            "set_config('search_path', %s, true)", (PINNED_SEARCH_PATH,)).fetchone()[0]
    try:
        return _reflect(_Runner(conn, schemas), None)
    finally:
        conn.execute("SELECT set_config('search_path', %s, true)", (previous,))


#: Every query, in the order _build reads them.
QUERIES = (Q_SERVER, Q_SCHEMAS, Q_RELATIONS, Q_COLUMNS, Q_CONSTRAINTS, Q_INDEXES, Q_TRIGGERS, Q_SEQUENCES, Q_ENUMS,
           Q_DOMAINS, Q_EXTENSIONS)


def _reflect(run: _Runner, other: psycopg.Connection | None) -> Catalog:
    """Build the model while the queries run: on `run.conn` in order, the index query on `other`."""
    from concurrent.futures import ThreadPoolExecutor

    with ExitStack() as threads:  # one thread per connection; leaving waits for both
        try:
            if other is not None:
                run.start(threads.enter_context(ThreadPoolExecutor(max_workers=1)), other, [Q_INDEXES])
            run.start(threads.enter_context(ThreadPoolExecutor(max_workers=1)), run.conn,
                      [q for q in QUERIES if q not in run.futures])
            return _build(run)
        finally:  # a failure or an interrupt: the queries not yet started never run
            for future in run.futures.values():
                future.cancel()


def _build(run: _Runner) -> Catalog:
    server = run.rows(Q_SERVER)[0]
    schema_rows = run.rows(Q_SCHEMAS)
    rel_rows = run.rows(Q_RELATIONS)
    rel_key = {r.oid: (r.schema, r.name) for r in rel_rows}

    columns: dict[int, list[Column]] = defaultdict(list)
    for r in run.rows(Q_COLUMNS):
        columns[r.oid].append(Column(
            name=r.name, position=r.position, data_type=r.data_type, type_name=r.type_name,
            type_schema=r.type_schema, nullable=r.nullable, default=r.default,
            identity=IDENTITY.get(r.identity), generated=r.generated, serial_sequence=r.serial_sequence,
            is_array=bool(r.is_array), inherited=bool(r.inherited), comment=r.comment))

    constraints: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in run.rows(Q_CONSTRAINTS):
        if r.contype == "f":
            if r.internal_clone:  # per-partition copies of an FK to a partitioned table
                continue
            schema, table = rel_key[r.oid]
            constraints[r.oid]["f"].append(ForeignKey(
                name=r.name, schema=schema, table=table, columns=tuple(r.columns),
                ref_schema=r.ref_schema, ref_table=r.ref_table, ref_columns=tuple(r.ref_columns),
                on_delete=FK_ACTIONS[r.confdeltype], on_update=FK_ACTIONS[r.confupdtype],
                match=FK_MATCH.get(r.confmatchtype, "SIMPLE"), deferrable=r.condeferrable,
                initially_deferred=r.condeferred, validated=r.convalidated, definition=r.definition,
                inherited_from=r.parent_name, comment=r.comment))
        else:
            constraints[r.oid][r.contype].append(Constraint(
                name=r.name, kind=CONSTRAINT_KINDS[r.contype], columns=tuple(r.columns),
                definition=r.definition, validated=r.convalidated, deferrable=r.condeferrable,
                initially_deferred=r.condeferred, index=r.index_name, inherited_from=r.parent_name,
                comment=r.comment))

    indexes: dict[int, list[Index]] = defaultdict(list)
    for r in run.rows(Q_INDEXES):
        nkey = r.indnkeyatts
        cols = tuple(r.cols)
        indexes[r.oid].append(Index(
            name=r.name, method=r.method, unique=r.indisunique, primary=r.indisprimary,
            valid=r.indisvalid, key_columns=cols[:nkey], include_columns=cols[nkey:], predicate=r.predicate,
            definition=r.definition, constraint=r.constraint_name, opclasses=tuple(r.opclasses),
            expressions=bool(r.expressions), nulls_not_distinct=bool(r.indnullsnotdistinct),
            comment=r.comment))

    triggers: dict[int, list[Trigger]] = defaultdict(list)
    ri_disabled: set[int] = set()
    for r in run.rows(Q_TRIGGERS):
        if r.tgisinternal:
            ri_disabled.add(r.oid)
        else:
            triggers[r.oid].append(_trigger(r))

    tables = []
    for r in rel_rows:
        oid = r.oid
        cons = constraints.get(oid, {})
        parents = tuple(zip(r.parent_schemas, r.parent_names))
        pks = cons.get("p", [])
        reltuples = r.reltuples
        tables.append(Table(
            schema=r.schema, name=r.name, kind=RELKINDS[r.relkind], oid=oid,
            columns=tuple(sorted(columns.get(oid, []), key=lambda c: c.position)),
            primary_key=pks[0] if pks else None,
            uniques=_by_name(cons.get("u", [])), checks=_by_name(cons.get("c", [])),
            exclusions=_by_name(cons.get("x", [])), foreign_keys=_by_name(cons.get("f", [])),
            indexes=_by_name(indexes.get(oid, [])), triggers=_by_name(triggers.get(oid, [])),
            rules=tuple(Rule(name=x["name"], event=RULE_EVENTS.get(str(x["event"]), str(x["event"])),
                             instead=bool(x["instead"]), enabled=x["enabled"], definition=x["definition"] or "")
                        for x in r.rules),
            comment=r.comment,
            estimated_rows=None if reltuples is None or reltuples < 0 or r.relkind in ("v", "f") else int(reltuples),
            partition_of=parents[0] if r.relispartition and parents else None,
            partition_bound=r.partition_bound, partition_key=r.partition_key,
            inherits=() if r.relispartition else parents,
            view_definition=r.view_definition, fk_triggers_disabled=oid in ri_disabled))
    tables.sort(key=lambda t: (t.schema, t.name))

    sequences = sorted((Sequence(
        schema=r.schema, name=r.name, data_type=r.data_type,
        owned_by=(r.owner_schema, r.owner_table, r.owner_column) if r.owner_table else None,
        comment=r.comment) for r in run.rows(Q_SEQUENCES)), key=lambda s: (s.schema, s.name))
    enums = sorted((EnumType(schema=r.schema, name=r.name, labels=tuple(r.labels), comment=r.comment)
                    for r in run.rows(Q_ENUMS)), key=lambda e: (e.schema, e.name))
    domains = sorted((Domain(schema=r.schema, name=r.name, base_type=r.base_type, not_null=r.not_null,
                             default=r.default, checks=tuple(r.checks), comment=r.comment)
                      for r in run.rows(Q_DOMAINS)), key=lambda d: (d.schema, d.name))
    extensions = sorted((Extension(name=r.name, version=r.version, schema=r.schema, comment=r.comment)
                         for r in run.rows(Q_EXTENSIONS)), key=lambda x: x.name)

    return Catalog(
        database=server.database, server_version=server.version,
        schemas=tuple(sorted((Schema(r.name, r.comment) for r in schema_rows), key=lambda s: s.name)),
        tables=tuple(tables), sequences=tuple(sequences), enums=tuple(enums), domains=tuple(domains),
        extensions=tuple(extensions), query_count=run.count)


def reflect_settings(settings, schemas: Seq[str] | None = None) -> Catalog:  # noqa: ANN001 (Settings)
    """Connect with the workbench settings (embedded server when no DB_HOST) and reflect."""
    from ..database.connect import connect

    with connect(settings, autocommit=True, read_only=True) as conn:
        return reflect(conn, schemas)
