"""Delete-impact preview and the confirmed delete, on the platform schema and on cyclic fixtures."""

from __future__ import annotations

import json
import re

import pytest
from integrity_support import catalog_of, connect, platform_db, platform_template, row_counts, run_sql  # noqa: F401

from x121_docs.integrity.impact import CHAIN_MAX_DEPTH, ConfirmationRequired, DeleteBlocked, delete_row, preview

# A second project with a tree below it: 3 characters x (2 images + 3 scenes x 4 segments x
# (2 jobs + 1 approval + 1 embedding)); jobs run on worker 1 (SET NULL when a worker goes).
BIG_PROJECT = """
INSERT INTO projects (id, name, project_status_id, created_by_user_id) VALUES (10, 'Big', 2, 1);
INSERT INTO characters (id, project_id, name, character_status_id)
    SELECT 100 + g, 10, 'C' || g, 1 FROM generate_series(1, 3) g;
INSERT INTO character_images (character_id, file_path, file_size_bytes, file_sha256)
    SELECT 100 + c, 'img/' || c || '/' || i, 10, repeat('e', 64) FROM generate_series(1, 3) c, generate_series(1, 2) i;
INSERT INTO character_face_embeddings (character_image_id, embedding_model_id, embedding)
    SELECT id, 1, array_fill(0.5::real, ARRAY[512])::vector FROM character_images WHERE file_path LIKE 'img/%';
INSERT INTO scenes (id, character_id, name, scene_type_id, scene_status_id)
    SELECT 1000 + c * 10 + s, 100 + c, 'S' || s, 1, 1 FROM generate_series(1, 3) c, generate_series(1, 3) s;
INSERT INTO video_segments (scene_id, sequence_index, segment_status_id, file_path)
    SELECT sc.id, i, 1, 'seg/' || sc.id || '/' || i FROM scenes sc, generate_series(0, 3) i WHERE sc.id >= 1000;
INSERT INTO generation_jobs (video_segment_id, job_type_id, job_status_id, worker_id, requested_by_user_id)
    SELECT v.id, 1, 1, 1, 2 FROM video_segments v, generate_series(1, 2) WHERE v.file_path LIKE 'seg/%';
INSERT INTO segment_approvals (video_segment_id, reviewer_user_id, approval_status_id)
    SELECT id, 2, 1 FROM video_segments WHERE file_path LIKE 'seg/%';
INSERT INTO video_segment_embeddings (video_segment_id, embedding_model_id, embedding)
    SELECT id, 2, array_fill(0.5::real, ARRAY[512])::vector FROM video_segments WHERE file_path LIKE 'seg/%';
"""

CYCLES = """
CREATE TABLE nodes (id int PRIMARY KEY, parent_id int REFERENCES nodes ON DELETE CASCADE);
INSERT INTO nodes VALUES (1, NULL), (2, 1), (3, 1), (4, 2), (5, 4), (6, NULL), (7, NULL), (8, 7);
UPDATE nodes SET parent_id = 8 WHERE id = 7;                      -- 7 <-> 8: a cycle of one table
CREATE TABLE tags (id int PRIMARY KEY, node_id int REFERENCES nodes ON DELETE SET NULL);
INSERT INTO tags VALUES (1, 5), (2, 6), (3, NULL);
CREATE TABLE notes (node_id int REFERENCES nodes ON DELETE CASCADE, body text);  -- no primary key
INSERT INTO notes VALUES (2, 'x'), (5, 'y'), (6, 'z');
CREATE TABLE a (id int PRIMARY KEY, b_id int);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a ON DELETE CASCADE);
ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE CASCADE;
INSERT INTO a VALUES (1, NULL), (2, NULL), (3, NULL);
INSERT INTO b VALUES (10, 1), (11, 1), (12, 2), (13, 3);
UPDATE a SET b_id = 10 WHERE id = 2;                              -- a1 -> b10 -> a2 -> b12
CREATE TABLE keeper (id int PRIMARY KEY, b_id int REFERENCES b ON DELETE RESTRICT);
INSERT INTO keeper VALUES (1, 13);
"""


