"""The migration lock: the session advisory lock SQLx's migrator takes, same key.

Using SQLx's key makes this runner and the Rust backend exclude each other.  Unlike SQLx
we release it in every case (SQLx keeps it after a failure until the session ends), and a
run that has to wait says who it is waiting for instead of hanging silently.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator

import psycopg
from psycopg.pq import TransactionStatus

#: SQLx's multiplier ("chosen by fair dice roll"), applied to the CRC-32 of the database name.
LOCK_MULTIPLIER = 0x3D32AD9E

HOLDER = """
SELECT l.pid FROM pg_locks l
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
ORDER BY l.pid LIMIT 1
"""


def lock_key(database: str) -> int:
    """SQLx's key: 0x3D32AD9E * CRC32(database name as UTF-8); non-negative, fits a BIGINT."""
    return LOCK_MULTIPLIER * zlib.crc32(database.encode("utf-8"))


def holder_pid(conn: psycopg.Connection, key: int) -> int | None:
    """The backend pid holding the lock (None if it was released meanwhile)."""
    row = conn.execute(HOLDER, (key >> 32, key & 0xFFFFFFFF)).fetchone()
    return row[0] if row else None


@contextlib.contextmanager
def migration_lock(conn: psycopg.Connection, on_wait: Callable[[int | None], None] | None = None) -> Iterator[int]:
    """Hold the lock for the block; wait (never fail) while someone else holds it."""
    database = conn.execute("SELECT current_database()").fetchone()[0]
    key = lock_key(database)
    if not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
        if on_wait is not None:
            on_wait(holder_pid(conn, key))
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
    try:
        yield key
    finally:
        release(conn, key)


def release(conn: psycopg.Connection, key: int) -> None:
    """Unlock; a broken session has already released it (the server drops session locks)."""
    if conn.closed or conn.broken:
        return
    try:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    except psycopg.Error:
        conn.close()  # closing the session releases the lock as well
