"""Samples of the linted database's rows, as evidence for rules that can use it (`lint --db`).

Read-only by construction: one READ ONLY transaction with a short statement_timeout, each
probe in its own savepoint (a probe that fails or times out answers None and the rule decides
on the schema alone), identifiers through psycopg.sql. Tables without rows answer None too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from ..catalog.model import ForeignKey, Table

SAMPLE_ROWS = 5000
PROBE_TIMEOUT_MS = 2000
MAX_VALUE_CHARS = 40


def _table(t: Table) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(t.schema), sql.Identifier(t.name))


class DataProbe:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    @classmethod
    @contextmanager
    def open(cls, conn: psycopg.Connection) -> Iterator["DataProbe"]:
        with conn.transaction():
            conn.execute("SET TRANSACTION READ ONLY")
            conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(PROBE_TIMEOUT_MS)))
            yield cls(conn)

    def _rows(self, query: sql.Composable) -> list[tuple] | None:
        try:
            with self.conn.transaction():
                return self.conn.execute(query).fetchall()
        except psycopg.Error:
            return None

    @staticmethod
    def _empty(t: Table) -> bool:
        return t.estimated_rows is not None and t.estimated_rows <= 0

    def distinct_values(self, t: Table, column: str, limit: int) -> list[str] | None:
        """Up to limit + 1 distinct non-null values of a sample of the column, as text; None without data."""
        if self._empty(t):
            return None
        q = sql.SQL("SELECT DISTINCT v::text FROM (SELECT {c} AS v FROM {t} LIMIT {n}) s WHERE v IS NOT NULL "
                    "ORDER BY 1 LIMIT {k}").format(c=sql.Identifier(column), t=_table(t), n=sql.Literal(SAMPLE_ROWS),
                                                   k=sql.Literal(limit + 1))
        rows = self._rows(q)
        if not rows:
            return None
        return [r[0][:MAX_VALUE_CHARS] for r in rows]

    def agreement(self, child: Table, fk: ForeignKey, column: str, parent: Table) -> tuple[int, int] | None:
        """(rows where the child's column equals the parent's, joined rows sampled); None without data."""
        if self._empty(child):
            return None
        on = sql.SQL(" AND ").join(sql.SQL("c.{} = p.{}").format(sql.Identifier(a), sql.Identifier(b))
                                   for a, b in zip(fk.columns, fk.ref_columns))
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in dict.fromkeys((*fk.columns, column)))
        q = sql.SQL("SELECT count(*) FILTER (WHERE c.{v} IS NOT DISTINCT FROM p.{v}), count(*) "
                    "FROM (SELECT {cols} FROM {child} WHERE {v} IS NOT NULL LIMIT {n}) c JOIN {parent} p ON {on}").format(
            v=sql.Identifier(column), cols=cols, child=_table(child), n=sql.Literal(SAMPLE_ROWS), parent=_table(parent),
            on=on)
        rows = self._rows(q)
        return (rows[0][0], rows[0][1]) if rows else None
