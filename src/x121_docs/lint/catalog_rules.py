"""Catalog rules: checks over the reflected model, no catalog queries of their own.

Each check yields `Hit`s: one per offending object (a table, a column, an FK, an index),
carrying the object keys the engine uses to find the migration line that introduced it.
Partitions and inherited columns are skipped so that a partitioned table's problem is
reported once, on the parent.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from ..catalog.model import (
    CASCADE,
    MATERIALIZED_VIEW,
    NO_ACTION,
    PARTITIONED_TABLE,
    TABLE,
    Catalog,
    Column,
    ForeignKey,
    Index,
    Table,
    display_name,
)
from ..catalog import naming
from .config import LintConfig
from .report import count_metric, metric

Key = tuple  # ("table", schema, name) | ("column", schema, table, col) | ("constraint", schema, table, name)
#             | ("index", schema, name) | ("type", schema, name) | ("extension", name)

NOW_DEFAULTS = ("now()", "current_timestamp", "clock_timestamp()", "transaction_timestamp()", "statement_timestamp()")
_AUTO_SUFFIXES = ("_key", "_idx", "_excl", "_pkey")
_NUMBERED = re.compile(r"^(?P<prefix>[a-z_]*[a-z])_?(?P<n>\d+)$")


@dataclass(frozen=True)
class Hit:
    rule: str
    object: str
    message: str
    keys: tuple[Key, ...] = ()  # attribution candidates, most specific first
    evidence: tuple[str, ...] = ()
    detail: str | None = None


# -- object names and keys -------------------------------------------------------------------

def t_obj(t: Table) -> str:
    return t.display_name


def c_obj(t: Table, col: str) -> str:
    return f"{t.display_name}.{col}"


def t_key(t: Table) -> Key:
    return ("table", t.schema, t.name)


def c_key(t: Table, col: str) -> Key:
    return ("column", t.schema, t.name, col)


def con_key(t: Table, name: str) -> Key:
    return ("constraint", t.schema, t.name, name)


def i_key(t: Table, name: str) -> Key:
    return ("index", t.schema, name)


def fk_keys(t: Table, fk: ForeignKey) -> tuple[Key, ...]:
    return (con_key(t, fk.name), *(c_key(t, c) for c in fk.columns), t_key(t))


# -- what the rules look at --------------------------------------------------------------------

class Scope:
    """The subjects of the rules for one catalog and configuration (computed once)."""

    def __init__(self, catalog: Catalog, config: LintConfig):
        self.catalog = catalog
        self.config = config
        self.tables = [t for t in catalog.tables if t.kind in (TABLE, PARTITIONED_TABLE) and not t.is_partition
                       and not config.ignored(t.schema, t.name)]
        self.named = [t for t in catalog.tables if not t.is_partition and not config.ignored(t.schema, t.name)]
        self.indexed = [t for t in self.named if t.kind in (TABLE, PARTITIONED_TABLE, MATERIALIZED_VIEW)]

    def columns(self) -> Iterator[tuple[Table, Column]]:
        for t in self.tables:
            for c in t.columns:
                if not c.inherited:
                    yield t, c

    def fks(self) -> Iterator[tuple[Table, ForeignKey]]:
        for t in self.tables:
            for fk in t.foreign_keys:
                if fk.inherited_from is None:
                    yield t, fk

    def ref_column(self, fk: ForeignKey, name: str) -> Column | None:
        parent = self.catalog.get(fk.ref_table, fk.ref_schema)
        return parent.column(name) if parent else None


# -- the standard ------------------------------------------------------------------------------

def _single_fk(t: Table, col: str) -> ForeignKey | None:
    return next((fk for fk in t.foreign_keys if fk.columns == (col,)), None)


@lru_cache(maxsize=4096)
def _string_literals(definition: str) -> int:
    """How many string constants a CHECK definition lists (parsed, not pattern-matched)."""
    from pglast import parser

    expr = definition.strip()
    for suffix in (" NOT VALID", " NO INHERIT"):
        expr = expr.removesuffix(suffix)
    if expr.upper().startswith("CHECK"):
        expr = expr[5:]
    try:
        tree = parser.parse_sql_json(f"SELECT 1 WHERE {expr}")
    except parser.ParseError:
        return 0
    count = 0

    def walk(node: object) -> None:
        nonlocal count
        if isinstance(node, dict):
            const = node.get("A_Const")
            if isinstance(const, dict) and "sval" in const:
                count += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(tree))
    return count


def status_problem(s: Scope, t: Table, c: Column) -> tuple[str, str] | None:
    """(detail, message) when status-like column `c` is not a lookup FK; None when it is."""
    fk = _single_fk(t, c.name)
    enum = s.catalog.enum(c.type_schema, c.type_name)
    if enum is not None:
        return "enum-status", f"status stored as enum {display_name(enum.schema, enum.name)}: use a BIGINT FK to a {{domain}}_statuses lookup table"
    if not c.is_integer:
        return "text-status", f"status stored as {c.data_type}: use a BIGINT FK to a {{domain}}_statuses lookup table"
    if fk is None:
        return "no-fk", "status column has no FK: reference a {domain}_statuses lookup table"
    if not fk.ref_table.endswith("_statuses"):
        return "not-lookup", f"status column references {display_name(fk.ref_schema, fk.ref_table)}, not a {{domain}}_statuses lookup table"
    return None


def check_status_as_lookup(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        if s.config.is_status_like(c.name):
            problem = status_problem(s, t, c)
            if problem:
                yield Hit("status-as-lookup", c_obj(t, c.name), problem[1], (c_key(t, c.name), t_key(t)),
                          detail=problem[0])
    for t in s.tables:
        for ck in t.checks:
            if ck.inherited_from is None and any(s.config.is_status_like(col) for col in ck.columns) \
                    and _string_literals(ck.definition) >= 2:
                yield Hit("status-as-lookup", c_obj(t, ck.name),
                          "CHECK lists status literals: keep the values in a {domain}_statuses lookup table",
                          (con_key(t, ck.name), *(c_key(t, col) for col in ck.columns), t_key(t)),
                          evidence=(ck.definition,), detail="check-literals")


def check_fk_explicit_actions(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        missing = [f"ON {w}" for w, a in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)) if a == NO_ACTION]
        if missing:
            yield Hit("fk-explicit-actions", c_obj(t, fk.name),
                      f"FK to {display_name(fk.ref_schema, fk.ref_table)} has no explicit {' and '.join(missing)} "
                      "action (NO ACTION or omitted): state CASCADE, SET NULL, SET DEFAULT or RESTRICT",
                      fk_keys(t, fk))


def pk_problem(t: Table) -> tuple[str, str] | None:
    pk = t.primary_key
    if pk is None:
        return "no-pk", "table has no primary key: add id BIGSERIAL PRIMARY KEY"
    if len(pk.columns) > 1:
        return "composite", f"composite primary key ({', '.join(pk.columns)}): use id BIGSERIAL PRIMARY KEY and a UNIQUE constraint"
    col = t.column(pk.columns[0])
    if col is None:
        return None
    if col.type_name == "uuid":
        return "uuid", f"primary key {col.name} is a uuid: use id BIGSERIAL"
    if col.type_name != "int8":
        return "type", f"primary key {col.name} is {col.data_type}: use id BIGSERIAL (bigint)"
    if col.name != "id":
        return "name", f"primary key is named {col.name}: name it id"
    if col.identity:
        return "identity", "primary key is an identity column: the standard is BIGSERIAL"
    if not col.is_serial:
        return "no-sequence", "primary key id is not fed by a sequence: use BIGSERIAL"
    return None


def check_pk_bigserial(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        problem = pk_problem(t)
        if problem:
            keys = ((con_key(t, t.primary_key.name),) if t.primary_key else ()) + (t_key(t),)
            yield Hit("pk-bigserial", t_obj(t), problem[1], keys, detail=problem[0])


def check_fk_bigint(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        problems, detail = [], None
        for col, ref in zip(fk.columns, fk.ref_columns):
            child, parent = t.column(col), s.ref_column(fk, ref)
            if child is None:
                continue
            if parent is not None and parent.data_type != child.data_type:
                problems.append(f"{col} is {child.data_type} but {fk.ref_table}.{ref} is {parent.data_type}")
                detail = "type-mismatch"
            elif child.type_name != "int8":
                problems.append(f"{col} is {child.data_type}, not bigint")
                detail = detail or "not-bigint"
        if problems:
            yield Hit("fk-bigint", c_obj(t, fk.name), "; ".join(problems), fk_keys(t, fk), detail=detail)


def covering_index(t: Table, columns: tuple[str, ...]) -> Index | None:
    """Our definition: valid, non-partial btree whose leading keys are exactly `columns` (any order)."""
    n, wanted = len(columns), set(columns)
    for ix in t.indexes:
        if ix.valid and not ix.partial and ix.method == "btree" and len(ix.key_columns) >= n \
                and set(ix.key_columns[:n]) == wanted:
            return ix
    return None


def check_fk_indexed(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        if covering_index(t, fk.columns) is None:
            cols = "_".join(fk.columns)
            yield Hit("fk-indexed", c_obj(t, fk.name),
                      f"FK ({', '.join(fk.columns)}) has no covering btree index: "
                      f"CREATE INDEX {naming.template_name('idx', t.name, fk.columns)} ON {t.display_name} ({', '.join(fk.columns)})",
                      fk_keys(t, fk), detail=cols)


def _auto_named(t: Table, name: str) -> bool:
    return name.startswith(f"{t.name}_") and name.endswith(_AUTO_SUFFIXES)


def check_index_naming(s: Scope) -> Iterator[Hit]:
    for t in s.indexed:
        by_name = {c.name: c for c in (*t.uniques, *t.exclusions)}
        for ix in t.indexes:
            if ix.primary or (ix.constraint and by_name.get(ix.constraint) and by_name[ix.constraint].kind == "exclusion"):
                continue
            rule, prefix = ("unique-naming", "uq") if ix.unique else ("index-naming", "idx")
            if ix.expressions:
                start = naming.template_prefix(prefix, t.name)
                if ix.name.startswith(start):
                    continue
                expected = f"{start}..."
            else:
                expected = naming.template_name(prefix, t.name, ix.key_columns)
                if ix.name == expected:
                    continue
            what = "unique constraint" if ix.constraint else ("unique index" if ix.unique else "index")
            auto = " (auto-generated name)" if _auto_named(t, ix.name) else ""
            keys = ((con_key(t, ix.constraint),) if ix.constraint else ()) + (i_key(t, ix.name), t_key(t))
            yield Hit(rule, c_obj(t, ix.constraint or ix.name), f"{what} {ix.name}{auto} should be named {expected}", keys)


def check_table_naming(s: Scope) -> Iterator[Hit]:
    for t in s.named:
        if not naming.is_snake_case(t.name):
            yield Hit("table-naming", t_obj(t), f"{t.kind} name {t.name!r} is not snake_case (quoted or mixed case)",
                      (t_key(t),), detail="table-case")
        elif t.kind in (TABLE, PARTITIONED_TABLE) and not naming.is_plural(t.name):
            yield Hit("table-naming", t_obj(t), f"table name {t.name!r} is not plural", (t_key(t),), detail="plural")
        for c in t.columns:
            if not c.inherited and not naming.is_snake_case(c.name):
                yield Hit("table-naming", c_obj(t, c.name), f"column name {c.name!r} is not snake_case",
                          (c_key(t, c.name), t_key(t)), detail="column-case")


def check_fk_column_naming(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        if len(fk.columns) != 1:
            continue
        col = fk.columns[0]
        expected = f"{naming.singular(fk.ref_table)}_{fk.ref_columns[0]}"
        if col != expected and not col.endswith(f"_{expected}"):
            yield Hit("fk-column-naming", c_obj(t, col),
                      f"FK column {col} references {display_name(fk.ref_schema, fk.ref_table)}.{fk.ref_columns[0]}: "
                      f"name it {expected} (or role_{expected})", (c_key(t, col), con_key(t, fk.name), t_key(t)))


def _now_default(c: Column) -> bool:
    return (c.default or "").strip().lower() in NOW_DEFAULTS


def check_timestamps(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for name in ("created_at", "updated_at"):
            c = t.column(name)
            if c is None:
                yield Hit("timestamps", c_obj(t, name), f"table has no {name} TIMESTAMPTZ NOT NULL DEFAULT now() column",
                          (t_key(t),), detail="missing")
                continue
            if c.inherited:
                continue
            problems = []
            if c.type_name != "timestamptz":
                problems.append(f"is {c.data_type}, not timestamptz")
            if c.nullable:
                problems.append("is nullable")
            if not _now_default(c):
                problems.append(f"default is {c.default or 'missing'}, not now()")
            if name == "updated_at" and not any(
                    tg.timing == "BEFORE" and "UPDATE" in tg.events and tg.level == "ROW" and not tg.disabled
                    for tg in t.triggers):
                problems.append("is not maintained by an enabled BEFORE UPDATE row trigger")
            if problems:
                yield Hit("timestamps", c_obj(t, name), f"{name} " + "; ".join(problems), (c_key(t, name), t_key(t)))


def check_text_not_varchar(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        base = c.type_name.lstrip("_")
        if base == "varchar" and "(" in c.data_type:
            yield Hit("text-not-varchar", c_obj(t, c.name), f"column is {c.data_type}: use text (with a CHECK if a limit matters)",
                      (c_key(t, c.name), t_key(t)), detail="varchar")
        elif base == "bpchar" and not s.config.char_allowed(t.schema, t.name, c.name):
            yield Hit("text-not-varchar", c_obj(t, c.name),
                      f"column is {c.data_type}: use text, or allow-list it (allow-char-columns) if truly fixed width",
                      (c_key(t, c.name), t_key(t)), detail="char")


def check_boolean_not_null(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        if c.type_name == "bool":
            problems = (["is nullable"] if c.nullable else []) + \
                       ([f"default is {c.default or 'missing'}, not false"] if (c.default or "").lower() != "false" else [])
            if problems:
                yield Hit("boolean-not-null", c_obj(t, c.name), "boolean " + "; ".join(problems) + ": use BOOLEAN NOT NULL DEFAULT false",
                          (c_key(t, c.name), t_key(t)), detail="boolean")
        elif c.name.startswith(("is_", "has_")) and not c.is_array:
            yield Hit("boolean-not-null", c_obj(t, c.name), f"flag column is {c.data_type}: use BOOLEAN NOT NULL DEFAULT false",
                      (c_key(t, c.name), t_key(t)), detail="flag-type")


def check_timestamptz_only(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        base = c.type_name.lstrip("_")
        if base in ("timestamp", "timetz"):
            yield Hit("timestamptz-only", c_obj(t, c.name),
                      f"column is {c.data_type}: use timestamp with time zone (timestamptz)",
                      (c_key(t, c.name), t_key(t)), detail=base)


def check_allowed_extensions(s: Scope) -> Iterator[Hit]:
    for x in s.catalog.extensions:
        if x.name not in s.config.allowed_extensions:
            yield Hit("allowed-extensions", x.name,
                      f"extension {x.name} {x.version} is not allow-listed ({', '.join(s.config.allowed_extensions)})",
                      (("extension", x.name),))


def check_comments(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        if not (t.comment or "").strip():
            yield Hit("comments", t_obj(t), "table has no COMMENT", (t_key(t),), detail="table")
        for c in t.columns:
            if not c.inherited and not (c.comment or "").strip():
                yield Hit("comments", c_obj(t, c.name), "column has no COMMENT", (c_key(t, c.name), t_key(t)),
                          detail="column")


def check_normal_form(s: Scope) -> Iterator[Hit]:
    ignore = set(s.config.normal_form_ignore_columns)
    for t in s.tables:
        families: dict[str, list[str]] = defaultdict(list)
        for c in t.columns:
            if c.inherited:
                continue
            m = _NUMBERED.match(c.name)
            if m:
                families[m["prefix"]].append(c.name)
            if c.is_array and (c.type_name in ("_int2", "_int4", "_int8") or c.name.endswith("_ids")):
                yield Hit("normal-form", c_obj(t, c.name),
                          f"array of ids ({c.data_type}): a repeating group; use a link table with FKs",
                          (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}",), detail="id-array")
        for prefix, cols in sorted(families.items()):
            if len(cols) >= 2:
                yield Hit("normal-form", c_obj(t, f"{prefix}*"),
                          f"numbered column family {', '.join(cols)}: a repeating group; use a child table",
                          (c_key(t, cols[0]), t_key(t)), evidence=tuple(cols), detail="repeating-group")
        seen: set[str] = set()
        for fk in t.foreign_keys:
            if fk.inherited_from or fk.is_self_reference:
                continue
            parent = s.catalog.get(fk.ref_table, fk.ref_schema)
            if parent is None:
                continue
            parent_keys = set(parent.primary_key.columns) if parent.primary_key else set()
            for c in t.columns:
                if c.inherited or c.name in fk.columns or c.name in ignore or c.name in seen:
                    continue
                pc = parent.column(c.name)
                if pc is not None and pc.name not in parent_keys and pc.data_type == c.data_type:
                    seen.add(c.name)
                    yield Hit("normal-form", c_obj(t, c.name),
                              f"copies {parent.display_name}.{c.name}, reachable through FK {fk.name}: candidate "
                              "transitive dependency (3NF)",
                              (c_key(t, c.name), t_key(t)),
                              evidence=(f"{parent.display_name}.{c.name} via {fk.name} ({', '.join(fk.columns)})",),
                              detail="copied-column")


# -- extra rules -------------------------------------------------------------------------------

def check_fk_nullable(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        nullable = [c for c in fk.columns if (col := t.column(c)) is not None and col.nullable]
        if not nullable:
            continue
        if fk.on_delete == CASCADE:
            why = "ON DELETE CASCADE makes the parent mandatory"
        elif fk.ref_table.endswith("_statuses"):
            why = "every row has a status"
        else:
            continue
        yield Hit("fk-nullable", c_obj(t, fk.name), f"FK column(s) {', '.join(nullable)} are nullable but {why}: add NOT NULL",
                  fk_keys(t, fk))


def check_duplicate_index(s: Scope) -> Iterator[Hit]:
    for t in s.indexed:
        valid = [ix for ix in t.indexes if ix.valid]
        reported: set[str] = set()
        for a in valid:
            for b in valid:
                if a is b or a.name in reported or a.method != b.method or a.predicate != b.predicate:
                    continue
                same = a.key_columns == b.key_columns and a.opclasses == b.opclasses
                if same and a.constraint is None and _keep_rank(a) > _keep_rank(b):
                    reported.add(a.name)
                    yield Hit("duplicate-index", c_obj(t, a.name), f"index {a.name} duplicates {b.name}",
                              (i_key(t, a.name), t_key(t)), evidence=(a.definition, b.definition), detail="duplicate")
                elif (a.method == "btree" and not a.unique and a.constraint is None and not same
                      and len(a.key_columns) < len(b.key_columns) and b.key_columns[:len(a.key_columns)] == a.key_columns
                      and b.opclasses[:len(a.opclasses)] == a.opclasses):
                    reported.add(a.name)
                    yield Hit("duplicate-index", c_obj(t, a.name), f"index {a.name} is a left prefix of {b.name}",
                              (i_key(t, a.name), t_key(t)), evidence=(a.definition, b.definition), detail="left-prefix")


def _keep_rank(ix: Index) -> tuple:
    """Of two identical indexes keep the constraint-backed, then the unique, then the first by name."""
    return (ix.constraint is None, not ix.unique, ix.name)


def check_duplicate_fk(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        first: dict[tuple, str] = {}
        for fk in t.foreign_keys:
            if fk.inherited_from:
                continue
            sig = (fk.columns, fk.ref_schema, fk.ref_table, fk.ref_columns)
            if sig in first:
                yield Hit("duplicate-fk", c_obj(t, fk.name), f"FK {fk.name} duplicates {first[sig]}", fk_keys(t, fk))
            else:
                first[sig] = fk.name


def check_cascade_depth(s: Scope) -> Iterator[Hit]:
    children: dict[tuple, set[tuple]] = defaultdict(set)
    has_parent: set[tuple] = set()
    for t, fk in s.fks():
        if fk.on_delete == CASCADE and not fk.is_self_reference:
            children[fk.parent].add(t.key)
            has_parent.add(t.key)
    nodes = set(children) | has_parent
    cyclic = _cyclic_components(nodes, children)
    in_cycle = {n for comp in cyclic for n in comp}
    for comp in cyclic:
        first = min(comp)
        yield Hit("cascade-depth", display_name(*first),
                  "ON DELETE CASCADE cycle: " + " -> ".join(display_name(*n) for n in sorted(comp)),
                  (("table", *first),), evidence=tuple(display_name(*n) for n in sorted(comp)), detail="cycle")
    longest: dict[tuple, list[tuple]] = {}

    def chain(n: tuple) -> list[tuple]:
        if n not in longest:
            longest[n] = [n]  # guard (cycles are excluded below)
            best: list[tuple] = []
            for c in sorted(children.get(n, ())):
                if c not in in_cycle:
                    cand = chain(c)
                    if len(cand) > len(best):
                        best = cand
            longest[n] = [n, *best]
        return longest[n]

    for root in sorted(nodes - has_parent - in_cycle):
        path = chain(root)
        if len(path) - 1 > s.config.cascade_depth:
            yield Hit("cascade-depth", display_name(*root),
                      f"deleting a row cascades {len(path) - 1} levels deep (threshold {s.config.cascade_depth}): "
                      + " -> ".join(display_name(*n) for n in path),
                      (("table", *root),), evidence=tuple(display_name(*n) for n in path), detail="depth")


def _cyclic_components(nodes: set, edges: dict) -> list[list]:
    """Strongly connected components with more than one node (Tarjan, iterative enough for schemas)."""
    import sys

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    index: dict = {}
    low: dict = {}
    stack: list = []
    on: set = set()
    out: list[list] = []
    counter = [0]

    def visit(v):  # noqa: ANN001
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def check_soft_reference(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for c in t.soft_reference_columns():
            if c.inherited:
                continue
            yield Hit("soft-reference", c_obj(t, c.name), f"{c.name} looks like a reference but has no FK constraint",
                      (c_key(t, c.name), t_key(t)))


def check_no_enum(s: Scope) -> Iterator[Hit]:
    for e in s.catalog.enums:
        yield Hit("no-enum", display_name(e.schema, e.name),
                  f"enum type ({', '.join(e.labels)}): use a lookup table", (("type", e.schema, e.name),))


def check_json_not_jsonb(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        if c.type_name.lstrip("_") == "json":
            yield Hit("json-not-jsonb", c_obj(t, c.name), f"column is {c.data_type}: use jsonb", (c_key(t, c.name), t_key(t)))


def check_column_type_consistency(s: Scope) -> Iterator[Hit]:
    types: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t, c in s.columns():
        types[c.name][c.data_type].append(t.display_name)
    for name in sorted(types):
        if len(types[name]) > 1:
            ev = tuple(f"{dt}: {', '.join(ts)}" for dt, ts in sorted(types[name].items()))
            yield Hit("column-type-consistency", name, f"column {name} has {len(types[name])} types: " + "; ".join(ev),
                      (), evidence=ev)


def check_not_valid(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for fk in t.foreign_keys:
            if not fk.validated and fk.inherited_from is None:
                yield Hit("not-valid", c_obj(t, fk.name), "FK is NOT VALID: run ALTER TABLE ... VALIDATE CONSTRAINT",
                          fk_keys(t, fk), detail="constraint")
        for ck in t.checks:
            if not ck.validated and ck.inherited_from is None:
                yield Hit("not-valid", c_obj(t, ck.name), "CHECK is NOT VALID: run ALTER TABLE ... VALIDATE CONSTRAINT",
                          (con_key(t, ck.name), t_key(t)), detail="constraint")
    for t in s.indexed:
        for ix in t.indexes:
            if not ix.valid:
                yield Hit("not-valid", c_obj(t, ix.name), "index is invalid (a failed CREATE INDEX CONCURRENTLY?): "
                          "drop and re-create it", (i_key(t, ix.name), t_key(t)), detail="index")


def check_unique_nullable(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for ix in t.indexes:
            if not ix.unique or ix.primary or ix.nulls_not_distinct or ix.expressions or ix.partial:
                continue
            nullable = [c for c in ix.key_columns if (col := t.column(c)) is not None and col.nullable]
            if nullable:
                keys = ((con_key(t, ix.constraint),) if ix.constraint else ()) + (i_key(t, ix.name), t_key(t))
                yield Hit("unique-nullable", c_obj(t, ix.constraint or ix.name),
                          f"unique over nullable column(s) {', '.join(nullable)}: rows with NULL are never duplicates "
                          "(add NOT NULL or NULLS NOT DISTINCT)", keys)


CHECKS: dict[str, Callable[[Scope], Iterator[Hit]]] = {
    "status-as-lookup": check_status_as_lookup,
    "fk-explicit-actions": check_fk_explicit_actions,
    "pk-bigserial": check_pk_bigserial,
    "fk-bigint": check_fk_bigint,
    "fk-indexed": check_fk_indexed,
    "index-naming": check_index_naming,  # also yields unique-naming
    "table-naming": check_table_naming,
    "fk-column-naming": check_fk_column_naming,
    "timestamps": check_timestamps,
    "text-not-varchar": check_text_not_varchar,
    "boolean-not-null": check_boolean_not_null,
    "timestamptz-only": check_timestamptz_only,
    "allowed-extensions": check_allowed_extensions,
    "comments": check_comments,
    "normal-form": check_normal_form,
    "fk-nullable": check_fk_nullable,
    "duplicate-index": check_duplicate_index,
    "duplicate-fk": check_duplicate_fk,
    "cascade-depth": check_cascade_depth,
    "soft-reference": check_soft_reference,
    "no-enum": check_no_enum,
    "json-not-jsonb": check_json_not_jsonb,
    "column-type-consistency": check_column_type_consistency,
    "not-valid": check_not_valid,
    "unique-nullable": check_unique_nullable,
}


def run_catalog_rules(catalog: Catalog, config: LintConfig, confirmed: tuple = ()) -> list[Hit]:
    """Every enabled catalog rule over `catalog`, with the findings a dependency scan confirmed on data."""
    scope = Scope(catalog, config)
    hits: list[Hit] = []
    for check in CHECKS.values():
        hits.extend(h for h in check(scope) if config.enabled(h.rule))
    return with_confirmed(scope, hits, confirmed)


def with_confirmed(s: Scope, hits: list[Hit], confirmed: tuple) -> list[Hit]:
    """`confirmed`: `integrity.dependencies.load_dependency_findings(path).findings` (normal-form and
    soft-reference findings of `scan dependencies`).  A name-based guess the data confirms takes the
    data's wording; what names could not guess is added."""
    by_object = {(f.rule, f.object): f for f in confirmed}
    out = [replace(h, message=f.message, evidence=h.evidence + f.evidence)
           if (f := by_object.pop((h.rule, h.object), None)) else h for h in hits]
    for f in by_object.values():
        t = s.catalog.get(f.table)
        if t is not None and s.config.enabled(f.rule) and not s.config.ignored(t.schema, t.name):
            keys = ((c_key(t, f.column),) if f.column else ()) + (t_key(t),)
            out.append(Hit(f.rule, f.object, f.message, keys, evidence=f.evidence, detail=f.kind))
    return out


