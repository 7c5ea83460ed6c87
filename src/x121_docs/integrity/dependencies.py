"""`scan dependencies`: third normal form and missing foreign keys, checked on the data itself.

The linter can only guess from names; the data answers.  Per table a bounded, stable sample
is read in one READ ONLY, REPEATABLE READ transaction (TABLESAMPLE BERNOULLI ... REPEATABLE for
large tables, ordered by the key), and Desbordante does the discovery:

* candidate keys: unique column combinations (HyUCC) next to the declared keys;
* functional dependencies (HyFD exact, Pyro approximate) whose left side is not a key and whose
  right side is not part of a declared key: transitive (or partial) dependency candidates,
  each verified (Desbordante's FD verifier: the rows that disagree with the majority) and
  reported with support, distinct counts, example rows and the refactoring they suggest;
* repeating groups: numbered column families whose columns hold the same kind of value;
* inclusion dependencies (Spider) between a column and another table's key with no declared
  FK: missing foreign keys, with the `ALTER TABLE ... NOT VALID` that would declare them.

Noise is guarded against and every skip is reported: tiny tables, all-NULL / mostly-NULL,
constant, near-constant and near-unique columns, dependencies with too little support,
approximate dependencies under the configured confidence, integer inclusions that chance
explains (a dense key range includes any small numbers).  Thresholds: `dependency_settings`.

`load_dependency_findings(path)` reads a scan's JSON back for the linter and the docs.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..catalog import naming
from ..catalog.model import PARTITIONED_TABLE, TABLE, Catalog, Column, Table
from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, WorkbenchError
from .common import bindable, column_list, find_table, from_clause, qualified
from .dependency_settings import DependencySettings

FORMAT = "x121-docs scan dependencies"
FORMAT_VERSION = 1
#: Stands for NULL in the sample handed to Desbordante: PostgreSQL text never holds a NUL byte.
NULL = "\x00"
#: Types whose values are not compared as dependency sides (vectors, documents, binary).
SKIP_TYPES = frozenset({"vector", "halfvec", "sparsevec", "bytea", "json", "jsonb", "xml", "tsvector", "tsquery",
                        "oid", "pg_lsn", "txid_snapshot"})
_FAMILIES = {"int2": "integer", "int4": "integer", "int8": "integer", "text": "text", "varchar": "text",
             "bpchar": "text", "name": "text", "citext": "text"}


def type_family(column: Column) -> str:
    """Types whose values can equal each other across tables (int4 vs int8, text vs varchar)."""
    return _FAMILIES.get(column.type_name, column.type_name)


# --- results -----------------------------------------------------------------------------------

@dataclass
class ColumnProfile:
    name: str
    non_null: int
    distinct: int
    top_share: float  # share of the most frequent value (NULL counted as one)
    skipped: str | None = None  # why the column is no side of an FD

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.name, "non_null": self.non_null, "distinct": self.distinct,
                "top_share": round(self.top_share, 4), "skipped": self.skipped}


@dataclass
class TableScan:
    table: str
    estimated_rows: int | None
    sample_rows: int = 0
    complete: bool = False  # the sample is the whole table
    columns: list[ColumnProfile] = field(default_factory=list)
    skipped_columns: list[tuple[str, str]] = field(default_factory=list)  # not sampled: (column, reason)
    declared_keys: list[tuple[str, ...]] = field(default_factory=list)
    candidate_keys: list[tuple[str, ...]] = field(default_factory=list)
    skipped_dependencies: Counter = field(default_factory=Counter)  # reason -> how many FDs
    skipped: str | None = None  # why the whole table was skipped
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        declared = set(self.declared_keys)
        return {
            "table": self.table, "estimated_rows": self.estimated_rows, "sample_rows": self.sample_rows,
            "complete": self.complete, "skipped": self.skipped, "error": self.error,
            "columns": [c.as_dict() for c in self.columns],
            "unsampled_columns": [{"column": c, "reason": r} for c, r in self.skipped_columns],
            "declared_keys": [list(k) for k in self.declared_keys],
            "candidate_keys": [list(k) for k in self.candidate_keys],
            "undeclared_candidate_keys": [list(k) for k in self.candidate_keys if k not in declared],
            "skipped_dependencies": dict(sorted(self.skipped_dependencies.items())),
        }


@dataclass
class Dependent:
    """One right-hand side of a dependency `lhs -> column`."""

    column: str
    confidence: float  # share of sample rows that agree with their group's most frequent value
    violating_rows: int  # rows to change for the dependency to hold exactly
    distinct: int
    examples: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.violating_rows == 0

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "exact": self.exact, "confidence": round(self.confidence, 6),
                "violating_rows": self.violating_rows, "distinct_values": self.distinct,
                "examples": self.examples, "violations": self.violations}


@dataclass
class TransitiveDependency:
    table: str
    lhs: tuple[str, ...]
    kind: str  # 'transitive' | 'partial' (the left side is part of a composite key)
    lhs_distinct: int
    support_rows: int  # sample rows whose left-side value occurs more than once
    sample_rows: int
    dependents: list[Dependent]
    refactoring: str
    sketch: str  # SQL of the refactoring (identifiers quoted), to adapt and review

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "lhs": list(self.lhs), "kind": self.kind, "lhs_distinct": self.lhs_distinct,
                "support_rows": self.support_rows, "sample_rows": self.sample_rows,
                "dependents": [d.as_dict() for d in self.dependents], "refactoring": self.refactoring,
                "sketch": self.sketch}


@dataclass
class RepeatingGroup:
    table: str
    prefix: str
    columns: tuple[str, ...]
    similarity: float  # lowest pairwise overlap of the columns' value shapes
    non_null: dict[str, int]
    sample_rows: int
    examples: list[dict[str, Any]]
    refactoring: str

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "prefix": self.prefix, "columns": list(self.columns),
                "similarity": round(self.similarity, 4), "non_null": self.non_null, "sample_rows": self.sample_rows,
                "examples": self.examples, "refactoring": self.refactoring}


@dataclass
class MissingForeignKey:
    table: str
    column: str
    parent: str
    parent_column: str
    distinct_values: int  # distinct non-NULL values of the sample, every one found in the parent key
    sample_rows: int
    evidence: list[str]
    chance: float | None  # probability that values drawn at random from their range were all keys
    alternatives: list[str]
    examples: list[Any]
    ddl: str

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "column": self.column, "parent": self.parent,
                "parent_column": self.parent_column, "distinct_values": self.distinct_values,
                "sample_rows": self.sample_rows, "evidence": self.evidence,
                "chance": None if self.chance is None else float(f"{self.chance:.3g}"),
                "alternatives": self.alternatives, "examples": self.examples, "ddl": self.ddl}


@dataclass
class DependencyReport:
    database: str
    scanned_at: str
    settings: DependencySettings
    tables: list[TableScan] = field(default_factory=list)
    transitive: list[TransitiveDependency] = field(default_factory=list)
    repeating_groups: list[RepeatingGroup] = field(default_factory=list)
    missing_foreign_keys: list[MissingForeignKey] = field(default_factory=list)
    skipped_inclusions: Counter = field(default_factory=Counter)

    @property
    def findings(self) -> int:
        return len(self.transitive) + len(self.repeating_groups) + len(self.missing_foreign_keys)

    @property
    def errors(self) -> list[TableScan]:
        return [t for t in self.tables if t.error]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_USAGE
        return EXIT_FINDINGS if self.findings else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": FORMAT_VERSION, "database": self.database, "scanned_at": self.scanned_at,
            "settings": self.settings.as_dict(),
            "tables": [t.as_dict() for t in self.tables],
            "transitive_dependencies": [f.as_dict() for f in self.transitive],
            "repeating_groups": [f.as_dict() for f in self.repeating_groups],
            "missing_foreign_keys": [f.as_dict() for f in self.missing_foreign_keys],
            "skipped_inclusions": dict(sorted(self.skipped_inclusions.items())),
            "summary": {"tables": len(self.tables), "scanned": sum(1 for t in self.tables if t.sample_rows
                                                                   and not t.skipped and not t.error),
                        "transitive_dependencies": len(self.transitive),
                        "repeating_groups": len(self.repeating_groups),
                        "missing_foreign_keys": len(self.missing_foreign_keys), "errors": len(self.errors)},
        }


# --- the sample --------------------------------------------------------------------------------

@dataclass
class Sample:
    table: Table
    columns: list[str]
    rows: list[tuple[str, ...]]  # values as text, NULL as the NULL sentinel
    complete: bool

    @property
    def size(self) -> int:
        return len(self.rows)


def _order(table: Table) -> sql.Composable:
    if table.primary_key and table.primary_key.columns:
        return column_list(table.primary_key.columns)
    return sql.SQL("ctid") if table.kind == TABLE else sql.SQL("tableoid, ctid")


def sample_query(table: Table, columns: Sequence[str], s: DependencySettings) -> tuple[sql.Composed, list, bool]:
    """The sampling SELECT (values as text), its parameters, and whether it samples (TABLESAMPLE)."""
    values = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in columns)
    source: sql.Composable = from_clause(table)
    params: list[Any] = []
    estimated = table.estimated_rows or 0
    sampled = estimated >= 2 * s.sample_rows
    if sampled:
        percent = min(100.0, 100.0 * s.sample_rows * 1.1 / estimated)
        source = sql.SQL("{} TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s)").format(source)
        params += [percent, s.seed]
    limit = s.sample_rows + 1 if not sampled else math.ceil(s.sample_rows * 1.3)
    query = sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT %s").format(values, source, _order(table))
    return query, [*params, limit], sampled


def read_sample(conn: psycopg.Connection, table: Table, columns: Sequence[str], s: DependencySettings) -> Sample:
    """At most `sample_rows` rows, the same ones on every run over the same table: the whole table when
    small, else a BERNOULLI sample with a fixed seed thinned evenly; ordered by the primary key."""
    query, params, sampled = sample_query(table, columns, s)
    rows = conn.execute(bindable(query), params).fetchall()
    complete = not sampled and len(rows) <= s.sample_rows
    if len(rows) > s.sample_rows:  # thin evenly rather than keep the lowest keys
        step = len(rows) / s.sample_rows
        rows = [rows[int(i * step)] for i in range(s.sample_rows)]
    return Sample(table, list(columns), [tuple(NULL if v is None else v for v in r) for r in rows], complete)


def _frame(sample: Sample, columns: Sequence[str]):  # noqa: ANN202 - pandas.DataFrame
    import pandas as pd

    idx = [sample.columns.index(c) for c in columns]
    return pd.DataFrame([[r[i] for i in idx] for r in sample.rows], columns=list(columns), dtype=object)


# --- per table ---------------------------------------------------------------------------------

def declared_keys(table: Table) -> list[tuple[str, ...]]:
    """Primary key, unique constraints and plain unique indexes (no predicate, no expression)."""
    keys: list[tuple[str, ...]] = []
    if table.primary_key and table.primary_key.columns:
        keys.append(table.primary_key.columns)
    keys += [u.columns for u in table.uniques if u.columns]
    keys += [i.key_columns for i in table.indexes if i.unique and not i.partial and not i.expressions]
    return list(dict.fromkeys(keys))


def sampled_columns(table: Table, s: DependencySettings) -> tuple[list[str], list[tuple[str, str]]]:
    chosen, skipped = [], []
    for c in table.columns:
        if c.type_name in SKIP_TYPES:
            skipped.append((c.name, f"type {c.data_type}"))
        elif c.is_array:
            skipped.append((c.name, f"array type {c.data_type}"))
        elif len(chosen) >= s.max_columns:
            skipped.append((c.name, f"beyond max-columns ({s.max_columns})"))
        else:
            chosen.append(c.name)
    return chosen, skipped


def profile_columns(frame, s: DependencySettings) -> list[ColumnProfile]:  # noqa: ANN001 - DataFrame
    n = len(frame)
    out = []
    for name in frame.columns:
        col = frame[name]
        nulls = int((col == NULL).sum())
        counts = col[col != NULL].value_counts()
        distinct = len(counts)
        top = max(int(counts.iloc[0]) if distinct else 0, nulls)
        p = ColumnProfile(name, n - nulls, distinct, top / n if n else 1.0)
        if p.non_null == 0:
            p.skipped = "all NULL"
        elif nulls / n > s.max_null_fraction:
            p.skipped = f"mostly NULL ({nulls / n:.0%})"
        elif distinct + (1 if nulls else 0) <= 1:
            p.skipped = "constant"
        elif p.top_share >= s.near_constant:
            p.skipped = f"near-constant ({p.top_share:.1%} one value)"
        elif distinct / p.non_null >= s.near_unique:
            p.skipped = f"near-unique ({distinct / p.non_null:.0%} distinct)"
        out.append(p)
    return out


def _json_value(v: str) -> str | None:
    return None if v == NULL else v


def candidate_keys(frame, columns: list[str]) -> list[tuple[str, ...]]:  # noqa: ANN001
    """Minimal unique column combinations of the sample (HyUCC), smallest first."""
    import desbordante

    if not columns:
        return []
    algo = desbordante.ucc.algorithms.HyUCC()
    algo.load_data(table=frame[columns])
    algo.execute(threads=1)
    keys = {tuple(columns[i] for i in sorted(u.indices)) for u in algo.get_uccs()}
    return sorted(keys, key=lambda k: (len(k), k))


def _discover_fds(frame, s: DependencySettings) -> list[tuple[tuple[int, ...], int]]:  # noqa: ANN001
    import desbordante

    found: set[tuple[tuple[int, ...], int]] = set()
    exact = desbordante.fd.algorithms.HyFD()
    exact.load_data(table=frame)
    exact.execute(max_lhs=s.max_lhs, threads=1)
    found |= {(tuple(sorted(fd.lhs_indices)), fd.rhs_index) for fd in exact.get_fds()}
    if s.confidence < 1.0:
        # Pyro's g1 error counts violating pairs; a dependency that (1 - confidence) of the rows break
        # has g1 <= 2 (1 - confidence), so this bound misses none.  Each candidate is verified below.
        approx = desbordante.afd.algorithms.Pyro()
        approx.load_data(table=frame)
        approx.execute(error=min(1.0, 2 * (1 - s.confidence)), max_lhs=s.max_lhs, seed=s.seed, threads=1)
        found |= {(tuple(sorted(fd.lhs_indices)), fd.rhs_index) for fd in approx.get_fds()}
    return sorted(found, key=lambda f: (len(f[0]), f))


def _examples(frame, lhs: list[str], rhs: str, k: int) -> tuple[list[dict], list[dict]]:  # noqa: ANN001
    """The largest left-side groups with their value, and the largest groups where the right side disagrees."""
    counts = frame.groupby(lhs + [rhs], sort=False).size().reset_index(name="rows")
    groups = counts.groupby(lhs, sort=False)["rows"].agg(["sum", "size"]).reset_index()
    order = ["sum", *lhs]
    out: tuple[list[dict], list[dict]] = ([], [])
    for agree, found in ((True, out[0]), (False, out[1])):
        chosen = groups[(groups["size"] == 1) if agree else (groups["size"] > 1)]
        chosen = chosen.sort_values(order, ascending=[False] + [True] * len(lhs)).head(k)
        for key, rows in zip(chosen[lhs].itertuples(index=False, name=None), chosen["sum"]):
            entry = {"lhs": {c: _json_value(v) for c, v in zip(lhs, key)}, "rows": int(rows)}
            mask = (counts[lhs] == list(key)).all(axis=1)
            values = counts[mask].sort_values(["rows", rhs], ascending=[False, True])
            if agree:
                found.append({**entry, rhs: _json_value(values[rhs].iloc[0])})
            else:
                found.append({**entry, "values": {str(_json_value(v)): int(n) for v, n in zip(values[rhs], values["rows"])}})
    return out


def _refactoring(conn: psycopg.Connection, catalog: Catalog, table: Table, lhs: tuple[str, ...],
                 rhs: list[str], exact: bool) -> tuple[str, str]:
    """In words and as a SQL sketch: move the dependent columns next to what they depend on."""
    fk = next((fk for fk in table.foreign_keys if fk.columns == lhs), None)
    parent = catalog.get(fk.ref_table, fk.ref_schema) if fk else None
    cols = ", ".join(rhs)
    if parent is not None:
        words = (f"{cols} depend{'s' if len(rhs) == 1 else ''} on {', '.join(lhs)}, which references "
                 f"{parent.display_name}: keep {cols} in {parent.display_name} only and drop it here")
        stmts = [sql.SQL("ALTER TABLE {} DROP COLUMN {};").format(qualified(table), sql.Identifier(c)) for c in rhs]
        return words, "\n".join(s.as_string(conn) for s in stmts)
    new = naming.plural("_".join(lhs))
    if new == "_".join(lhs):
        new = f"{table.name}_{new}"
    words = (f"extract ({', '.join(lhs + tuple(rhs))}) into a table of its own ({new}, keyed by "
             f"{', '.join(lhs)}) and reference it from {table.display_name} by {', '.join(lhs)}")
    target = sql.Identifier(table.schema, new)
    stmts = [] if exact else [sql.SQL("-- first resolve the rows that disagree (see violations)")]
    stmts += [
        sql.SQL("CREATE TABLE {} AS SELECT DISTINCT {} FROM {};").format(target, column_list(lhs + tuple(rhs)),
                                                                      qualified(table)),
        sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({});").format(target, column_list(lhs)),
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) "
                "ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;").format(
            qualified(table), sql.Identifier(naming.template_name("fk", table.name, lhs)), column_list(lhs),
            target, column_list(lhs)),
        *(sql.SQL("ALTER TABLE {} DROP COLUMN {};").format(qualified(table), sql.Identifier(c)) for c in rhs),
    ]
    return words, "\n".join(s.as_string(conn) for s in stmts)


def transitive_dependencies(conn: psycopg.Connection, catalog: Catalog, sample: Sample, scan: TableScan,
                            s: DependencySettings) -> list[TransitiveDependency]:
    import desbordante

    usable = [p.name for p in scan.columns if p.skipped is None]
    if len(usable) < 2:
        return []
    frame = _frame(sample, usable)
    n = sample.size
    keys = [set(k) for k in scan.declared_keys] + [set(k) for k in scan.candidate_keys]
    prime = {c for k in scan.declared_keys for c in k}
    distinct = {p.name: p.distinct for p in scan.columns}
    verifier = desbordante.afd_verification.algorithms.Default()
    verifier.load_data(table=frame)
    by_lhs: dict[tuple[str, ...], list[Dependent]] = {}
    support: dict[tuple[str, ...], tuple[int, int]] = {}
    for lhs_idx, rhs_idx in _discover_fds(frame, s):
        lhs, rhs = tuple(usable[i] for i in lhs_idx), usable[rhs_idx]
        if not lhs or rhs in lhs:
            continue
        if any(k <= set(lhs) for k in keys):
            scan.skipped_dependencies["left side is a key"] += 1
            continue
        if rhs in prime:
            scan.skipped_dependencies["right side is part of a key"] += 1
            continue
        if any(set(prev) < set(lhs) and any(d.column == rhs for d in deps) for prev, deps in by_lhs.items()):
            continue  # a smaller left side already explains it
        verifier.execute(lhs_indices=list(lhs_idx), rhs_indices=[rhs_idx])
        violating = 0 if verifier.fd_holds() else round(sum(
            len(h.cluster) * (1 - h.most_frequent_rhs_value_proportion) for h in verifier.get_highlights()))
        confidence = 1 - violating / n
        if confidence < s.confidence:
            scan.skipped_dependencies[f"confidence under {s.confidence:g}"] += 1
            continue
        if lhs not in support:
            sizes = frame.groupby(list(lhs), sort=False).size()
            support[lhs] = (len(sizes), int(sizes[sizes >= 2].sum()))
        lhs_distinct, rows = support[lhs]
        if rows < s.min_support_rows or rows / n < s.min_support_fraction:
            scan.skipped_dependencies["low support"] += 1
            continue
        examples, violations = _examples(frame, list(lhs), rhs, s.examples)
        by_lhs.setdefault(lhs, []).append(Dependent(rhs, confidence, violating, distinct[rhs], examples, violations))
    found = []
    for lhs, deps in sorted(by_lhs.items(), key=lambda kv: (len(kv[0]), kv[0])):
        table = sample.table
        partial = any(set(lhs) < set(k) for k in scan.declared_keys)
        words, sketch = _refactoring(conn, catalog, table, lhs, [d.column for d in deps], all(d.exact for d in deps))
        found.append(TransitiveDependency(table.display_name, lhs, "partial" if partial else "transitive",
                                          support[lhs][0], support[lhs][1], n, deps, words, sketch))
    return found


_SHAPE = [(re.compile(r"[0-9]+"), "9"), (re.compile(r"[^\W\d_]+"), "a"), (re.compile(r"\s+"), " ")]


def value_shape(value: str) -> str:
    """What kind of value it is, not which: runs of digits -> 9, of letters -> a ('555-1234' -> '9-9')."""
    for pattern, repl in _SHAPE:
        value = pattern.sub(repl, value)
    return value[:40]


def _shape_overlap(a: Counter, b: Counter) -> float:
    ta, tb = sum(a.values()), sum(b.values())
    return sum(min(a[k] / ta, b[k] / tb) for k in a.keys() & b.keys()) if ta and tb else 0.0


def repeating_groups(sample: Sample, scan: TableScan, s: DependencySettings) -> list[RepeatingGroup]:
    table = sample.table
    profiles = {p.name: p for p in scan.columns}
    found = []
    for prefix, family in table.numbered_column_families().items():
        cols = [c for c in family if c in profiles and profiles[c].non_null > 0]
        if len(cols) < 2:
            scan.skipped_dependencies[f"numbered family {prefix}*: fewer than two columns hold values"] += 1
            continue
        if len({type_family(table.column(c)) for c in cols}) > 1:
            scan.skipped_dependencies[f"numbered family {prefix}*: columns of different types"] += 1
            continue
        idx = [sample.columns.index(c) for c in cols]
        shapes = [Counter(value_shape(r[i]) for r in sample.rows if r[i] != NULL) for i in idx]
        similarity = min(_shape_overlap(shapes[i], shapes[j]) for i in range(len(cols)) for j in range(i + 1, len(cols)))
        if similarity < s.repeating_group_similarity:
            scan.skipped_dependencies[f"numbered family {prefix}*: values of different kinds"] += 1
            continue
        examples = [{c: _json_value(r[i]) for c, i in zip(cols, idx)} for r in sample.rows
                    if sum(r[i] != NULL for i in idx) >= 2][: s.examples]
        child = f"{table.name}_{naming.plural(prefix)}"
        words = (f"a child table {child} ({naming.singular(table.name)}_id, position, {prefix}) with one row per "
                 f"non-NULL value of {', '.join(cols)}")
        found.append(RepeatingGroup(table.display_name, prefix, tuple(cols), similarity,
                                    {c: profiles[c].non_null for c in cols}, sample.size, examples, words))
    return found


# --- across tables: inclusion dependencies -----------------------------------------------------

@dataclass
class _Key:
    table: Table
    column: Column
    values: list[str] | None  # every value when the table fits the sample size, else None


def _key_columns(catalog: Catalog) -> list[tuple[Table, Column]]:
    out = []
    for t in catalog.base_tables:
        if t.is_partition:
            continue
        for key in declared_keys(t):
            col = t.column(key[0]) if len(key) == 1 else None
            if col is not None and type_family(col) in ("integer", "text", "uuid"):
                out.append((t, col))
    return list({(t.key, c.name): (t, c) for t, c in out}.values())


def _read_key(conn: psycopg.Connection, table: Table, column: Column, s: DependencySettings) -> list[str] | None:
    rows = conn.execute(bindable(sql.SQL("SELECT {c}::text FROM {t} WHERE {c} IS NOT NULL ORDER BY {c} LIMIT %s").format(
        c=sql.Identifier(column.name), t=from_clause(table))), [s.sample_rows + 1]).fetchall()
    return None if len(rows) > s.sample_rows else [r[0] for r in rows]


def _mentions(column: str, name: str) -> bool:
    """`name`'s words appear in order in `column`'s (`video_segment` in `video_segment_ref`, not `t` in `note`)."""
    words, target = column.split("_"), name.split("_")
    return len(name) >= 3 and any(words[i:i + len(target)] == target for i in range(len(words)))


def _name_evidence(column: str, parent: Table, key: Column) -> str | None:
    if _mentions(column, naming.singular(parent.name)) or _mentions(column, parent.name):
        return f"the column's name mentions {parent.display_name}"
    if column == key.name and key.name != "id":
        return f"same name as the key {parent.display_name}.{key.name}"
    return None


def _chance(values: Iterable[str], keys: list[str]) -> tuple[float | None, str | None]:
    """For integers: how likely values drawn at random from their own range all fall on a key value."""
    try:
        ints = sorted({int(v) for v in values})
        key_ints = sorted(int(k) for k in keys)
    except ValueError:
        return None, None
    lo, hi = ints[0], ints[-1]
    import bisect

    inside = bisect.bisect_right(key_ints, hi) - bisect.bisect_left(key_ints, lo)
    density = inside / (hi - lo + 1)
    chance = density ** len(ints)
    return chance, f"{inside:,} of the {hi - lo + 1:,} integers in [{lo}, {hi}] are keys"


def _copies(catalog: Catalog, transitive: list[TransitiveDependency]) -> dict[tuple, tuple[str, str]]:
    """(table key, column) -> the table its left side references, for columns that copy a parent's column."""
    out = {}
    for f in transitive:
        t = catalog.get(f.table)
        fk = next((fk for fk in t.foreign_keys if fk.columns == f.lhs), None) if t else None
        if fk is not None:
            out.update({(t.key, d.column): fk.parent for d in f.dependents})
    return out