@pytest.fixture
def platform(platform_db):  # noqa: ANN001, ANN201
    run_sql(platform_db, BIG_PROJECT)
    return platform_db


def _delete_and_diff(settings, table: str, key: str) -> dict[str, int]:  # noqa: ANN001
    """Rows removed per table by a plain DELETE (the ground truth the preview must match)."""
    catalog = catalog_of(settings)
    with connect(settings) as conn:
        before = row_counts(conn, catalog)
        conn.execute(f"DELETE FROM {table} WHERE id = %s", (int(key),))  # test-only, fixed table names
        after = row_counts(conn, catalog)
    return {t: before[t] - after[t] for t in before if before[t] != after[t]}


def test_preview_matches_the_rows_the_delete_removes(platform):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        impact = preview(conn, catalog, "projects", "10")
        unchanged = row_counts(conn, catalog)
    assert impact.deleted == {"projects": 1, "characters": 3, "character_images": 6, "character_face_embeddings": 6,
                              "scenes": 9, "video_segments": 36, "generation_jobs": 72, "segment_approvals": 36,
                              "video_segment_embeddings": 36}
    assert not impact.blocked and impact.cascades and impact.token
    with connect(platform) as conn:
        assert row_counts(conn, catalog) == unchanged  # the preview changed nothing
    assert _delete_and_diff(platform, "projects", "10") == impact.deleted


def test_set_null_is_counted_and_needs_a_token(platform):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        impact = preview(conn, catalog, "workers", "1")
        assert impact.deleted == {"workers": 1} and impact.set_null == {"generation_jobs": 73}
        with pytest.raises(ConfirmationRequired):
            delete_row(conn, catalog, "workers", "1")
        delete_row(conn, catalog, "workers", "1", impact.token)
        assert conn.execute("SELECT count(*) FROM generation_jobs WHERE worker_id IS NULL").fetchone()[0] == 73


def test_restrict_blockers_are_reported_and_refuse_the_delete(platform):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        impact = preview(conn, catalog, "users", "2")
        assert {(e.table, e.action, e.rows) for e in impact.blockers} == {
            ("generation_jobs", "RESTRICT", 73), ("projects", "RESTRICT", 1), ("segment_approvals", "RESTRICT", 38)}
        with pytest.raises(DeleteBlocked) as err:
            delete_row(conn, catalog, "users", "2")
        assert str(err.value) == ("Cannot delete the user 'Bob': 73 generation jobs, 1 project and "
                                  "38 segment approvals still use it.")
        assert conn.execute("SELECT count(*) FROM users WHERE id = 2").fetchone()[0] == 1


def test_stale_token_is_refused_with_the_new_impact(platform):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        old = preview(conn, catalog, "projects", "10")
        with pytest.raises(ConfirmationRequired) as err:
            delete_row(conn, catalog, "projects", "10")  # no token at all
        assert err.value.impact.canonical() == old.canonical() and err.value.impact.token  # same impact, fresh token
        conn.execute("INSERT INTO scenes (character_id, name, scene_type_id, scene_status_id) VALUES (101, 'New', 1, 1)")
        with pytest.raises(ConfirmationRequired) as err:
            delete_row(conn, catalog, "projects", "10", old.token)
        new = err.value.impact
        assert "changed since the preview" in str(err.value)
        assert new.deleted["scenes"] == 10 and new.token != old.token
        assert conn.execute("SELECT count(*) FROM projects WHERE id = 10").fetchone()[0] == 1
        done = delete_row(conn, catalog, "projects", "10", new.token)
        assert done.deleted == new.deleted
        assert conn.execute("SELECT count(*) FROM scenes WHERE character_id > 100").fetchone()[0] == 0


def test_delete_that_cascades_nowhere_needs_no_token(platform):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        conn.execute("INSERT INTO job_types (id, name, label, description, sort_order) "
                     "VALUES (3, 'upscale', 'Upscale', 'Unused', 30)")
        impact = delete_row(conn, catalog, "job_types", "3")
        assert impact.deleted == {"job_types": 1} and not impact.cascades
        assert conn.execute("SELECT count(*) FROM job_types WHERE id = 3").fetchone()[0] == 0


