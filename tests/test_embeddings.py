"""Sample data and the nearest-neighbour API behind the embeddings and integrity notebooks."""

from __future__ import annotations

import math
from dataclasses import replace

import psycopg
import pytest
from psycopg import sql

from x121_docs.catalog import reflect
from x121_docs.database.connect import conn_params
from x121_docs.embeddings import ann_indexes, ann_indexes_rebuilt, explain_nearest, nearest, recall_at_k
from x121_docs.migrate import run_migrations
from x121_docs.notebook.demo import attempt
from x121_docs.samples import VectorSample, load_face_embeddings, load_sample_project

from conftest import MIGRATIONS_DIR

FACES = "character_face_embeddings"


@pytest.fixture
def platform_conn(vector_db):
    """The migrated platform schema with the sample project, on an autocommit connection."""
    run_migrations(replace(vector_db, migrations_dir=MIGRATIONS_DIR))
    with psycopg.connect(autocommit=True, **conn_params(vector_db)) as conn:
        load_sample_project(conn)
        yield conn


def cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return 1 - dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_vector_samples_are_reproducible_unit_vectors():
    first = VectorSample(dim=16, clusters=3, seed=7).points(5)
    again = VectorSample(dim=16, clusters=3, seed=7).points(5)
    assert first == again
    assert VectorSample(dim=16, clusters=3, seed=8).points(5) != first
    assert all(len(v) == 16 and abs(sum(x * x for x in v) - 1) < 1e-9 for v in first)


def test_bulk_load_rebuilds_the_declared_ann_index_and_search_matches_brute_force(platform_conn):
    conn = platform_conn
    faces = reflect(conn).table(FACES)
    declared = {i.name: i.definition for i in ann_indexes(faces)}
    assert declared and all("hnsw" in d for d in declared.values())

    sample = VectorSample(dim=512, clusters=5, seed=3)
    vectors = sample.points(300)
    with ann_indexes_rebuilt(conn, faces) as dropped:
        assert {i.name for i in dropped} == set(declared)
        assert not ann_indexes(reflect(conn).table(FACES))  # really gone during the load
        assert load_face_embeddings(conn, vectors) == 300
    after = {i.name: i.definition for i in ann_indexes(reflect(conn).table(FACES))}
    assert after == declared
    assert conn.execute(f"SELECT count(*) FROM {FACES}").fetchone()[0] == 300

    query = sample.point()
    ids = conn.execute(f"SELECT id, character_image_id FROM {FACES} ORDER BY id").fetchall()
    by_image = {image: vectors[image - 1001] for _, image in ids}
    expected = [row[0] for row in sorted(ids, key=lambda row: cosine_distance(by_image[row[1]], query))[:10]]
    assert nearest(conn, FACES, "embedding", query, k=10, exact=True) == expected

    plan = "\n".join(explain_nearest(conn, FACES, "embedding", k=10, no_seqscan=True))
    assert f"Index Scan using {next(iter(declared))}" in plan
    exact_plan = "\n".join(explain_nearest(conn, FACES, "embedding", k=1000))
    assert "Index Scan using" not in exact_plan and "Sort" in exact_plan

    # recall really measures the index: with a candidate list of one (iterative scans off) the HNSW
    # scan returns a single row, so at most 1 of the exact 10 is found; with 100 candidates nearly all
    conn.execute("SET hnsw.iterative_scan = off")
    queries = sample.points(5)
    starved = recall_at_k(conn, FACES, "embedding", queries, k=10, ef_search=1)
    assert len(starved.per_query) == 5 and max(starved.per_query) <= 0.1, starved
    assert len(nearest(conn, FACES, "embedding", queries[0], k=10, ef_search=1)) == 1
    recall = recall_at_k(conn, FACES, "embedding", queries, k=10, ef_search=100)
    assert recall.mean >= 0.9, recall
    assert all(round(r * 10) == r * 10 for r in recall.per_query)  # shares of 10 rows


def test_attempt_reports_a_refusal_in_plain_language_and_never_keeps_a_row(platform_conn):
    conn = platform_conn
    catalog = reflect(conn)
    refused = repr(attempt(conn, catalog, "INSERT INTO projects (name, project_status_id, created_by_user_id) "
                                          "VALUES ('Pilot', 42, 1)"))
    assert refused.startswith("refused [23503 ForeignKeyViolation]:") and "42" in refused
    accepted = repr(attempt(conn, catalog, "INSERT INTO projects (name, project_status_id, created_by_user_id) "
                                           "VALUES (%s, 1, 1)", ("Pilot",)))
    assert accepted == "accepted (1 row; rolled back)"
    assert conn.execute("SELECT count(*) FROM projects WHERE name = 'Pilot'").fetchone()[0] == 0


def test_the_sample_project_fills_every_platform_table_but_the_embeddings(platform_conn):
    catalog = reflect(platform_conn)
    empty = [t.name for t in catalog.base_tables if t.name != "_sqlx_migrations" and
             platform_conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t.schema, t.name)))
             .fetchone()[0] == 0]
    assert sorted(empty) == ["character_face_embeddings", "video_segment_embeddings"]
    # Sequences are past the explicit ids: a plain INSERT works.
    platform_conn.execute("INSERT INTO workers (name, worker_status_id) VALUES ('gpu-2', 1)")