def missing_foreign_keys(conn: psycopg.Connection, catalog: Catalog, samples: list[tuple[Sample, TableScan]],
                         s: DependencySettings, skipped: Counter,
                         transitive: list[TransitiveDependency] = ()) -> list[MissingForeignKey]:
    import desbordante
    import pandas as pd

    copies = _copies(catalog, list(transitive))
    dependents: list[tuple[Sample, Column, list[str]]] = []
    for sample, scan in samples:
        t = sample.table
        covered = {c for fk in t.foreign_keys for c in fk.columns}
        own_pk = t.primary_key.columns if t.primary_key and len(t.primary_key.columns) == 1 else ()
        profiles = {p.name: p for p in scan.columns}
        for name in sample.columns:
            col, p = t.column(name), profiles[name]
            if name in covered or name in own_pk or type_family(col) not in ("integer", "text", "uuid"):
                continue
            if p.distinct < s.ind_min_distinct:
                skipped[f"fewer than {s.ind_min_distinct} distinct values"] += 1
                continue
            i = sample.columns.index(name)
            dependents.append((sample, col, sorted({r[i] for r in sample.rows if r[i] != NULL})))
    families = {type_family(col) for _, col, _ in dependents}
    keys = []
    for t, c in _key_columns(catalog):
        if type_family(c) not in families:
            continue
        if (t.estimated_rows or 0) > s.sample_rows:  # too large to hold: checked in the database instead
            keys.append(_Key(t, c, None))
            continue
        with conn.transaction():
            keys.append(_Key(t, c, _read_key(conn, t, c, s)))
    complete = [k for k in keys if k.values]  # None: too large for a sample; []: an empty table
    position = {id(k): i for i, k in enumerate(complete)}
    included: set[tuple[int, int]] = set()
    if dependents and complete:
        frames = [pd.DataFrame({"v": vals}, dtype=object) for _, _, vals in dependents]
        frames += [pd.DataFrame({"v": k.values}, dtype=object) for k in complete]
        spider = desbordante.ind.algorithms.Spider()
        spider.load_data(tables=frames)
        spider.execute(threads=1)
        n_dep = len(dependents)
        for ind in spider.get_inds():
            a, b = ind.get_lhs().table_index, ind.get_rhs().table_index
            if a < n_dep <= b:
                included.add((a, b - n_dep))
    found = []
    for d, (sample, col, vals) in enumerate(dependents):
        t = sample.table
        candidates = []
        for k_i, key in enumerate(keys):
            if key.table.key == t.key or type_family(key.column) != type_family(col):
                continue
            if copies.get((t.key, col.name)) == key.table.key:
                skipped["a copied column of the table its FK references (see the transitive dependency)"] += 1
                continue
            named = _name_evidence(col.name, key.table, key.column)
            if key.values is not None:
                if (d, position.get(id(key), -1)) not in included:
                    continue
                chance, density = _chance(vals, key.values) if type_family(col) == "integer" else (None, None)
            else:  # the key is larger than a sample: verify named candidates in the database itself
                if not named:
                    continue
                with conn.transaction():
                    missing = conn.execute(bindable(sql.SQL(
                        "SELECT count(*) FROM unnest(%s::text[]) AS d(v) WHERE NOT EXISTS "
                        "(SELECT 1 FROM {} p WHERE p.{}::text = d.v)").format(
                        from_clause(key.table), sql.Identifier(key.column.name))), [vals]).fetchone()[0]
                if missing:
                    continue
                chance, density = None, None
            if not named and chance is not None and chance > s.ind_max_chance:
                skipped["integer inclusion that chance explains (dense key range, no name evidence)"] += 1
                continue
            evidence = [f"all {len(vals):,} distinct values of the sample are {key.table.display_name}.{key.column.name} "
                        "values"]
            evidence += [e for e in (named, density) if e]
            if chance is not None:
                evidence.append(f"chance of that by accident: {chance:.2g}" if chance < 0.5 else
                                "the key range is dense, so the values alone could be chance")
            candidates.append((not named, chance if chance is not None else 0.0, key.table.display_name,
                               key, evidence, chance))
        if not candidates:
            continue
        candidates.sort(key=lambda c: c[:3])
        _, _, _, key, evidence, chance = candidates[0]
        name = naming.template_name("fk", t.name, (col.name,))
        ddl = sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) "
                      "ON DELETE RESTRICT ON UPDATE CASCADE NOT VALID;").format(
            qualified(t), sql.Identifier(name), sql.Identifier(col.name), qualified(key.table),
            sql.Identifier(key.column.name)).as_string(conn)
        found.append(MissingForeignKey(t.display_name, col.name, key.table.display_name, key.column.name, len(vals),
                                       sample.size, evidence, chance,
                                       [f"{c[3].table.display_name}.{c[3].column.name}" for c in candidates[1:]],
                                       vals[: s.examples], ddl))
    return found


