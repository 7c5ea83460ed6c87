"""The harness itself: the test server is a real PostgreSQL 18 with pgvector available."""

import psycopg

from x121_docs.database.connect import conn_params


def test_fresh_db_is_real_postgres_with_pgvector_available(fresh_db):
    with psycopg.connect(**conn_params(fresh_db)) as conn:
        major = conn.execute("SHOW server_version_num").fetchone()[0]
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone()
        installed = conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
    assert int(major) >= 180000
    assert available is not None
    assert installed == 0  # a fresh database has only what a test installs
