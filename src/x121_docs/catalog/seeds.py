"""Lookup-table values saved beside the catalog, so a review can compare seeds without a database.

Lookup tables (`{domain}_statuses`, `roles`, ... as the docs configure them) are part of the
schema's meaning: a migration that adds a status changes what the platform can say.  Their rows
are read as text (one query per table, names through `psycopg.sql.Identifier`), ordered by the
primary key, without columns that change per database (timestamps, vectors, blobs), and kept in
`Catalog.extra["lookup_values"]` so a catalog dump carries them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import psycopg
from psycopg import sql

from .model import Catalog, Table, display_name

EXTRA_KEY = "lookup_values"
MAX_ROWS = 1000
_SKIPPED_TYPES = ("timestamp", "timestamptz", "date", "time", "timetz", "bytea", "vector", "halfvec", "sparsevec",
                  "json", "jsonb", "tsvector")
_SKIPPED_NAMES = ("created_at", "updated_at")

Key = tuple[str, str]


def value_columns(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns
                 if c.type_name not in _SKIPPED_TYPES and c.name not in _SKIPPED_NAMES and not c.is_array)


def read_values(conn: psycopg.Connection, catalog: Catalog, lookups: Iterable[Key],
                max_rows: int = MAX_ROWS) -> dict[str, dict]:
    """{'schema.table' or 'table': {'key': [...], 'columns': [...], 'rows': [[text, ...], ...]}} (sorted)."""
    out: dict[str, dict] = {}
    for key in sorted(set(lookups)):
        table = catalog.get(key[1], key[0])
        if table is None or table.primary_key is None:
            continue
        cols = value_columns(table)
        pk = table.primary_key.columns
        if not cols or not all(c in cols for c in pk):
            continue
        query = sql.SQL("SELECT {cols} FROM {table} ORDER BY {order} LIMIT {limit}").format(
            cols=sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in cols),
            table=sql.SQL("{}.{}").format(sql.Identifier(key[0]), sql.Identifier(key[1])),
            order=sql.SQL(", ").join(sql.Identifier(c) for c in pk), limit=sql.Literal(max_rows))
        rows = [list(r) for r in conn.execute(query).fetchall()]
        positions = [cols.index(c) for c in pk]
        rows.sort(key=lambda r: [(r[i] is None, r[i] or "") for i in positions])
        out[display_name(*key)] = {"key": list(pk), "columns": list(cols), "rows": rows}
    return out


def with_values(conn: psycopg.Connection, catalog: Catalog, lookups: Iterable[Key]) -> Catalog:
    """`catalog` with its lookup tables' values in `extra` (the model itself is unchanged)."""
    extra = dict(catalog.extra)
    extra[EXTRA_KEY] = read_values(conn, catalog, lookups)
    return dataclasses.replace(catalog, extra=extra)


def configured_lookups(catalog: Catalog, root=None) -> tuple[Key, ...]:  # noqa: ANN001 (Path)
    """Lookup tables as the docs configuration (docs/erd.yml under `root`, or defaults) names them."""
    from pathlib import Path

    from ..docs.config import CONFIG_FILE, load_config
    from ..docs.groups import lookups

    path = (Path(root) / CONFIG_FILE) if root is not None else Path(CONFIG_FILE)
    return lookups(catalog, load_config(path))


def values_of(catalog: Catalog) -> dict[str, dict]:
    return catalog.extra.get(EXTRA_KEY) or {}