def test_self_references_and_cycles_terminate_and_match_the_delete(db_conn, fresh_db):
    db_conn.execute(CYCLES)
    catalog = catalog_of(fresh_db)
    tree = preview(db_conn, catalog, "nodes", "1")
    assert tree.deleted == {"nodes": 5, "notes": 2} and tree.set_null == {"tags": 1}
    loop = preview(db_conn, catalog, "nodes", "7")
    assert loop.deleted == {"nodes": 2}
    ab = preview(db_conn, catalog, "a", "1")
    assert ab.deleted == {"a": 2, "b": 3} and not ab.blocked
    blocked = preview(db_conn, catalog, "a", "3")
    assert [(e.table, e.parent, e.rows) for e in blocked.blockers] == [("keeper", "b", 1)]
    assert _delete_and_diff(fresh_db, "nodes", "1") == tree.deleted
    assert _delete_and_diff(fresh_db, "nodes", "7") == loop.deleted
    assert _delete_and_diff(fresh_db, "a", "1") == ab.deleted


def test_cli_preview_token_and_delete(platform, run_cli):
    code, out, _ = run_cli("delete-preview", "projects", "10", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["deleted"]["video_segments"] == 36 and data["needs_confirmation"]
    assert data["summary"].startswith("Deleting the project 'Big' also deletes 3 characters")
    code, _, err = run_cli("delete", "projects", "10")
    # the token carries its expiry, so a second preview a second later prints a different, equally valid one
    assert code == 1 and re.search(r"--token [0-9a-f]+-[0-9a-f]{32}", err), err
    code, _, err = run_cli("delete", "users", "2")
    assert code == 2 and "Cannot delete the user 'Bob'" in err and "RESTRICT" not in err
    code, out, _ = run_cli("delete", "projects", "10", "--token", data["token"])
    assert code == 0 and "205 row(s) deleted" in out
    code, _, err = run_cli("delete-preview", "projekts", "1")
    assert code == 2 and "'projekts' does not exist" in err and "projects" in err
    code, _, err = run_cli("delete-preview", "projects", "999")
    assert code == 2 and "no row with id=999" in err

# A cascade tree whose deleted rows also reference the deleted owner through other edges: those rows
# are deleted, not set to NULL nor counted as refusing (pets 1 and toy 1), while the same edges from
# rows that stay are (pet 3, toy 3).
TREE = """
CREATE TABLE owners (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint NOT NULL REFERENCES owners ON DELETE CASCADE,
                   vet_id bigint REFERENCES owners ON DELETE SET NULL);
CREATE TABLE toys (id bigint PRIMARY KEY, pet_id bigint NOT NULL REFERENCES pets ON DELETE CASCADE,
                   given_by bigint REFERENCES owners ON DELETE RESTRICT);
INSERT INTO owners VALUES (1, 'a'), (2, 'b');
INSERT INTO pets VALUES (1, 1, 1), (2, 1, NULL), (3, 2, 1);
INSERT INTO toys VALUES (1, 1, 1), (2, 2, NULL), (3, 3, 1), (4, 3, NULL);
"""


def _both_ways(conn, catalog, table: str, key: str):  # noqa: ANN001, ANN202
    """The impact of one delete computed by the stored walk and by the chained one, in one snapshot."""
    from x121_docs.integrity.common import find_table
    from x121_docs.integrity.impact import _Walk, compute_impact

    target = find_table(catalog, table)
    out = {}
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for chain in (False, True):
            walk = _Walk(conn, catalog, target, chain=chain)
            out[chain] = (walk.chained, compute_impact(conn, catalog, target, (key,), walk=walk))
    return out


@pytest.mark.parametrize(("table", "key"), [("projects", "10"), ("characters", "101"), ("scenes", "1011"),
                                            ("workers", "1"), ("users", "2"), ("job_types", "1")])
def test_a_cascade_tree_is_previewed_without_storing_and_agrees_with_the_stored_walk(platform, table, key):
    catalog = catalog_of(platform)
    with connect(platform) as conn:
        ways = _both_ways(conn, catalog, table, key)
    (stored_chained, stored), (chained, chain) = ways[False], ways[True]
    assert (stored_chained, chained) == (False, True)
    assert chain.deleted and chain.canonical() == stored.canonical()  # counts, digests, effects, what fires
    assert (chain.set_null, chain.set_default, chain.blockers) == (stored.set_null, stored.set_default, stored.blockers)


def test_cycles_and_shared_children_keep_the_stored_walk(db_conn, fresh_db):
    db_conn.execute(CYCLES)
    catalog = catalog_of(fresh_db)
    for table, key in (("nodes", "1"), ("a", "1")):
        ways = _both_ways(db_conn, catalog, table, key)
        assert [chained for chained, _ in ways.values()] == [False, False]
        assert ways[False][1].canonical() == ways[True][1].canonical()


def test_rows_the_tree_deletes_are_neither_cleared_nor_refusing(db_conn, fresh_db):
    db_conn.execute(TREE)
    catalog = catalog_of(fresh_db)
    ways = _both_ways(db_conn, catalog, "owners", "1")
    assert [chained for chained, _ in ways.values()] == [False, True]
    stored, chain = ways[False][1], ways[True][1]
    assert chain.deleted == {"owners": 1, "pets": 2, "toys": 2} and chain.set_null == {"pets": 1}
    assert [(e.table, e.rows) for e in chain.blockers] == [("toys", 1)]
    assert chain.canonical() == stored.canonical()


def test_a_role_without_temp_previews_a_tree_and_is_told_what_a_cycle_needs(db_conn, fresh_db, role):
    from dataclasses import replace

    from psycopg import sql

    from x121_docs.errors import WorkbenchError

    db_conn.execute(TREE + CYCLES)
    db_conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {d} FROM PUBLIC; GRANT SELECT, UPDATE, DELETE ON ALL "
                            "TABLES IN SCHEMA public TO {r}").format(d=sql.Identifier(fresh_db.name),
                                                                     r=sql.Identifier(role)))
    catalog = catalog_of(fresh_db)
    with connect(replace(fresh_db, user=role)) as conn:
        impact = preview(conn, catalog, "owners", "2")
        assert impact.deleted == {"owners": 1, "pets": 1, "toys": 2} and impact.set_null == {}
        assert delete_row(conn, catalog, "owners", "2", impact.token).deleted == impact.deleted  # locked, chained
        assert conn.execute("SELECT count(*) FROM pets").fetchone()[0] == 2
        with pytest.raises(WorkbenchError) as err:
            preview(conn, catalog, "nodes", "1")
    assert err.value.message == (f"Role '{role}' may not create temporary tables in database '{fresh_db.name}', and "
                              "the cascade from nodes needs them: it reaches nodes by more than one path or in a cycle.")
    assert err.value.hint == f'Grant it with GRANT TEMPORARY ON DATABASE "{fresh_db.name}" TO "{role}", or preview ' \
                             "as a role that has it."


@pytest.mark.parametrize("levels", [CHAIN_MAX_DEPTH, CHAIN_MAX_DEPTH + 1])
def test_a_tree_deeper_than_the_planner_searches_exhaustively_keeps_the_stored_walk(db_conn, fresh_db, levels):
    db_conn.execute("CREATE TABLE l0 (id int PRIMARY KEY); INSERT INTO l0 VALUES (1);" + "".join(
        f"CREATE TABLE l{i} (id int PRIMARY KEY, up int REFERENCES l{i - 1} ON DELETE CASCADE);"
        f"INSERT INTO l{i} VALUES (1, 1), (2, NULL);" for i in range(1, levels + 1)))
    ways = _both_ways(db_conn, catalog_of(fresh_db), "l0", "1")
    assert [chained for chained, _ in ways.values()] == [False, levels <= CHAIN_MAX_DEPTH]
    assert ways[True][1].deleted == {f"l{i}": 1 for i in range(levels + 1)}
    assert ways[True][1].canonical() == ways[False][1].canonical()