def catalog_metrics(catalog: Catalog, config: LintConfig) -> dict[str, dict]:
    """The PRD's success-metric figures that the catalog answers."""
    s = Scope(catalog, config)
    status_cols = [(t, c) for t, c in s.columns() if config.is_status_like(c.name)]
    fks = list(s.fks())
    cols = list(s.columns())
    commented = sum(bool((t.comment or "").strip()) for t in s.tables) + sum(bool((c.comment or "").strip()) for _, c in cols)
    return {
        "status_columns_lookup_fk": metric(sum(status_problem(s, t, c) is None for t, c in status_cols), len(status_cols)),
        "fks_explicit_actions": metric(sum(fk.on_delete != NO_ACTION and fk.on_update != NO_ACTION for _, fk in fks), len(fks)),
        "bigserial_pks": metric(sum(pk_problem(t) is None for t in s.tables), len(s.tables)),
        "fks_indexed": metric(sum(covering_index(t, fk.columns) is not None for t, fk in fks), len(fks)),
        "uuid_pks": count_metric(sum(1 for t in s.tables if t.primary_key and any(
            (c := t.column(n)) is not None and c.type_name == "uuid" for n in t.primary_key.columns))),
        "comment_coverage": metric(commented, len(s.tables) + len(cols)),
    }
