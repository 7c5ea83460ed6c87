"""Pieces every integrity tool needs: the catalog, tables named by the user, safe SQL names.

Tables come from the catalog model (never from our own pg_catalog queries) and every name
that reaches SQL goes through `psycopg.sql.Identifier`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import sql

from ..catalog.model import TABLE, Catalog, Table
from ..errors import WorkbenchError

def qualified(table: Table) -> sql.Composed:
    return sql.Identifier(table.schema, table.name)


def from_clause(table: Table) -> sql.Composed:
    """`ONLY t` for a plain table (FKs do not reach inheritance children), `t` for a partitioned one."""
    return sql.SQL("ONLY {}").format(qualified(table)) if table.kind == TABLE else qualified(table)


def column_list(columns: Iterable[str], alias: str | None = None) -> sql.Composed:
    if alias:
        return sql.SQL(", ").join(sql.Identifier(alias, c) for c in columns)
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def find_table(catalog: Catalog, name: str) -> Table:
    """A base table named `name` or `schema.name`; an error naming it (and close matches) otherwise."""
    table = catalog.get(name)
    if table is None and "." not in name:
        matches = [t for t in catalog.base_tables if t.name == name]
        table = matches[0] if len(matches) == 1 else None
    if table is None or table.is_view:
        known = [t.display_name for t in catalog.base_tables]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"Did you mean {', '.join(close)}?" if close else "List the tables with `x121-docs scan orphans`."
        what = "is a view, not a table" if table is not None else "does not exist"
        raise WorkbenchError(f"Table {name!r} {what} in database {catalog.database!r}.", hint)
    return table


def primary_key(table: Table) -> tuple[str, ...]:
    if table.primary_key is None or not table.primary_key.columns:
        raise WorkbenchError(f"Table {table.display_name!r} has no primary key, so a row cannot be named by id.")
    return table.primary_key.columns


def parse_key(table: Table, text: str | Sequence[Any]) -> tuple[Any, ...]:
    """Primary-key values from the command line: '42', or 'a,b' for a two-column key.

    Values stay text: PostgreSQL casts them to the column types (psycopg sends them untyped).
    """
    columns = primary_key(table)
    values = tuple(text) if not isinstance(text, str) else (tuple(text.split(",")) if len(columns) > 1 else (text,))
    if len(values) != len(columns):
        raise WorkbenchError(
            f"Table {table.display_name!r} has a {len(columns)}-column primary key ({', '.join(columns)}), "
            f"but {len(values)} value(s) were given: {text!r}.",
            "Give the values separated by commas, in key order.",
        )
    return tuple(v.strip() if isinstance(v, str) else v for v in values)


def key_condition(columns: Sequence[str], alias: str | None = None) -> sql.Composed:
    """`a = %s AND b = %s` for the given columns."""
    return sql.SQL(" AND ").join(
        sql.SQL("{} = %s").format(sql.Identifier(alias, c) if alias else sql.Identifier(c)) for c in columns
    )


def jsonable(value: Any) -> Any:
    """Values of sample rows as JSON-friendly scalars (ints and strings stay, the rest become text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)


def format_row(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items())
