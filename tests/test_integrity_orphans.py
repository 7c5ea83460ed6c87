"""Orphan scan against real PostgreSQL: planted orphans are found with exact counts."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from integrity_support import catalog_of, connect, platform_db, platform_template  # noqa: F401
from waiting import wait_until

from x121_docs.integrity.naming import soft_reference_candidates
from x121_docs.integrity.orphans import OrphanScanner, foreign_key_references, scan_orphans

# Orphans are planted three ways: rows inserted before a NOT VALID FK, rows inserted while the
# child's triggers are disabled (left disabled), rows copied with session_replication_role =
# replica.  Rows with a NULL in the FK columns are never orphans (MATCH SIMPLE).
PLANTED = """
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 50) g;

CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id));
CREATE INDEX ON posts (user_id);
INSERT INTO posts SELECT g, (g % 50) + 1 FROM generate_series(1, 400) g;

-- NOT VALID, no index on the FK column (scanned by ctid ranges): 3 orphans, 2 NULLs.
CREATE TABLE likes (id bigint PRIMARY KEY, user_id bigint);
INSERT INTO likes SELECT g, (g % 50) + 1 FROM generate_series(1, 300) g;
INSERT INTO likes VALUES (1001, 900), (1002, 901), (1003, 900), (1004, NULL), (1005, NULL);
ALTER TABLE likes ADD CONSTRAINT fk_likes_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;

-- Composite FK, orphans copied in replica mode: 2 orphans; (1, NULL) is not one.
CREATE TABLE slots (room int, day text, PRIMARY KEY (room, day));
INSERT INTO slots VALUES (1, 'mon'), (1, 'tue'), (2, 'mon');
CREATE TABLE bookings (id serial PRIMARY KEY, room int, day text,
                       CONSTRAINT fk_bookings_slot FOREIGN KEY (room, day) REFERENCES slots (room, day));
INSERT INTO bookings (room, day) VALUES (1, 'mon'), (2, 'mon'), (1, NULL);
SET session_replication_role = replica;
INSERT INTO bookings (room, day) VALUES (1, 'sun'), (9, 'mon');
SET session_replication_role = origin;

