"""Orphan scan: child rows whose foreign key points at no parent row.

A valid, enforced FK cannot have orphans, but real databases get them: constraints added
NOT VALID and never validated, FK triggers disabled for a bulk load (or rows copied with
`session_replication_role = replica`), and "soft" `*_id` columns that never had a FK.  So
the scan trusts nothing and anti-joins every reference, with MATCH SIMPLE/FULL semantics.

Large tables are scanned in bounded batches, each its own short transaction under
`SET LOCAL statement_timeout`, sized adaptively towards a target time, halved and retried
when one times out, with the position saved in a small state file so that a cut-off scan
resumes where it stopped.  Two batch strategies:

* `values`: ranges of the first FK column when it is an integer with a btree index leading
  on it (the platform indexes every FK).  The count is a merge anti-join of two index-only
  scans, which PostgreSQL runs in parallel: close to the cost of `count(*)`.
* `blocks`: ctid ranges (TID range scans) for everything else.

Child rows of a sample are fetched only when a batch found orphans.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..catalog.model import PARTITIONED_TABLE, Catalog, Table
from ..errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, WorkbenchError
from .common import bindable, from_clause, jsonable
from .naming import guess_parent

#: Defaults: rows per batch to start from, time a batch should take, sample rows per reference.
BATCH_ROWS = 2_000_000
TARGET_SECONDS = 2.0
DEFAULT_TIMEOUT_MS = 60_000
SAMPLE_SIZE = 5
STATE_VERSION = 1


@dataclass(frozen=True)
class Reference:
    """A child -> parent link to check: a declared FK, or a soft reference (constraint None)."""

    child: Table
    columns: tuple[str, ...]
    parent: Table
    ref_columns: tuple[str, ...]
    constraint: str | None = None
    match: str = "SIMPLE"
    validated: bool = True

    @property
    def soft(self) -> bool:
        return self.constraint is None

    @property
    def key(self) -> str:
        """Stable identity for the state file and for sorting."""
        return f"{self.child.schema}.{self.child.name}:{self.constraint or '~' + ','.join(self.columns)}"

    def notes(self, catalog: Catalog) -> list[str]:
        """Why the database itself may not have kept this reference intact."""
        notes = []
        if self.soft:
            notes.append("no foreign key")
        elif not self.validated:
            notes.append("NOT VALID")
        for table in {self.child.key: self.child, self.parent.key: self.parent}.values():
            if table.fk_triggers_disabled or any(p.fk_triggers_disabled for p in _leaves(catalog, table)):
                notes.append(f"FK triggers disabled on {table.display_name}")
        return notes


@dataclass
class Finding:
    """Result for one reference: orphan count, a sample of child rows, or the error that stopped it."""

    reference: Reference
    notes: list[str] = field(default_factory=list)
    orphans: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        ref = self.reference
        data: dict[str, Any] = {
            "table": ref.child.display_name,
            "columns": list(ref.columns),
            "parent": ref.parent.display_name,
            "parent_columns": list(ref.ref_columns),
            "orphans": self.orphans,
            "sample": self.sample,
            "notes": self.notes,
            "error": self.error,
        }
        if not ref.soft:
            data["constraint"] = ref.constraint
        return data


@dataclass(frozen=True)
class SoftReference:
    """An integer `*_id` column without a FK, and the table it evidently points at (if any)."""

    table: Table
    column: str
    parent: Table | None

    def reference(self) -> Reference | None:
        if self.parent is None or self.parent.primary_key is None:
            return None
        pk = self.parent.primary_key.columns
        col = self.parent.column(pk[0]) if len(pk) == 1 else None
        if col is None or not col.is_integer:
            return None
        return Reference(self.table, (self.column,), self.parent, pk)


@dataclass
class OrphanReport:
    database: str
    foreign_keys: list[Finding]
    soft_references: list[tuple[SoftReference, Finding | None]]

    @property
    def findings(self) -> list[Finding]:
        return self.foreign_keys + [f for _, f in self.soft_references if f is not None]

    @property
    def orphans(self) -> int:
        return sum(f.orphans for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.error]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_USAGE
        return EXIT_FINDINGS if self.orphans else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        soft = []
        for ref, finding in self.soft_references:
            entry: dict[str, Any] = {"table": ref.table.display_name, "column": ref.column,
                                     "parent": ref.parent.display_name if ref.parent else None,
                                     "orphans": None, "sample": [], "error": None}
            if finding is not None:
                entry.update(orphans=finding.orphans, sample=finding.sample, error=finding.error)
            soft.append(entry)
        return {
            "database": self.database,
            "foreign_keys": [f.as_dict() for f in self.foreign_keys],
            "soft_references": soft,
            "summary": {"foreign_keys": len(self.foreign_keys), "soft_references": len(self.soft_references),
                        "orphans": self.orphans, "errors": len(self.errors)},
        }


# --- what to scan -------------------------------------------------------------------------------

def _leaves(catalog: Catalog, table: Table) -> list[Table]:
    """The relations that hold a table's rows: itself, or the leaf partitions of a partitioned table."""
    if table.kind != PARTITIONED_TABLE:
        return [table]
    return [leaf for part in catalog.partitions(table) for leaf in _leaves(catalog, part)]


