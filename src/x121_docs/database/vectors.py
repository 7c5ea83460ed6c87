"""pgvector values through pgvector's psycopg adapter, not hand-made `'[...]'` literals.

`with_vectors(conn)` registers the adapter on a connection once: afterwards a `pgvector.Vector`
(or a list passed through `as_vector`) is sent as a `vector` parameter or COPY value, and `vector`
columns come back as `pgvector.Vector`.  Registering looks the type up, so the database needs
the `vector` extension.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from pgvector import Vector
from pgvector.psycopg import register_vector


def with_vectors(conn: psycopg.Connection) -> psycopg.Connection:
    """`conn`, with pgvector's adapter registered (once per connection); a clear error without the extension."""
    if conn.adapters.types.get("vector") is None:
        try:
            register_vector(conn)
        except psycopg.ProgrammingError as exc:  # the type lookup found nothing
            raise psycopg.ProgrammingError(
                f"database {conn.info.dbname!r} has no vector type: run `x121-docs db bootstrap` "
                "to create the vector extension") from exc
    return conn


def as_vector(values: Sequence[float]) -> Vector:
    """A pgvector value from floats (stored as 32-bit floats, as the `vector` type keeps them)."""
    return Vector(list(values))
