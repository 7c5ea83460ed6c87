"""The platform schema (migrations/*.sql) against a real PostgreSQL + pgvector.

The migrations are applied once per test process through the runner (x121_docs.migrate) into a
module database; every test then works inside one transaction that is rolled back, so tests
are independent, deterministic and fast.  Only the migration tests use their own database.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from x121_docs.config import Settings
from x121_docs.database.connect import conn_params
from x121_docs.database.vectors import as_vector, with_vectors
from x121_docs.errors import WorkbenchError
from x121_docs.migrate import run_migrations
from x121_docs.samples import VectorSample

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
CONVENTIONS = ROOT / "SCHEMA_CONVENTIONS.md"

# Every table the migrations create (22) and the lookup tables with their seeded values, in id order.
TABLES = {
    "roles", "project_statuses", "character_statuses", "scene_statuses", "segment_statuses", "job_statuses",
    "worker_statuses", "approval_statuses", "job_types", "users", "projects", "characters", "character_images",
    "scene_types", "scenes", "video_segments", "workers", "generation_jobs", "segment_approvals",
    "embedding_models", "character_face_embeddings", "video_segment_embeddings",
}
SEEDED = {
    "roles": ["admin", "creator", "reviewer"],
    "project_statuses": ["draft", "active", "on_hold", "completed", "archived"],
    "character_statuses": ["draft", "ready", "archived"],
    "scene_statuses": ["pending", "generating", "in_review", "approved", "rejected"],
    "segment_statuses": ["pending", "generating", "generated", "approved", "rejected", "failed"],
    "job_statuses": ["pending", "running", "succeeded", "failed", "cancelled"],
    "worker_statuses": ["idle", "busy", "offline", "disabled"],
    "approval_statuses": ["pending", "approved", "rejected", "changes_requested"],
    "job_types": ["produce", "re_render"],
}
SHA = "ab" * 32
VEC = "[" + ",".join(["0.1"] * 512) + "]"


# --------------------------------------------------------------------------- fixtures


def _admin(settings: Settings) -> psycopg.Connection:
    return psycopg.connect(autocommit=True, **conn_params(settings, "postgres"))


@pytest.fixture(scope="module")
def schema_db(server_settings: Settings) -> Iterator[Settings]:
    """A database with the vector extension (as bootstrap leaves it) and every migration applied by the runner."""
    name = f"schema_{uuid.uuid4().hex[:10]}"
    with _admin(server_settings) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(sql.Identifier(name)))
    settings = replace(server_settings, name=name)
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute("CREATE EXTENSION vector")
    run_migrations(settings, MIGRATIONS)
    yield settings
    with _admin(server_settings) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def db(schema_db: Settings) -> Iterator[psycopg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with psycopg.connect(**conn_params(schema_db)) as conn:
        yield conn
        conn.rollback()


def one(conn: psycopg.Connection, query: str, params: tuple = ()):  # noqa: ANN201
    return conn.execute(query, params).fetchone()[0]


def count(conn: psycopg.Connection, table: str) -> int:
    return one(conn, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))


def refused(conn: psycopg.Connection, statement: str, error: type[psycopg.Error]) -> psycopg.Error:
    """Run `statement` in a savepoint, expect `error`, return it (the outer transaction stays usable)."""
    with pytest.raises(error) as info:
        with conn.transaction():
            conn.execute(statement)
    return info.value


def build_graph(conn: psycopg.Connection) -> None:
    """Two complete project trees (ids 1 and 2) with every table populated, plus users, workers, a model.

    Per project: 2 characters; per character 2 images (1 face embedding each) and 1 scene; per scene
    2 segments; per segment 1 job, 1 approval, 1 embedding.
    """
    conn.execute(f"""
        INSERT INTO users (id, email, display_name, role_id) VALUES
            (1, 'creator@example.com', 'Cora', 2), (2, 'reviewer@example.com', 'Rex', 3);
        INSERT INTO workers (id, name, worker_status_id) VALUES (1, 'gpu-1', 1), (2, 'gpu-2', 1);
        INSERT INTO scene_types (id, name, label) VALUES (1, 'idle', 'Idle'), (2, 'dance', 'Dance');
        INSERT INTO embedding_models (id, name, dimension) VALUES (1, 'face-net-v1', 512);
        INSERT INTO projects (id, name, project_status_id, created_by_user_id) VALUES
            (1, 'Alpha', 2, 1), (2, 'Beta', 2, 1);
        INSERT INTO characters (id, project_id, name, character_status_id)
            SELECT c, (c + 1) / 2, 'character ' || c, 2 FROM generate_series(1, 4) c;
        INSERT INTO character_images (id, character_id, file_path, file_size_bytes, file_sha256)
            SELECT i, (i + 1) / 2, 'images/' || i || '.png', 1000 + i, '{SHA}' FROM generate_series(1, 8) i;
        INSERT INTO character_face_embeddings (character_image_id, embedding_model_id, embedding)
            SELECT i, 1, '{VEC}' FROM generate_series(1, 8) i;
        INSERT INTO scenes (id, character_id, name, scene_type_id, scene_status_id)
            SELECT s, s, 'scene ' || s, 1 + s % 2, 1 FROM generate_series(1, 4) s;
        INSERT INTO video_segments (id, scene_id, sequence_index, segment_status_id, file_path,
                                    file_size_bytes, file_sha256, duration_ms)
            SELECT v, (v + 1) / 2, v % 2, 3, 'segments/' || v || '.mp4', 5000, '{SHA}', 2000
            FROM generate_series(1, 8) v;
        INSERT INTO generation_jobs (video_segment_id, job_type_id, job_status_id, worker_id, requested_by_user_id)
            SELECT v, 1, 3, 1 + v % 2, 1 FROM generate_series(1, 8) v;
        INSERT INTO segment_approvals (video_segment_id, reviewer_user_id, approval_status_id)
            SELECT v, 2, 1 FROM generate_series(1, 8) v;
        INSERT INTO video_segment_embeddings (video_segment_id, embedding_model_id, embedding)
            SELECT v, 1, '{VEC}' FROM generate_series(1, 8) v;
    """)
    for table in ("users", "workers", "scene_types", "embedding_models", "projects", "characters", "character_images",
                  "scenes", "video_segments"):  # explicit ids above: move the sequences past them
        conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 100)", (table,))


# --------------------------------------------------------------------------- migrations


def test_migrations_apply_on_an_empty_database_then_again_as_a_no_op(vector_db):
    files = sorted(p.name for p in MIGRATIONS.glob("*.sql"))
    first = run_migrations(vector_db, MIGRATIONS)
    assert [a.name for a in first.applied] == files
    second = run_migrations(vector_db, MIGRATIONS)
    assert second.applied == [] and "up to date" in second.summary()
    with psycopg.connect(autocommit=True, **conn_params(vector_db)) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == TABLES | {"_sqlx_migrations"}
        assert conn.execute("SELECT count(*), bool_and(success) FROM _sqlx_migrations").fetchone() == (len(files), True)
        # bootstrap's extension only: the migrations created none
        assert {r[0] for r in conn.execute("SELECT extname FROM pg_extension")} == {"plpgsql", "vector"}


def test_migrations_leave_extensions_to_bootstrap(fresh_db):
    for path in MIGRATIONS.glob("*.sql"):
        assert not re.search(r"\bCREATE\s+EXTENSION\b", path.read_text(), re.IGNORECASE), path.name
    # without bootstrap's `vector`, the embedding migration fails and is rolled back; the earlier ones stay
    with pytest.raises(WorkbenchError, match="create_embedding_tables"):
        run_migrations(fresh_db, MIGRATIONS)
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        assert [r[0] for r in conn.execute("SELECT description FROM _sqlx_migrations ORDER BY version")] == [
            "create lookup tables", "create base entities"]
        assert one(conn, "SELECT to_regclass('embedding_models')") is None


# --------------------------------------------------------------------------- catalog facts


def _documented_matrix() -> dict[tuple[str, str], tuple[str, str, str]]:
    """(child table, column) -> (parent, ON DELETE, ON UPDATE) from the cascade matrix in SCHEMA_CONVENTIONS.md."""
    text = CONVENTIONS.read_text()
    section = text.split("## Cascade matrix", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)\.(\w+)`[^|]*\| `(\w+)` \| (CASCADE|SET NULL|RESTRICT) \| (RESTRICT|CASCADE) \|",
                      section, re.MULTILINE)
    return {(t, c): (p, d, u) for t, c, p, d, u in rows}


ACTION = {"c": "CASCADE", "n": "SET NULL", "r": "RESTRICT", "a": "NO ACTION", "d": "SET DEFAULT"}


def test_cascade_matrix_in_the_conventions_is_the_database(db):
    rows = db.execute("""
        SELECT conrelid::regclass::text, a.attname, confrelid::regclass::text, confdeltype, confupdtype, conname,
               format_type(a.atttypid, a.atttypmod), a.attnotnull
        FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
        WHERE k.contype = 'f' AND cardinality(k.conkey) = 1""").fetchall()
    actual = {(t, c): (p, ACTION[d], ACTION[u]) for t, c, p, d, u, *_ in rows}
    assert len(actual) == 24
    assert _documented_matrix() == actual
    for t, c, _p, d, u, name, typ, not_null in rows:
        assert "a" not in (d, u), f"{t}.{c}: NO ACTION"
        assert u == "r", f"{t}.{c}: ON UPDATE must be RESTRICT"
        assert name == f"fk_{t}_{c}" and typ == "bigint"
        assert not_null == (d != "n"), f"{t}.{c}: only SET NULL foreign keys may be nullable"


def test_every_fk_column_leads_a_non_partial_btree_index(db):
    uncovered = db.execute("""
        SELECT k.conrelid::regclass::text, k.conname FROM pg_constraint k
        WHERE k.contype = 'f' AND NOT EXISTS (
            SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = k.conrelid AND am.amname = 'btree' AND i.indpred IS NULL AND i.indisvalid
              AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey
              AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey)""").fetchall()
    assert uncovered == []


def test_every_table_has_bigserial_id_timestamps_trigger_and_comments(db):
    for table in sorted(TABLES):
        cols = {r[0]: r[1:] for r in db.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s", (table,))}
        assert cols["id"][0] == "bigint" and cols["id"][2].startswith("nextval("), table
        for ts in ("created_at", "updated_at"):
            assert cols[ts] == ("timestamp with time zone", "NO", "now()"), (table, ts)
        assert one(db, "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                   (table,)) == f"{table}_pkey"
        assert one(db, "SELECT count(*) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
                       "WHERE t.tgrelid = %s::regclass AND t.tgname = %s AND p.proname = 'set_updated_at'",
                   (table, f"trg_{table}_updated_at")) == 1, table
        assert (one(db, "SELECT obj_description(%s::regclass, 'pg_class')", (table,)) or "").strip(), table
        uncommented = [r[0] for r in db.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND coalesce(col_description(attrelid, attnum), '') = ''", (table,))]
        assert uncommented == [], table


def test_hnsw_indexes_use_cosine_ops(db):
    defs = dict(db.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexdef LIKE '%USING hnsw%'").fetchall())
    assert set(defs) == {"idx_character_face_embeddings_embedding", "idx_video_segment_embeddings_embedding"}
    assert all("vector_cosine_ops" in d for d in defs.values())


# --------------------------------------------------------------------------- seeded lookups


@pytest.mark.parametrize("table", sorted(SEEDED))
def test_seeded_lookup_values_are_present_with_fixed_ids(db, table):
    rows = db.execute(sql.SQL("SELECT id, name, label, description, sort_order FROM {} ORDER BY id")
                      .format(sql.Identifier(table))).fetchall()
    assert [r[1] for r in rows] == SEEDED[table]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r[2].strip() and r[3].strip() for r in rows)
    assert [r[4] for r in rows] == sorted(r[4] for r in rows)


def test_adding_a_status_is_one_insert(db):
    new_id = one(db, "INSERT INTO job_statuses (name, label, description, sort_order) "
                     "VALUES ('paused', 'Paused', 'Held by an admin.', 60) RETURNING id")
    assert new_id == len(SEEDED["job_statuses"]) + 1  # the sequence was moved past the seeded ids


# --------------------------------------------------------------------------- bad data is refused

BAD = [
    # (what, statement, error, constraint)
    ("unknown status id", "INSERT INTO projects (name, project_status_id, created_by_user_id) VALUES ('X', 999, 1)",
     errors.ForeignKeyViolation, "fk_projects_project_status_id"),
    ("orphan row", "INSERT INTO characters (project_id, name, character_status_id) VALUES (999, 'Orphan', 1)",
     errors.ForeignKeyViolation, "fk_characters_project_id"),
    ("orphan segment", "INSERT INTO video_segments (scene_id, sequence_index, segment_status_id, file_path) "
                       "VALUES (999, 0, 1, 'x.mp4')", errors.ForeignKeyViolation, "fk_video_segments_scene_id"),
    ("missing mandatory FK", "INSERT INTO generation_jobs (video_segment_id, job_type_id, job_status_id) "
                             "VALUES (1, 1, 1)", errors.NotNullViolation, None),
    ("text where an FK belongs", "INSERT INTO characters (project_id, name, character_status_id) "
                                 "VALUES ('alpha', 'X', 1)", errors.InvalidTextRepresentation, None),
    ("email duplicate in another case", "INSERT INTO users (email, display_name, role_id) "
                                        "VALUES ('Creator@Example.COM', 'Copy', 2)",
     errors.UniqueViolation, "uq_users_email"),
    ("character name twice in a project", "INSERT INTO characters (project_id, name, character_status_id) "
                                          "VALUES (1, 'character 1', 1)",
     errors.UniqueViolation, "uq_characters_project_id_name"),
    ("segment position twice in a scene", "INSERT INTO video_segments (scene_id, sequence_index, segment_status_id, "
                                          "file_path) VALUES (1, 0, 1, 'other.mp4')",
     errors.UniqueViolation, "uq_video_segments_scene_id_sequence_index"),
    ("same file twice", "INSERT INTO video_segments (scene_id, sequence_index, segment_status_id, file_path) "
                        "VALUES (1, 7, 1, 'segments/1.mp4')", errors.UniqueViolation, "uq_video_segments_file_path"),
    ("second embedding of one segment by one model", f"INSERT INTO video_segment_embeddings (video_segment_id, "
     f"embedding_model_id, embedding) VALUES (1, 1, '{VEC}')",
     errors.UniqueViolation, "uq_video_segment_embeddings_video_segment_id_embedding_model_id"),
    ("second face embedding of one image by one model (shortened name)", f"INSERT INTO character_face_embeddings "
     f"(character_image_id, embedding_model_id, embedding) VALUES (1, 1, '{VEC}')",
     errors.UniqueViolation, "uq_character_face_embeddings_character_image_id_embedd_0a1af958"),
    ("negative size", f"INSERT INTO character_images (character_id, file_path, file_size_bytes, file_sha256) "
                      f"VALUES (1, 'neg.png', -1, '{SHA}')", errors.CheckViolation,
     "ck_character_images_file_size_bytes_positive"),
    ("zero duration", "UPDATE video_segments SET duration_ms = 0 WHERE id = 1", errors.CheckViolation,
     "ck_video_segments_duration_ms_positive"),
    ("negative sequence index", "UPDATE video_segments SET sequence_index = -1 WHERE id = 1", errors.CheckViolation,
     "ck_video_segments_sequence_index_non_negative"),
    ("file facts half known", "UPDATE video_segments SET file_sha256 = NULL WHERE id = 1", errors.CheckViolation,
     "ck_video_segments_file_facts_all_or_none"),
    ("sha256 not lower-case hex", "UPDATE character_images SET file_sha256 = upper(file_sha256) WHERE id = 1",
     errors.CheckViolation, "ck_character_images_file_sha256_format"),
    ("absolute path", "UPDATE video_segments SET file_path = '/srv/x.mp4' WHERE id = 1", errors.CheckViolation,
     "ck_video_segments_file_path_relative"),
    ("path escaping the root", "UPDATE character_images SET file_path = 'images/../../etc/passwd' WHERE id = 1",
     errors.CheckViolation, "ck_character_images_file_path_relative"),
    ("finished before started", "UPDATE generation_jobs SET started_at = now(), "
                                "finished_at = now() - interval '1 hour' WHERE video_segment_id = 1",
     errors.CheckViolation, "ck_generation_jobs_finished_after_started"),
    ("status name not a machine name", "INSERT INTO job_statuses (name, label, description, sort_order) "
                                       "VALUES ('On Hold', 'On hold', 'x', 70)",
     errors.CheckViolation, "ck_job_statuses_name_format"),
    ("negative sort order", "INSERT INTO scene_types (name, label, sort_order) VALUES ('walk', 'Walk', -1)",
     errors.CheckViolation, "ck_scene_types_sort_order_non_negative"),
    ("embedding of the wrong dimension", "INSERT INTO video_segment_embeddings (video_segment_id, embedding_model_id, "
                                         "embedding) VALUES (2, 1, '[1,2,3]')", errors.DataException, None),
    ("zero-dimension model", "INSERT INTO embedding_models (name, dimension) VALUES ('empty', 0)",
     errors.CheckViolation, "ck_embedding_models_dimension_range"),
]


@pytest.mark.parametrize(("statement", "error", "constraint"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_the_database_refuses_bad_data(db, statement, error, constraint):
    build_graph(db)
    exc = refused(db, statement, error)
    if constraint is not None:
        assert exc.diag.constraint_name == constraint


# --------------------------------------------------------------------------- cascades


def test_deleting_a_project_removes_its_whole_tree_and_nothing_else(db):
    build_graph(db)
    tables = sorted(TABLES)
    before = {t: count(db, t) for t in tables}
    db.execute("DELETE FROM projects WHERE id = 1")
    gone = {t: before[t] - count(db, t) for t in tables}
    assert {t: n for t, n in gone.items() if n} == {
        "projects": 1, "characters": 2, "character_images": 4, "character_face_embeddings": 4, "scenes": 2,
        "video_segments": 4, "generation_jobs": 4, "segment_approvals": 4, "video_segment_embeddings": 4,
    }
    # the other project's tree is intact
    assert one(db, "SELECT count(*) FROM video_segments v JOIN scenes s ON s.id = v.scene_id "
                   "JOIN characters c ON c.id = s.character_id WHERE c.project_id = 2") == 4


def test_deleting_a_character_removes_its_images_scenes_and_below(db):
    build_graph(db)
    db.execute("DELETE FROM characters WHERE id = 1")
    assert count(db, "character_images") == 6 and count(db, "character_face_embeddings") == 6
    assert count(db, "scenes") == 3 and count(db, "video_segments") == 6
    assert count(db, "generation_jobs") == 6 and count(db, "segment_approvals") == 6
    assert count(db, "video_segment_embeddings") == 6


# parent table -> id used by build_graph; deleting it must be refused while referenced
REFERENCED = {
    "roles": 2, "users": 1, "project_statuses": 2, "character_statuses": 2, "scene_statuses": 1,
    "segment_statuses": 3, "job_statuses": 3, "job_types": 1, "worker_statuses": 1, "approval_statuses": 1,
    "scene_types": 1, "embedding_models": 1,
}


@pytest.mark.parametrize("parent", sorted(REFERENCED))
def test_deleting_a_referenced_status_role_type_user_or_model_is_refused(db, parent):
    build_graph(db)
    stmt = sql.SQL("DELETE FROM {} WHERE id = {}").format(sql.Identifier(parent), sql.Literal(REFERENCED[parent]))
    exc = refused(db, stmt.as_string(db), errors.RestrictViolation)
    assert exc.diag.constraint_name.startswith("fk_")
    assert one(db, sql.SQL("SELECT count(*) FROM {} WHERE id = {}").format(
        sql.Identifier(parent), sql.Literal(REFERENCED[parent]))) == 1


def test_an_unused_lookup_value_can_be_deleted(db):
    build_graph(db)
    refused(db, "DELETE FROM scene_types WHERE id = 2", errors.RestrictViolation)
    db.execute("UPDATE scenes SET scene_type_id = 1")  # nothing uses scene type 2 any more
    assert db.execute("DELETE FROM scene_types WHERE id = 2").rowcount == 1


def test_deleting_a_worker_leaves_its_jobs_unassigned(db):
    build_graph(db)
    jobs = count(db, "generation_jobs")
    assert one(db, "SELECT count(*) FROM generation_jobs WHERE worker_id = 1") == 4
    db.execute("DELETE FROM workers WHERE id = 1")
    assert count(db, "generation_jobs") == jobs
    assert one(db, "SELECT count(*) FROM generation_jobs WHERE worker_id IS NULL") == 4
    assert one(db, "SELECT count(*) FROM generation_jobs WHERE worker_id = 2") == 4


def test_referenced_keys_cannot_be_updated(db):
    build_graph(db)
    for stmt in ("UPDATE projects SET id = 100 WHERE id = 1", "UPDATE job_statuses SET id = 100 WHERE id = 3",
                 "UPDATE workers SET id = 100 WHERE id = 1"):
        refused(db, stmt, errors.RestrictViolation)


# --------------------------------------------------------------------------- updated_at


def test_updated_at_changes_on_every_update_even_within_one_transaction(db):
    build_graph(db)
    created, first = db.execute("SELECT created_at, updated_at FROM projects WHERE id = 1").fetchone()
    assert first == created  # both default to now() on insert
    db.execute("UPDATE projects SET description = 'one' WHERE id = 1")
    second = one(db, "SELECT updated_at FROM projects WHERE id = 1")
    db.execute("UPDATE projects SET description = 'two', updated_at = '2000-01-01' WHERE id = 1")
    third = one(db, "SELECT updated_at FROM projects WHERE id = 1")
    assert created < second < third  # same transaction: now() would have kept all three equal
    assert one(db, "SELECT created_at FROM projects WHERE id = 1") == created


# --------------------------------------------------------------------------- pgvector


@pytest.fixture
def segment_vectors(vector_db: Settings) -> Iterator[tuple[psycopg.Connection, VectorSample]]:
    """Its own migrated database with 1,000 committed segment embeddings (seeded clusters) in the HNSW index.

    Not the module database: rows other tests inserted and rolled back stay in an HNSW graph until
    VACUUM, and would make this graph, and so the answers, depend on which tests ran before.
    """
    run_migrations(vector_db, MIGRATIONS)
    sample = VectorSample(dim=512, clusters=10, seed=1009)
    with with_vectors(psycopg.connect(autocommit=True, **conn_params(vector_db))) as conn:
        with conn.transaction():
            build_graph(conn)
            conn.execute("INSERT INTO video_segments (scene_id, sequence_index, segment_status_id, file_path) "
                         "SELECT 2, i, 1, 'bulk/' || i || '.mp4' FROM generate_series(10, 1009) i")
            ids = [r[0] for r in conn.execute("SELECT id FROM video_segments WHERE file_path LIKE 'bulk/%%' "
                                              "ORDER BY sequence_index")]
            with conn.cursor().copy("COPY video_segment_embeddings (video_segment_id, embedding_model_id, embedding) "
                                    "FROM STDIN") as copy:
                for segment, vector in zip(ids, sample.points(len(ids)), strict=True):
                    copy.write_row((segment, 1, as_vector(vector)))
        conn.execute("ANALYZE video_segment_embeddings")
        # explicit search settings: pgvector's defaults may change, and iterative scans would hide ef_search
        conn.execute("SET hnsw.ef_search = 40")  # SCHEMA_CONVENTIONS.md: 40 for k <= 10
        conn.execute("SET hnsw.iterative_scan = off")
        yield conn, sample


def test_similarity_search_over_segment_embeddings_uses_the_hnsw_index(segment_vectors):
    """Top-k cosine queries over segment embeddings are served by idx_video_segment_embeddings_embedding.

    Whether the planner *prefers* the index at a given table size is a cost decision (measured in
    bench/RESULTS.md), so the plan is asked for with sequential scans and sorts off: PostgreSQL then
    avoids a disabled step whenever an index returns rows in distance order, whatever the costs.  The
    index must serve the cosine query (operator class vector_cosine_ops matches `<=>`) and must not
    serve an L2 query (`<->`), as an index with the wrong operator class would.  The answers are HNSW's,
    approximate (graph levels are random per build): recall@10 over 20 new queries against exact
    search (index scans off), at the ef_search set above, must reach the schema's 0.95 target.
    """
    conn, sample = segment_vectors
    query = "SELECT video_segment_id FROM video_segment_embeddings WHERE embedding_model_id = 1 " \
            "ORDER BY embedding {} %s LIMIT 10"

    hnsw_scan = "Index Scan using idx_video_segment_embeddings_embedding on video_segment_embeddings"

    def plan(operator: str) -> str:  # the generic plan, for any query vector ($1)
        with conn.transaction():
            conn.execute("SET LOCAL enable_seqscan = off")
            conn.execute("SET LOCAL enable_sort = off")
            explain = "EXPLAIN (COSTS OFF, GENERIC_PLAN) " + query.format(operator).replace("%s", "$1::vector")
            return "\n".join(r[0] for r in conn.execute(explain))

    assert hnsw_scan in plan("<=>"), plan("<=>")
    assert hnsw_scan not in plan("<->") and "Sort" in plan("<->"), plan("<->")

    def top10(vector: list[float], setting: str) -> list[int]:
        with conn.transaction():
            conn.execute(f"SET LOCAL {setting} = off")
            return [r[0] for r in conn.execute(query.format("<=>"), (as_vector(vector),), prepare=False)]

    recalls = []
    for vector in sample.points(20):
        exact = top10(vector, "enable_indexscan")
        assert len(exact) == 10
        recalls.append(len(set(top10(vector, "enable_seqscan")) & set(exact)) / 10)
    assert sum(recalls) / len(recalls) >= 0.95, recalls
