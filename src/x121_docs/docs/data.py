"""The few data (not catalog) reads the docs need: lookup values and usage, the migration ledger.

Everything about the schema comes from the catalog model; only row data is read here, with
queries built from the model's names through `psycopg.sql.Identifier` (one values query and one
UNION ALL usage query per lookup table, never one per value).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

import psycopg
from psycopg import sql

from ..catalog import graph
from ..catalog.model import Catalog, ForeignKey, Table
from ..config import Settings
from ..database.connect import connect

Key = tuple[str, str]

_HIDDEN_TYPES = ("timestamp", "date", "time", "bytea", "vector", "json", "tsvector", "halfvec", "sparsevec")


@dataclass(frozen=True)
class LookupData:
    """One lookup table's values and (read for the live figures only) how many rows of each referencing
    column use each value."""

    table: Key
    columns: tuple[str, ...]  # shown columns, values rendered as text
    rows: tuple[tuple[str | None, ...], ...]
    keys: tuple[str, ...]  # per row: the referenced key rendered as text (matches `usage`)
    referencing: tuple[ForeignKey, ...]
    usage: dict[str, dict[str, int]] | None = None  # key text -> {"child.col": rows}; None: not counted
    truncated: bool = False
    key_columns: tuple[str, ...] = ()

    def total(self, key: str) -> int:
        """Rows using the value `key` (read with `lookup_data(..., usage=True)`)."""
        return sum((self.usage or {}).get(key, {}).values())


def _qualified(key: Key) -> sql.Composable:
    return sql.SQL("{}.{}").format(sql.Identifier(key[0]), sql.Identifier(key[1]))


def _key_expr(columns: tuple[str, ...], alias: str | None = None) -> sql.Composable:
    """`col::text` for one column, `ROW(a, b)::text` for a composite key (compared as text)."""
    ids = [sql.Identifier(alias, c) if alias else sql.Identifier(c) for c in columns]
    if len(ids) == 1:
        return sql.SQL("{}::text").format(ids[0])
    return sql.SQL("ROW({})::text").format(sql.SQL(", ").join(ids))


def shown_columns(table: Table) -> tuple[str, ...]:
    """Columns worth showing for a lookup value: keys, names, labels, descriptions; no timestamps/blobs."""
    keep = [c.name for c in table.columns
            if not c.data_type.startswith(_HIDDEN_TYPES) and c.name not in ("created_at", "updated_at")]
    return tuple(keep[:6])


def _order(table: Table) -> tuple[str, ...]:
    names = [c.name for c in table.columns]
    if "sort_order" in names:
        return ("sort_order",) + (table.primary_key.columns if table.primary_key else ())
    if table.primary_key:
        return table.primary_key.columns
    return tuple(names[:1])


def _usage(conn: psycopg.Connection, refs: tuple[ForeignKey, ...], key_cols: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """How many rows of each referencing column hold each value of the lookup's key (one query)."""
    parts = []
    for fk in refs:
        if fk.ref_columns != key_cols:
            continue  # an FK to another unique key of the lookup: shown in the list, not counted
        via = f"{'.'.join(p for p in fk.child if p != 'public')}.{', '.join(fk.columns)}"
        parts.append(sql.SQL("SELECT {via} AS via, {k} AS value, count(*) AS n FROM {child} WHERE {notnull} "
                             "GROUP BY 2").format(
            via=sql.Literal(via), k=_key_expr(fk.columns), child=_qualified(fk.child),
            notnull=sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in fk.columns)))
    counts: dict[str, dict[str, int]] = {}
    if parts:
        for via, value, n in conn.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall():
            counts.setdefault(value, {})[via] = counts.get(value, {}).get(via, 0) + int(n)
    return counts