def foreign_key_references(catalog: Catalog) -> list[Reference]:
    """Every declared FK once (the copies PostgreSQL keeps on partitions are covered by their parent)."""
    refs = []
    for fk in catalog.foreign_keys:
        if fk.inherited_from:
            continue
        child, parent = catalog.get(fk.table, fk.schema), catalog.get(fk.ref_table, fk.ref_schema)
        if child is None or parent is None:
            continue
        refs.append(Reference(child, fk.columns, parent, fk.ref_columns, fk.name, fk.match, fk.validated))
    return refs


def soft_references(catalog: Catalog) -> list[SoftReference]:
    """Integer `*_id` columns that no FK of their table covers, with the evident parent table."""
    found = []
    for table in catalog.base_tables:
        if table.is_partition:
            continue
        for col in table.soft_reference_columns():
            found.append(SoftReference(table, col.name, guess_parent(catalog, table, col.name)))
    return found


# --- the state file -----------------------------------------------------------------------------

class ScanState:
    """Progress of a scan, saved after every batch so that `--resume FILE` continues a cut-off scan."""

    def __init__(self, path: Path | None, database: str):
        self.path = path
        self.units: dict[str, dict[str, Any]] = {}
        if path is None or not path.exists():
            return
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise WorkbenchError(f"Cannot read the scan state file {path}: {exc}.",
                                 "Delete it to start the scan from the beginning.") from None
        if data.get("version") != STATE_VERSION or data.get("database") != database:
            raise WorkbenchError(f"The scan state file {path} belongs to another scan "
                                 f"(database {data.get('database')!r}, not {database!r}).",
                                 "Use another file, or delete it to start from the beginning.")
        self.units = data.get("units", {})

    def get(self, key: str) -> dict[str, Any] | None:
        return self.units.get(key)

    def put(self, key: str, entry: dict[str, Any], database: str) -> None:
        self.units[key] = entry
        if self.path is None:
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": STATE_VERSION, "database": database, "units": self.units},
                                  sort_keys=True, default=str))
        os.replace(tmp, self.path)

    def finish(self) -> None:
        """A complete scan leaves no state behind, so the next scheduled run starts afresh."""
        if self.path is not None and self.path.exists():
            self.path.unlink()


# --- scanning -----------------------------------------------------------------------------------

Progress = Callable[[float, str], None]  # (advance in estimated rows, label)


class BatchTimeout(Exception):
    pass


