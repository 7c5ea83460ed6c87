"""Status, check and baseline: modified / missing / dirty / out-of-order detection and what to do."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from migrate_support import ledger, tables, write

from x121_docs.database.connect import conn_params
from x121_docs.errors import WorkbenchError
from x121_docs.migrate import State, migration_status, run_migrations
from x121_docs.migrate.baseline import baseline

A, B, C = 20260101000000, 20260102000000, 20260103000000


def _states(settings, folder):  # noqa: ANN001
    return {e.version: e.state for e in migration_status(settings, folder)}


@pytest.mark.parametrize(("change", "note"), [
    (lambda b: b.replace(b"\n", b"\r\n"), "the file now has CRLF line endings where the applied one had LF"),
    (lambda b: b"\xef\xbb\xbf" + b, "the file now starts with a byte-order mark"),
    (lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), "CRLF line endings where the applied one had LF, and the "
                                                             "file now starts with a byte-order mark"),
    (lambda b: b.replace(b"int", b"bigint"), None),
])
def test_modified_is_refused_with_both_checksums_and_an_explanation(fresh_db, tmp_path, change, note):
    path = write(tmp_path, A, "a", b"CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS 'a';\n")
    run_migrations(fresh_db, tmp_path)
    old = bytes(ledger(fresh_db)[0][3]).hex()
    path.write_bytes(change(path.read_bytes()))
    write(tmp_path, B, "b", "CREATE TABLE b (id int);")
    (entry, _) = migration_status(fresh_db, tmp_path)
    assert entry.state is State.MODIFIED
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    text = info.value.render()
    assert old in text and hashlib.sha384(path.read_bytes()).hexdigest() in text
    if note:
        assert note in text and entry.note and note in entry.note
    else:
        assert "only difference" not in text and entry.note is None
    assert "Nothing was applied" in text and "b" not in tables(fresh_db)


def test_missing_and_dirty_rows_are_reported_with_what_to_do(fresh_db, tmp_path):
    write(tmp_path, A, "a", "CREATE TABLE a (id int);")
    gone = write(tmp_path, B, "b", "CREATE TABLE b (id int);")
    run_migrations(fresh_db, tmp_path)
    gone.unlink()
    assert _states(fresh_db, tmp_path) == {A: State.APPLIED, B: State.MISSING}
    with pytest.raises(WorkbenchError, match=f"Migration {B} \\(b\\) was applied on .* but has no file"):
        run_migrations(fresh_db, tmp_path)
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("UPDATE _sqlx_migrations SET success = false WHERE version = %s", (A,))
    assert _states(fresh_db, tmp_path)[A] is State.DIRTY
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert f"DELETE FROM _sqlx_migrations WHERE version = {A};" in info.value.render()
    assert "partially applied" in info.value.render()


def test_out_of_order_is_refused_unless_allowed(fresh_db, tmp_path):
    write(tmp_path, A, "a", "CREATE TABLE a (id int);")
    write(tmp_path, C, "c", "CREATE TABLE c (id int);")
    run_migrations(fresh_db, tmp_path)
    late = write(tmp_path, B, "b", "CREATE TABLE b (id int);")
    assert _states(fresh_db, tmp_path)[B] is State.OUT_OF_ORDER
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    assert late.name in info.value.render() and "--allow-out-of-order" in info.value.render()
    assert "b" not in tables(fresh_db)
    assert [a.version for a in run_migrations(fresh_db, tmp_path, allow_out_of_order=True).applied] == [B]


def test_pending_file_with_bom_or_misplaced_no_transaction_marker_is_refused(fresh_db, tmp_path):
    write(tmp_path, A, "a", b"\xef\xbb\xbfCREATE TABLE a (id int);")
    write(tmp_path, B, "b", b"\n-- no-transaction\nCREATE TABLE b (id int);")
    with pytest.raises(WorkbenchError) as info:
        run_migrations(fresh_db, tmp_path)
    text = info.value.render()
    assert f"{A}_a.sql starts with a UTF-8 byte-order mark" in text
    assert f"{B}_b.sql starts with a `-- no-transaction` marker that SQLx does not recognise" in text
    assert tables(fresh_db) == set()


def test_baseline_records_without_running(fresh_db, tmp_path, run_cli):
    # the existing database already has a and b (made by hand), but no ledger
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute("CREATE TABLE a (id int); CREATE TABLE b (id int)")
    for v, name in ((A, "a"), (B, "b"), (C, "c")):
        write(tmp_path, v, name, f"CREATE TABLE {name} (id int);")
    code, out, err = run_cli("migrate", "baseline", str(B), "--dir", str(tmp_path))
    assert code == 2 and "--yes-mark-applied" in err and ledger(fresh_db) == []
    with pytest.raises(WorkbenchError, match="no migration with version 20260102000001"):
        baseline(fresh_db, B + 1, tmp_path)
    code, out, err = run_cli("migrate", "baseline", str(B), "--dir", str(tmp_path), "--yes-mark-applied")
    assert code == 0, err
    assert "2 migration(s) up to 20260102000000 recorded" in out
    rows = ledger(fresh_db)
    assert [(r[0], r[2], r[4]) for r in rows] == [(A, True, 0), (B, True, 0)]
    assert _states(fresh_db, tmp_path) == {A: State.APPLIED, B: State.APPLIED, C: State.PENDING}
    assert [a.version for a in run_migrations(fresh_db, tmp_path).applied] == [C]


def test_status_json_and_check_exit_codes(fresh_db, tmp_path, run_cli):
    write(tmp_path, A, "a", "CREATE TABLE a (id int);")
    code, out, _ = run_cli("migrate", "check", "--dir", str(tmp_path))
    assert code == 1 and "pending: 20260101000000_a.sql" in out
    code, out, err = run_cli("migrate", "run", "--dir", str(tmp_path))
    assert code == 0, err
    assert "Applied 1 migration in" in out and "1 of 1 now" in out
    write(tmp_path, B, "b", "CREATE TABLE b (id int);")
    code, out, _ = run_cli("migrate", "status", "--dir", str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert [(m["version"], m["state"], m["file"]) for m in data["migrations"]] == [
        (A, "applied", "20260101000000_a.sql"), (B, "pending", "20260102000000_b.sql")]
    assert data["migrations"][0]["execution_ms"] > 0 and data["migrations"][0]["applied_at"].endswith("+00:00")
    assert data["counts"]["pending"] == 1
    code, out, _ = run_cli("migrate", "status", "--dir", str(tmp_path))
    assert code == 0 and "20260102000000" in out and "pending" in out and "1 applied, 1 pending" in out
    run_cli("migrate", "run", "--dir", str(tmp_path))
    code, out, _ = run_cli("migrate", "check", "--dir", str(tmp_path))
    assert code == 0 and "all applied" in out
    (tmp_path / "bad.sql").write_text("SELECT 1;")
    code, _, err = run_cli("migrate", "check", "--dir", str(tmp_path))
    assert code == 1 and "bad.sql" in err
    code, _, err = run_cli("migrate", "check", "--dir", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err


def test_dry_run_cli_prints_plan_and_sql(fresh_db, tmp_path, run_cli):
    write(tmp_path, A, "a", "CREATE TABLE dry_a (id int);")
    code, out, err = run_cli("migrate", "run", "--dry-run", "--dir", str(tmp_path))
    assert code == 0, err
    assert "20260101000000_a.sql" in out and "CREATE TABLE dry_a" in out and "would be applied" in out
    assert ledger(fresh_db) == []