# --- the scan ----------------------------------------------------------------------------------

def scan_dependencies(conn: psycopg.Connection, catalog: Catalog, tables: Sequence[str] = (),
                      settings: DependencySettings | None = None, *,
                      progress: Callable[[str], None] | None = None, now: datetime | None = None) -> DependencyReport:
    """Sample each table (all base tables, or `tables`) and report what the data says; writes nothing.

    Runs in one READ ONLY, REPEATABLE READ transaction (one snapshot for every table), each table
    in a savepoint so that one failing table (a timeout, no privilege) is reported and the rest go on.
    """
    import time

    s = settings or DependencySettings()
    chosen = [find_table(catalog, name) for name in tables] if tables else [
        t for t in catalog.base_tables if not t.is_partition and t.kind in (TABLE, PARTITIONED_TABLE)]
    chosen = list({t.key: t for t in chosen}.values())
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    report = DependencyReport(catalog.database, when.isoformat().replace("+00:00", "Z"), s)
    samples: list[tuple[Sample, TableScan]] = []
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise WorkbenchError("scan dependencies needs a connection outside a transaction (it opens a read-only one).")
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute("SELECT set_config('statement_timeout', %s, true)", [str(s.timeout_ms)])
        for table in chosen:
            start = time.perf_counter()
            if progress:
                progress(table.display_name)
            scan = TableScan(table.display_name, table.estimated_rows, declared_keys=declared_keys(table))
            report.tables.append(scan)
            columns, scan.skipped_columns = sampled_columns(table, s)
            if not columns:
                scan.skipped = "no column of a comparable type"
                continue
            try:
                with conn.transaction():
                    sample = read_sample(conn, table, columns, s)
            except psycopg.Error as exc:
                scan.error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
                continue
            scan.sample_rows, scan.complete = sample.size, sample.complete
            if sample.size < s.min_rows:
                scan.skipped = f"tiny table ({sample.size} rows, min-rows {s.min_rows})"
                continue
            frame = _frame(sample, columns)
            scan.columns = profile_columns(frame, s)
            scan.candidate_keys = candidate_keys(frame, [p.name for p in scan.columns if p.non_null])
            report.transitive += transitive_dependencies(conn, catalog, sample, scan, s)
            report.repeating_groups += repeating_groups(sample, scan, s)
            samples.append((sample, scan))
            scan.seconds = time.perf_counter() - start
        if progress:
            progress("inclusion dependencies")
        report.missing_foreign_keys = missing_foreign_keys(conn, catalog, samples, s, report.skipped_inclusions,
                                                           report.transitive)
    return report