-- Soft references: reviewer_user_id -> users (evident, 1 orphan); legacy_id -> nothing.
CREATE TABLE reviews (id bigint PRIMARY KEY, reviewer_user_id bigint, legacy_id integer);
INSERT INTO reviews VALUES (1, 1, 7), (2, 2, 8), (3, 777, 9), (4, NULL, NULL);
"""


def _planted(db_conn) -> None:  # noqa: ANN001
    db_conn.execute(PLANTED)
    # Disabled triggers (left disabled, as after a forgotten bulk load): 4 orphans in posts.
    db_conn.execute("ALTER TABLE posts DISABLE TRIGGER ALL")
    db_conn.execute("INSERT INTO posts VALUES (5001, 70), (5002, 70), (5003, 71), (5004, 999)")
    db_conn.execute("ANALYZE")


def _by_constraint(report) -> dict:  # noqa: ANN001
    return {f.reference.constraint: f for f in report.foreign_keys}


def test_planted_orphans_are_found_with_exact_counts(db_conn, fresh_db):
    _planted(db_conn)
    catalog = catalog_of(fresh_db)
    report = scan_orphans(db_conn, catalog)
    found = _by_constraint(report)
    assert {k: f.orphans for k, f in found.items()} == {
        "posts_user_id_fkey": 4, "fk_likes_user": 3, "fk_bookings_slot": 2}
    assert found["fk_likes_user"].notes == ["NOT VALID"]
    assert found["posts_user_id_fkey"].notes == ["FK triggers disabled on posts"]
    assert [r["user_id"] for r in found["posts_user_id_fkey"].sample] == [70, 70, 71, 999]
    assert found["posts_user_id_fkey"].sample[0] == {"id": 5001, "user_id": 70}
    assert sorted((r["room"], r["day"]) for r in found["fk_bookings_slot"].sample) == [(1, "sun"), (9, "mon")]
    soft = {(s.table.name, s.column): (s.parent.name if s.parent else None, f.orphans if f else None)
            for s, f in report.soft_references}
    assert soft == {("reviews", "reviewer_user_id"): ("users", 1), ("reviews", "legacy_id"): (None, None)}
    assert report.orphans == 10 and report.exit_code == 1


def test_small_batches_and_resume_give_the_same_counts(db_conn, fresh_db, tmp_path):
    _planted(db_conn)
    catalog = catalog_of(fresh_db)
    state = tmp_path / "scan.json"
    calls = []

    def interrupt(advance, label):  # noqa: ANN001
        calls.append(label)
        if len(calls) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_orphans(db_conn, catalog, state_path=state, batch_rows=40, target_seconds=0.05, progress=interrupt)
    saved = json.loads(state.read_text())
    assert any(not u["done"] for u in saved["units"].values()) or len(saved["units"]) < 4
    resumed = scan_orphans(db_conn, catalog, state_path=state, batch_rows=40, target_seconds=0.05)
    assert {k: f.orphans for k, f in _by_constraint(resumed).items()} == {
        "posts_user_id_fkey": 4, "fk_likes_user": 3, "fk_bookings_slot": 2}
    assert not state.exists()  # a finished scan leaves no state behind


def test_a_batch_that_times_out_is_retried_smaller(db_conn, fresh_db):
    """While another session holds users locked, batches hit statement_timeout and are halved; then it finishes.

    Synchronised on what happened, not on time: the lock is taken before the scan starts and
    released once the scanner has counted two timeouts (widths 50 -> 25 -> 12: four halvings, 1.2 s,
    are left before it would give up).
    """
    _planted(db_conn)
    catalog = catalog_of(fresh_db)
    ref = next(r for r in foreign_key_references(catalog) if r.constraint == "posts_user_id_fkey")
    scanner = OrphanScanner(db_conn, catalog, timeout_ms=300, batch_rows=1_000_000)
    with connect(fresh_db, autocommit=False) as holder, ThreadPoolExecutor(1) as pool:
        holder.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")  # batches join users: they must wait
        scan = pool.submit(scanner.scan, ref)
        try:
            wait_until(lambda: scanner.timeouts >= 2 or scan.done(), "two batches to time out on the locked table")
        finally:
            holder.rollback()  # the lock is gone: the next, smaller batch gets through
        finding = scan.result(timeout=60)
    assert finding.error is None and finding.orphans == 4
    assert 2 <= scanner.timeouts < 6  # retried smaller, and finished before a one-value batch timed out


def test_clean_database_scans_clean(platform_db, run_cli):
    code, out, err = run_cli("scan", "orphans", "--format", "json")
    data = json.loads(out)
    assert code == 0, err
    assert data["summary"]["orphans"] == 0 and data["summary"]["errors"] == 0
    assert len(data["foreign_keys"]) == data["summary"]["foreign_keys"] >= 20
    assert all(set(f) >= {"table", "constraint", "columns", "parent", "orphans", "sample"} for f in data["foreign_keys"])


def test_cli_reports_orphans_with_exit_code_1(db_conn, run_cli):
    _planted(db_conn)
    code, out, _ = run_cli("scan", "orphans", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert {f["constraint"]: f["orphans"] for f in data["foreign_keys"]} == {
        "posts_user_id_fkey": 4, "fk_likes_user": 3, "fk_bookings_slot": 2}
    assert [s["column"] for s in data["soft_references"]] == ["legacy_id", "reviewer_user_id"]
    code, out, _ = run_cli("scan", "orphans")
    assert code == 1 and "10 orphaned row(s)" in out


def test_soft_reference_candidates_strip_role_prefixes():
    assert soft_reference_candidates("reviewer_user_id") == ["reviewer_users", "reviewer_user", "users", "user"]
    assert soft_reference_candidates("approval_status_id")[:3] == ["approval_statuses", "approval_status", "statuses"]


def test_any_schema_partitions_quoted_names_and_uuid_keys(db_conn, fresh_db):
    """The catalog's 'everything' fixture: a partitioned child, "Audit"."UserActions" (uuid key)."""
    from integrity_support import FIXTURES

    from x121_docs.integrity.impact import preview

    db_conn.execute((FIXTURES / "everything.sql").read_text())
    db_conn.execute("INSERT INTO projects (id, name) VALUES (1, 'Demo')")
    db_conn.execute("SET session_replication_role = replica")
    db_conn.execute("INSERT INTO measurements (project_id, taken_on) VALUES (1, '2025-03-01'), (5, '2025-03-01'), "
                    "(5, '2026-03-01'), (1, '2026-03-02')")
    db_conn.execute("""INSERT INTO "Audit"."UserActions" ("ActionId", "userName", project_id) VALUES """
                    "('00000000-0000-0000-0000-000000000001', 'ann', 7), "
                    "('00000000-0000-0000-0000-000000000002', 'bob', NULL)")
    db_conn.execute("SET session_replication_role = origin")
    catalog = catalog_of(fresh_db)
    found = _by_constraint(scan_orphans(db_conn, catalog))
    assert found["fk_measurements_project"].orphans == 2  # one per partition
    assert found["UserActions_project_id_fkey"].orphans == 1
    assert found["UserActions_project_id_fkey"].sample == [
        {"ActionId": "00000000-0000-0000-0000-000000000001", "project_id": 7}]
    assert preview(db_conn, catalog, "projects", "1").deleted == {"projects": 1, "measurements": 2}
