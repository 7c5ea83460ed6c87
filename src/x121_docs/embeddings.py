"""Nearest-neighbour search on an embedding column: through its ANN index, exactly, and compared.

The schema indexes every `vector(512)` column with HNSW (cosine distance, `<=>`).  These
functions show that strategy at work on a live table: the k nearest rows as the index finds
them, the same query with index scans disabled (the exact answer), the plan PostgreSQL picks,
and recall@k of the index against the exact answer.  Table and column names are identifiers
from the catalog, always quoted through `psycopg.sql`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from psycopg import sql

from .catalog.model import Index, Table
from .database.vectors import as_vector, with_vectors

#: Index methods of approximate nearest-neighbour indexes (pgvector).
ANN_METHODS = ("hnsw", "ivfflat")

#: Operators of pgvector's distance functions, by operator class of the index.
DISTANCE = {"cosine": "<=>", "l2": "<->", "inner_product": "<#>"}


def ann_indexes(table: Table) -> tuple[Index, ...]:
    """The table's approximate nearest-neighbour indexes (HNSW, IVFFlat), from the catalog model."""
    return tuple(i for i in table.indexes if i.method in ANN_METHODS)


@contextmanager
def ann_indexes_rebuilt(conn: psycopg.Connection, table: Table) -> Iterator[tuple[Index, ...]]:
    """Drop the table's ANN indexes for a bulk load and build them again, as declared, afterwards.

    Building an HNSW graph once over all rows is several times faster than inserting every row
    into it; the indexes come back from their own definitions (pg_get_indexdef), unchanged.
    """
    indexes = ann_indexes(table)
    for index in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(table.schema, index.name)))
    try:
        yield indexes
    finally:
        for index in indexes:
            conn.execute(index.definition)


def _query(table: str, column: str, distance: str, k: int, explain: bool = False) -> sql.Composed:
    op = DISTANCE[distance]
    # EXPLAIN shows the generic plan for a `$1` query vector: the plan the application's
    # prepared statement gets, without a 512-number literal in the output.
    prefix, param = (sql.SQL("EXPLAIN (COSTS OFF, GENERIC_PLAN) "), sql.SQL("$1")) if explain else \
        (sql.SQL(""), sql.SQL("%s"))
    return sql.SQL("{prefix}SELECT id FROM {table} ORDER BY {column} {op} {param}::vector LIMIT {k}").format(
        prefix=prefix, table=sql.Identifier(table), column=sql.Identifier(column), op=sql.SQL(op), param=param,
        k=sql.Literal(k))


def nearest(conn: psycopg.Connection, table: str, column: str, query: Sequence[float], k: int = 10, *,
            exact: bool = False, ef_search: int | None = None, distance: str = "cosine") -> list[int]:
    """Ids of the `k` rows nearest to `query`, nearest first: as the ANN index finds them, or exactly.

    Each way in its own transaction (SET LOCAL): the approximate search turns sequential scans off,
    so that even a table small enough for the planner to prefer a scan and sort is answered by the
    index (otherwise recall would compare exact search with itself), with `ef_search` (HNSW's
    candidate list; pgvector's default 40) when given.  `exact` turns index scans off instead: the
    planner sorts every row by distance, the ground truth an ANN index approximates.
    """
    with_vectors(conn)
    with conn.transaction():
        if exact:
            conn.execute("SET LOCAL enable_indexscan = off")
        else:
            conn.execute("SET LOCAL enable_seqscan = off")
            if ef_search is not None:
                conn.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(int(ef_search))))
        # Never a prepared statement: after a few runs PostgreSQL would reuse one cached generic
        # plan whatever the SET LOCALs say, and exact search would silently become the index's.
        rows = conn.execute(_query(table, column, distance, k), (as_vector(query),), prepare=False).fetchall()
    return [r[0] for r in rows]


def explain_nearest(conn: psycopg.Connection, table: str, column: str, k: int = 10, *,
                    distance: str = "cosine", no_seqscan: bool = False) -> list[str]:
    """The plan (no costs, so it is stable) of the nearest-neighbour query for any query vector.

    `no_seqscan` sets enable_seqscan off for this query only: on a small table the planner may
    rightly prefer a sequential scan, which would hide that the index can serve the query.
    """
    with conn.transaction():
        if no_seqscan:
            conn.execute("SET LOCAL enable_seqscan = off")
        rows = conn.execute(_query(table, column, distance, k, explain=True)).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class Recall:
    """recall@k of the index against exact search, per query and overall."""

    k: int
    per_query: tuple[float, ...]

    @property
    def mean(self) -> float:
        return sum(self.per_query) / len(self.per_query) if self.per_query else 0.0

    @property
    def worst(self) -> float:
        return min(self.per_query, default=0.0)

    @property
    def perfect(self) -> int:
        """Queries whose k nearest rows the index found all of."""
        return sum(1 for r in self.per_query if r == 1.0)


def recall_at_k(conn: psycopg.Connection, table: str, column: str, queries: Sequence[Sequence[float]],
                k: int = 10, *, ef_search: int | None = None, distance: str = "cosine") -> Recall:
    """Share of the exact k nearest rows that the index-served query also returns, per query."""
    per_query = []
    for q in queries:
        approx = set(nearest(conn, table, column, q, k, ef_search=ef_search, distance=distance))
        exact = nearest(conn, table, column, q, k, exact=True, distance=distance)
        per_query.append(len(approx.intersection(exact)) / len(exact) if exact else 1.0)
    return Recall(k, tuple(per_query))