class OrphanScanner:
    """Scans references batch by batch on one autocommit connection (one transaction per batch)."""

    def __init__(self, conn: psycopg.Connection, catalog: Catalog, *, sample_size: int = SAMPLE_SIZE,
                 batch_rows: int = BATCH_ROWS, target_seconds: float = TARGET_SECONDS,
                 timeout_ms: int | None = None, state: ScanState | None = None, progress: Progress | None = None,
                 strategy: str | None = None):
        if not conn.autocommit:
            raise ValueError("the orphan scan needs an autocommit connection (it runs one transaction per batch)")
        self.conn = conn
        self.catalog = catalog
        self.sample_size = sample_size
        self.batch_rows = max(1, batch_rows)
        self.timeout_ms = timeout_ms or self._server_timeout() or DEFAULT_TIMEOUT_MS
        self.target = min(target_seconds, self.timeout_ms / 4000)
        self.state = state or ScanState(None, catalog.database)
        self.progress = progress or (lambda advance, label: None)
        self.timeouts = 0  # batches that hit statement_timeout and were retried smaller
        self.forced_strategy = strategy  # 'blocks' to measure the fallback on an indexed FK

    def _server_timeout(self) -> int:
        """An administrator's statement_timeout caps our batches (0 means none)."""
        value = self.conn.execute("SELECT setting::int FROM pg_settings WHERE name = 'statement_timeout'").fetchone()
        return int(value[0]) if value else 0

    # Estimated rows are the progress unit: comparable across tables and strategies.
    @staticmethod
    def weight(table: Table) -> float:
        return float(table.estimated_rows) if table.estimated_rows and table.estimated_rows > 0 else 1000.0

    def total_weight(self, refs: list[Reference]) -> float:
        return sum(self.weight(rel) for ref in refs for rel in _leaves(self.catalog, ref.child))

    def scan(self, ref: Reference) -> Finding:
        finding = Finding(ref, notes=ref.notes(self.catalog))
        for rel in _leaves(self.catalog, ref.child):
            try:
                self._scan_relation(ref, rel, finding)
            except BatchTimeout as exc:
                finding.error = f"{rel.display_name}: {exc}"
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                finding.error = f"{rel.display_name}: {str(exc).strip().splitlines()[0]}"
            if finding.error:
                break
        return finding

    # -- one relation ---------------------------------------------------------------------------
    def _strategy(self, ref: Reference, rel: Table) -> str:
        if self.forced_strategy == "blocks":
            return "blocks"
        first = rel.column(ref.columns[0])
        if first is None or not first.is_integer:
            return "blocks"
        if ref.match == "FULL" and len(ref.columns) > 1:
            return "blocks"  # mixed-NULL rows may have a NULL first column: no range can find them
        indexed = any(ix.method == "btree" and ix.valid and not ix.partial and ix.key_columns[:1] == ref.columns[:1]
                      for ix in rel.indexes)
        return "values" if indexed else "blocks"

    def _scan_relation(self, ref: Reference, rel: Table, finding: Finding) -> None:
        unit = f"{ref.key}@{rel.schema}.{rel.name}"
        strategy = self._strategy(ref, rel)
        entry = self.state.get(unit)
        if entry is None or entry.get("strategy") != strategy:
            entry = {"strategy": strategy, "next": None, "done": False, "orphans": 0, "sample": [], "width": None}
        weight = self.weight(rel)
        label = f"{ref.child.display_name} → {ref.parent.display_name}"
        if not entry["done"]:
            bounds = self._bounds(ref, rel, strategy)
            if bounds is None:
                entry.update(done=True)
            else:
                low, high = bounds  # high: last value / block count, inclusive / exclusive
                span = max(high - low + (1 if strategy == "values" else 0), 1)
                width = entry["width"] or self._initial_width(rel, span)
                lo = entry["next"] if entry["next"] is not None else low
                if lo > low:
                    self.progress(weight * min((lo - low) / span, 1.0), label)
                end = high + 1 if strategy == "values" else high
                while True:
                    hi = lo + width
                    last = hi >= end
                    try:
                        started = time.monotonic()
                        count, sample = self._batch(ref, rel, strategy, lo, None if last else hi,
                                                    self.sample_size - len(entry["sample"]))
                        elapsed = time.monotonic() - started
                    except BatchTimeout:
                        self.timeouts += 1
                        if width <= 1:
                            raise BatchTimeout(
                                f"a batch of one {'value' if strategy == 'values' else 'block'} "
                                f"took longer than statement_timeout={self.timeout_ms} ms") from None
                        width = max(1, width // 2)
                        continue
                    entry["orphans"] += count
                    entry["sample"].extend(sample)
                    self.progress(weight * (min(hi, end) - lo) / span, label)
                    factor = min(max(self.target / max(elapsed, 1e-3), 0.25), 4.0)
                    width = max(1, int(width * factor))
                    entry.update(next=hi, width=width, done=last)
                    self.state.put(unit, entry, self.catalog.database)
                    if last:
                        break
                    lo = hi
            self.state.put(unit, entry, self.catalog.database)
        else:
            self.progress(weight, label)
        finding.orphans += entry["orphans"]
        room = self.sample_size - len(finding.sample)
        finding.sample.extend(entry["sample"][:max(room, 0)])

    def _initial_width(self, rel: Table, span: int) -> int:
        rows = rel.estimated_rows if rel.estimated_rows and rel.estimated_rows > 0 else None
        if rows is None or rows <= self.batch_rows:
            return span
        return max(1, int(span * self.batch_rows / rows))

    def _bounds(self, ref: Reference, rel: Table, strategy: str) -> tuple[int, int] | None:
        """`values`: (min, max) of the first FK column, None when all NULL. `blocks`: (0, blocks)."""
        if strategy == "values":
            col = sql.Identifier(ref.columns[0])
            query = sql.SQL("SELECT min({c}), max({c}) FROM {t}").format(c=col, t=from_clause(rel))
            row = self._fetchone(query, {})
            return None if row[0] is None else (int(row[0]), int(row[1]))
        row = self._fetchone(sql.SQL("SELECT pg_relation_size(%(oid)s::oid::regclass) "
                                     "/ current_setting('block_size')::bigint"), {"oid": rel.oid})
        return (0, int(row[0]))

    def _fetchone(self, query: sql.Composable, params: dict[str, Any]) -> tuple[Any, ...]:
        with self.conn.transaction():
            return self._timed(query, params).fetchone()

    def _timed(self, query: sql.Composable, params: dict[str, Any] | list[Any]) -> psycopg.Cursor:
        """Run inside the caller's transaction with SET LOCAL statement_timeout."""
        self.conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(self.timeout_ms),))
        try:
            return self.conn.execute(bindable(query), params)
        except psycopg.errors.QueryCanceled as exc:
            if "statement timeout" in (exc.diag.message_primary or ""):
                raise BatchTimeout(f"a query took longer than statement_timeout={self.timeout_ms} ms") from None
            raise

    def _batch(self, ref: Reference, rel: Table, strategy: str, lo: int, hi: int | None,
               want: int) -> tuple[int, list[dict[str, Any]]]:
        where, params = self._condition(ref, rel, strategy, lo, hi)
        # `values`: the same pass also finds the smallest orphan value, where the sample starts.
        first = sql.SQL("min({})").format(sql.Identifier("c", ref.columns[0])) if strategy == "values" \
            else sql.SQL("NULL")
        count_q = sql.SQL("SELECT count(*), {f} FROM {t} AS c WHERE {w}").format(
            f=first, t=from_clause(rel), w=where)
        with self.conn.transaction():
            if strategy == "values":
                self._planner(False)
            count, smallest = self._timed(count_q, params).fetchone()
            sample: list[dict[str, Any]] = []
            if count and want > 0:
                if smallest is not None:
                    where, params = self._condition(ref, rel, strategy, smallest, hi)
                sample = self._sample(ref, rel, strategy, where, params, want)
        return count, sample

    def _sample(self, ref: Reference, rel: Table, strategy: str, where: sql.Composable, params: dict[str, Any],
                want: int) -> list[dict[str, Any]]:
        """A few orphan rows (key and FK values), found without a second full pass over the batch.

        `values`: first the smallest orphan FK values, with the same pinned index-only plan as
        the count, then the rows holding them through the FK index.  `blocks`: the first
        orphans in physical order (the TID range scan stops at `want`).
        """
        keys = list(rel.primary_key.columns) if rel.primary_key else []
        shown = keys + [c for c in ref.columns if c not in keys]
        select = [sql.Identifier("c", c) for c in shown]
        if not keys:
            select.insert(0, sql.SQL("c.ctid::text AS ctid"))
            shown.insert(0, "ctid")
        cols = sql.SQL(", ").join(sql.Identifier("c", c) for c in ref.columns)
        if strategy == "values":
            values = self._timed(sql.SQL("SELECT DISTINCT {c} FROM {t} AS c WHERE {w} ORDER BY {c} LIMIT {n}").format(
                c=cols, t=from_clause(rel), w=where, n=sql.Literal(want)), params).fetchall()
            self._planner(True)
            if not values:
                return []
            row = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() for _ in ref.columns))
            order = [sql.Identifier("c", c) for c in ref.columns] + [sql.Identifier("c", c) for c in keys]
            query = sql.SQL("SELECT {s} FROM {t} AS c WHERE ({c}) IN ({v}) ORDER BY {o} LIMIT {n}").format(
                s=sql.SQL(", ").join(select), t=from_clause(rel), c=cols,
                v=sql.SQL(", ").join(row for _ in values), o=sql.SQL(", ").join(order), n=sql.Literal(want))
            rows = self._timed(query, [v for value in values for v in value]).fetchall()
        else:
            rows = self._timed(sql.SQL("SELECT {s} FROM {t} AS c WHERE {w} LIMIT {n}").format(
                s=sql.SQL(", ").join(select), t=from_clause(rel), w=where, n=sql.Literal(want)), params).fetchall()
        return [{k: jsonable(v) for k, v in zip(shown, r)} for r in rows]

    def _planner(self, free: bool) -> None:
        """Pin the `values` count to index-only scans and a merge anti-join (SET LOCAL).

        For wide ranges the planner prefers a seq scan + hash anti-join, which costs 3-4x
        `count(*)`; the two sorted index-only scans cost about the same as `count(*)`.
        """
        value = "on" if free else "off"
        self.conn.execute(
            "SELECT set_config('enable_seqscan', %(v)s, true), set_config('enable_bitmapscan', %(v)s, true),"
            " set_config('enable_hashjoin', %(v)s, true), set_config('enable_nestloop', %(v)s, true)", {"v": value})

    def _condition(self, ref: Reference, rel: Table, strategy: str, lo: int,
                   hi: int | None) -> tuple[sql.Composable, dict[str, Any]]:
        c = [sql.Identifier("c", col) for col in ref.columns]
        p = [sql.Identifier("p", col) for col in ref.ref_columns]
        join = [sql.SQL("{} = {}").format(pc, cc) for pc, cc in zip(p, c)]
        params: dict[str, Any] = {"lo": lo, "hi": hi}
        if strategy == "values":
            rng = [sql.SQL("{} >= %(lo)s").format(c[0])]
            prng = [sql.SQL("{} >= %(lo)s").format(p[0])]
            if hi is not None:
                rng.append(sql.SQL("{} < %(hi)s").format(c[0]))
                prng.append(sql.SQL("{} < %(hi)s").format(p[0]))
            join += prng
        else:
            params = {"lo": f"({lo},0)", "hi": None if hi is None else f"({hi},0)"}
            rng = [sql.SQL("c.ctid >= %(lo)s::tid")]
            if hi is not None:
                rng.append(sql.SQL("c.ctid < %(hi)s::tid"))
        missing = sql.SQL("NOT EXISTS (SELECT 1 FROM {pt} AS p WHERE {j})").format(
            pt=from_clause(ref.parent), j=sql.SQL(" AND ").join(join))
        not_null = sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(x) for x in c)
        if ref.match == "FULL" and len(c) > 1:
            any_null = sql.SQL(" OR ").join(sql.SQL("{} IS NULL").format(x) for x in c)
            all_null = sql.SQL(" AND ").join(sql.SQL("{} IS NULL").format(x) for x in c)
            test = sql.SQL("NOT ({a}) AND (({n}) OR {m})").format(a=all_null, n=any_null, m=missing)
        else:
            test = sql.SQL("{nn} AND {m}").format(nn=not_null, m=missing)
        return sql.SQL(" AND ").join([*rng, test]), params


def scan_orphans(conn: psycopg.Connection, catalog: Catalog, *, soft: bool = True,
                 state_path: Path | None = None, progress_start: Callable[[float], None] | None = None,
                 **options: Any) -> OrphanReport:
    """Scan every FK (and the soft references) of the database; see the module docstring.

    `conn` must be in autocommit mode.  `options` go to :class:`OrphanScanner` (sample_size,
    batch_rows, target_seconds, timeout_ms, progress).
    """
    state = ScanState(state_path, catalog.database)
    scanner = OrphanScanner(conn, catalog, state=state, **options)
    fk_refs = sorted(foreign_key_references(catalog), key=lambda r: r.key)
    softs = sorted(soft_references(catalog), key=lambda s: (s.table.schema, s.table.name, s.column)) if soft else []
    soft_refs = [s.reference() for s in softs]
    if progress_start:
        progress_start(scanner.total_weight(fk_refs + [r for r in soft_refs if r is not None]))
    report = OrphanReport(
        database=catalog.database,
        foreign_keys=[scanner.scan(ref) for ref in fk_refs],
        soft_references=[(s, scanner.scan(r) if r is not None else None) for s, r in zip(softs, soft_refs)],
    )
    if not report.errors:
        state.finish()
    return report