def lookup_data(conn: psycopg.Connection, catalog: Catalog, lookups: tuple[Key, ...], max_rows: int,
                usage: bool = False) -> tuple[LookupData, ...]:
    """Values of each lookup table, and with `usage` how many rows of each referencing column use each
    value (one more query per lookup table, counting every referencing row: a live figure only)."""
    result = []
    for key in lookups:
        table = catalog.table(key[1], key[0])
        refs = graph.children(catalog, key)
        key_cols = refs[0].ref_columns if refs else (table.primary_key.columns if table.primary_key else ())
        cols = shown_columns(table)
        if not cols or not key_cols:
            result.append(LookupData(key, cols, (), (), refs, {} if usage else None, key_columns=key_cols))
            continue
        select = sql.SQL("SELECT {key}, {cols} FROM {table} ORDER BY {order} LIMIT {limit}").format(
            key=_key_expr(key_cols), cols=sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in cols),
            table=_qualified(key), order=sql.SQL(", ").join(sql.Identifier(c) for c in _order(table)),
            limit=sql.Literal(max_rows + 1))
        rows = conn.execute(select).fetchall()
        truncated = len(rows) > max_rows
        rows = rows[:max_rows]
        result.append(LookupData(key, cols, tuple(tuple(r[1:]) for r in rows), tuple(r[0] for r in rows), refs,
                                 _usage(conn, refs, key_cols) if usage else None, truncated, key_cols))
    return tuple(result)


# --- Migration ledger ------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerRow:
    """One migration as the Migrations page shows it (from the runner's status)."""

    version: int
    description: str
    state: str  # the runner's state label: applied, pending, out of order, modified, missing, dirty
    installed_on: str | None = None
    execution_ms: float | None = None
    note: str | None = None


def ledger_rows(settings: Settings, catalog: Catalog, folder: Path) -> tuple[LedgerRow, ...] | None:
    """Applied and pending migrations (the runner's `migration_status`); None when there are none.

    Without a migrations folder the ledger alone is shown (every row then lacks its file).
    """
    from ..migrate import migration_status
    from ..migrate.ledger import read_rows

    has_ledger = any(t.name == "_sqlx_migrations" for t in catalog.base_tables)
    if folder.is_dir():
        entries = migration_status(settings, folder)
        return tuple(LedgerRow(e.version, e.description, e.state.label,
                               e.row.installed_on.astimezone(timezone.utc).isoformat(timespec="seconds") if e.row else None,
                               None if e.execution_ms is None else round(e.execution_ms, 1), e.note)
                     for e in entries) or None
    if not has_ledger:
        return None
    with connect(settings, autocommit=True, read_only=True) as conn:
        rows = read_rows(conn)
    return tuple(LedgerRow(r.version, r.description, "missing",
                           r.installed_on.astimezone(timezone.utc).isoformat(timespec="seconds"),
                           None if r.execution_time < 0 else round(r.execution_time / 1e6, 1),
                           f"no migrations folder {folder}") for r in rows) or None


# --- Live figures (`docs build --live`) ----------------------------------------------------------

LIVE_VARIABLES = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_SSL", "DB_CONNECT_TIMEOUT")


def live_settings(schema_settings: Settings, env: dict[str, str] | None = None) -> Settings:
    """Where live figures come from: `LIVE_DB_*` variables (e.g. staging, in CI) over the `DB_*` ones;
    with no `LIVE_DB_*` set, the database the schema is read from."""
    import os

    from ..config import load_settings

    env = dict(os.environ if env is None else env)
    overrides = {v: env[f"LIVE_{v}"] for v in LIVE_VARIABLES if env.get(f"LIVE_{v}", "").strip()}  # empty: unset
    if not overrides:
        return schema_settings
    return load_settings({**env, **overrides})


def live_figures(settings: Settings, catalog: Catalog, lookups: tuple[Key, ...], max_rows: int):  # noqa: ANN201
    """Row estimates, status usage and ledger times from `settings`' database, in one read-only
    transaction (rolled back).  Only objects the schema catalog and the live database share count."""
    from ..catalog import reflect
    from ..migrate.ledger import read_rows
    from .pages.base import Live

    with connect(settings, read_only=True) as conn:
        conn.read_only = True
        live_cat = reflect(conn)
        shared = {t.key for t in live_cat.tables}
        usable = tuple(k for k in lookups if k in shared and all(fk.child in shared for fk in graph.children(catalog, k)))
        usage = {d.table: d.usage for d in lookup_data(conn, catalog, usable, max_rows, usage=True)}
        ledger = {r.version: (r.installed_on.astimezone(timezone.utc).isoformat(timespec="seconds"),
                              None if r.execution_time < 0 else round(r.execution_time / 1e6, 1))
                  for r in read_rows(conn)}
        conn.rollback()
    return Live(rows={t.key: t.estimated_rows for t in live_cat.tables if t.key in {x.key for x in catalog.tables}},
                usage=usage, ledger=ledger)