# --- reading a scan back: the linter's normal-form rule and the docs' table pages --------------

@dataclass(frozen=True)
class ConfirmedFinding:
    """One finding of a scan file, worded for a lint finding or a table page."""

    rule: str  # the linter rule it belongs to: 'normal-form' or 'soft-reference'
    kind: str  # 'transitive-dependency' | 'partial-dependency' | 'repeating-group' | 'missing-foreign-key'
    table: str  # display name
    column: str | None  # the column the lint finding sits on
    object: str  # as the linter names objects: table.column or table.prefix*
    message: str
    evidence: tuple[str, ...]
    confirmed: str  # "confirmed on data (sample of N rows, date)"


@dataclass(frozen=True)
class DependencyFindings:
    path: str
    database: str
    scanned_at: str
    findings: tuple[ConfirmedFinding, ...]

    def for_table(self, name: str) -> tuple[ConfirmedFinding, ...]:
        return tuple(f for f in self.findings if f.table == name)


def _confirmed(rows: int, scanned_at: str) -> str:
    return f"confirmed on data (sample of {rows:,} rows, {scanned_at[:10]})"


def findings_from_dict(data: dict[str, Any], where: str = "the scan") -> DependencyFindings:
    out = []
    for f in data["transitive_dependencies"]:
        note = _confirmed(f["sample_rows"], data["scanned_at"])
        lhs = ", ".join(f["lhs"])
        for d in f["dependents"]:
            how = "exactly" if d["exact"] else f"on {d['confidence']:.1%} of the rows"
            out.append(ConfirmedFinding(
                "normal-form", f"{f['kind']}-dependency", f["table"], d["column"], f"{f['table']}.{d['column']}",
                f"{d['column']} depends on {lhs} ({how}), not on the key: {f['kind']} dependency, {note}; "
                f"suggested: {f['refactoring']}",
                (f"{f['lhs_distinct']:,} distinct {lhs} values, {f['support_rows']:,} of {f['sample_rows']:,} rows "
                 "share theirs", f"{d['violating_rows']:,} violating rows"), note))
    for g in data["repeating_groups"]:
        note = _confirmed(g["sample_rows"], data["scanned_at"])
        out.append(ConfirmedFinding(
            "normal-form", "repeating-group", g["table"], g["columns"][0], f"{g['table']}.{g['prefix']}*",
            f"numbered column family {', '.join(g['columns'])} holds one kind of value (shape overlap "
            f"{g['similarity']:.0%}): a repeating group, {note}; suggested: {g['refactoring']}",
            tuple(f"{c}: {n:,} non-NULL" for c, n in g["non_null"].items()), note))
    for m in data["missing_foreign_keys"]:
        note = _confirmed(m["sample_rows"], data["scanned_at"])
        out.append(ConfirmedFinding(
            "soft-reference", "missing-foreign-key", m["table"], m["column"], f"{m['table']}.{m['column']}",
            f"every value is a {m['parent']}.{m['parent_column']} but no foreign key says so, {note}; "
            f"declare it: {m['ddl']}", tuple(m["evidence"]), note))
    return DependencyFindings(where, data["database"], data["scanned_at"], tuple(out))


def load_dependency_findings(path: Path | str) -> DependencyFindings:
    """A `scan dependencies --format json` file, for `lint --dependencies` and `docs build --dependencies`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorkbenchError(f"The dependency scan file {path} does not exist.",
                             "Write one with `x121-docs scan dependencies --format json --output FILE`.") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise WorkbenchError(f"Cannot read the dependency scan file {path}: {exc}.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise WorkbenchError(f"{path} is not the JSON output of `x121-docs scan dependencies`.",
                             "Write one with `x121-docs scan dependencies --format json --output FILE`.")
    if data.get("version") != FORMAT_VERSION:
        raise WorkbenchError(f"{path} has format version {data.get('version')!r}; this workbench reads version "
                             f"{FORMAT_VERSION}.", "Run the scan again with this version.")
    try:
        return findings_from_dict(data, str(path))
    except (KeyError, TypeError, ValueError) as exc:
        raise WorkbenchError(f"The dependency scan file {path} is incomplete or damaged ({type(exc).__name__}: {exc}).",
                             "Run the scan again.") from None
