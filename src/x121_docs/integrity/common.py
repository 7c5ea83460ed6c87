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

class _Percent(sql.Composable):
    """A name or literal with every `%` doubled, so psycopg reads none of them as a placeholder."""

    def as_bytes(self, context=None) -> bytes:  # noqa: ANN001 (psycopg's AdaptContext)
        return self._obj.as_bytes(context).replace(b"%", b"%%")


def bindable(query: sql.Composable) -> sql.Composable:
    """`query` ready to run with parameters.  psycopg reads every `%` of a query that has parameters
    as a placeholder, also one inside a quoted table name (`"50%"`) or a literal, and then fails or
    binds the wrong value; so the `%` of every name and literal is doubled, nothing else changes."""
    if isinstance(query, sql.Composed):
        return sql.Composed([bindable(part) for part in query])
    if isinstance(query, (sql.Identifier, sql.Literal)):
        return _Percent(query)
    return query


def qualified(table: Table) -> sql.Composed:
    return sql.Identifier(table.schema, table.name)


def from_clause(table: Table) -> sql.Composed:
    """`ONLY t` for a plain table (FKs do not reach inheritance children), `t` for a partitioned one."""
    return sql.SQL("ONLY {}").format(qualified(table)) if table.kind == TABLE else qualified(table)


def column_list(columns: Iterable[str], alias: str | None = None) -> sql.Composed:
    if alias:
        return sql.SQL(", ").join(sql.Identifier(alias, c) for c in columns)
    return sql.SQL(", ").join(sql.Identifier(c) for c in columns)


def split_name(text: str) -> tuple[str | None, str] | None:
    """`name`, `schema.name`, or with double-quoted parts (`"a.b"`, `public."a.b"`, `"x""y"`):
    (schema or None, name); None when the quoting is broken."""
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            end = i + 1
            while True:
                end = text.find('"', end)
                if end < 0:
                    return None
                if text[end + 1:end + 2] == '"':
                    end += 2
                    continue
                break
            buf.append(text[i + 1:end].replace('""', '"'))
            i = end + 1
        elif ch == ".":
            parts.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(ch)
            i += 1
    parts.append("".join(buf))
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return None


def find_table(catalog: Catalog, name: str) -> Table:
    """A base table named `name`, `schema.name` (parts may be double-quoted), or a table whose own
    name contains a dot (`a.b`); an error naming it (and close matches) otherwise."""
    table = None
    parsed = split_name(name) if '"' in name else None
    if parsed is not None:
        schema, bare = parsed
        table = catalog.get(bare, schema or "public")
    else:
        table = catalog.get(name)
        if table is None:  # no schema given, or the dot is part of the name: any schema, if unique
            matches = [t for t in catalog.base_tables if t.name == name]
            table = matches[0] if len(matches) == 1 else None
    if table is None or table.is_view:
        known = [t.display_name for t in catalog.base_tables]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"Did you mean {', '.join(close)}?" if close else "List the tables with `x121-docs scan orphans`."
        what = "is a view, not a table" if table is not None else "does not exist"
        raise WorkbenchError(f"Table {name!r} {what} in database {catalog.database!r}.", hint)
    return table


def check_key(conn, table: Table, key: Sequence[Any]) -> None:  # noqa: ANN001 (psycopg.Connection)
    """Each key value must be a value of its column's type: an error naming the table, the column
    and the value otherwise (PostgreSQL's own input functions decide; nothing is read)."""
    import psycopg

    for column, value in zip(primary_key(table), key):
        try:
            with conn.transaction():
                conn.execute(bindable(sql.SQL("SELECT 1 FROM {t} WHERE {c} = %s LIMIT 0").format(
                    t=from_clause(table), c=sql.Identifier(column))), (value,))
        except psycopg.errors.DataError as exc:
            col = next((c for c in table.columns if c.name == column), None)
            kind = f" ({col.data_type})" if col is not None else ""
            reason = (exc.diag.message_primary or str(exc)).strip()
            raise WorkbenchError(
                f"{value!r} is not a valid value of {table.display_name}.{column}{kind}: {reason}.",
                "Give the primary-key value as PostgreSQL writes it; a composite key takes one value per key "
                "column, separated by commas.") from None


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
