"""File-drift scan: a tree with one missing, one changed and one untracked file is reported exactly."""

from __future__ import annotations

import hashlib
import json

from integrity_support import catalog_of, connect, platform_db, platform_template  # noqa: F401

from x121_docs.integrity.files import scan_files


def _tree(root, settings):  # noqa: ANN001, ANN202
    """Files under root and matching records: segment 1 intact, 2 missing, 3 changed, 4 resized,
    5 planned (no file, no facts), plus one untracked file and an ignored images/ folder."""
    files = {"segments/1.mp4": b"one" * 100, "segments/3.mp4": b"three" * 50, "segments/4.mp4": b"four" * 40,
             "segments/extra.mp4": b"stray", "images/ava/1.png": b"png"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)

    def facts(data: bytes) -> tuple[int, str]:
        return len(data), hashlib.sha256(data).hexdigest()

    with connect(settings) as conn:
        conn.execute("UPDATE video_segments SET file_size_bytes = %s, file_sha256 = %s WHERE id = 1",
                     facts(files["segments/1.mp4"]))
        size3, _ = facts(files["segments/3.mp4"])
        conn.execute("INSERT INTO video_segments (id, scene_id, sequence_index, segment_status_id, file_path, "
                     "file_size_bytes, file_sha256, duration_ms) VALUES "
                     "(3, 1, 3, 3, 'segments/3.mp4', %s, %s, 1000), (4, 1, 4, 3, 'segments/4.mp4', %s, %s, 1000), "
                     "(5, 1, 5, 1, 'segments/5.mp4', NULL, NULL, NULL)",
                     (size3, hashlib.sha256(b"other content").hexdigest(), 999, facts(files["segments/4.mp4"])[1]))
    return files


def test_drift_is_reported_exactly_and_nothing_is_modified(platform_db, tmp_path):
    files = _tree(tmp_path, platform_db)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    with connect(platform_db) as conn:
        rows_before = conn.execute("SELECT md5(string_agg(v::text, '|' ORDER BY id)) FROM video_segments v").fetchone()
        drift = scan_files(conn, catalog_of(platform_db), tmp_path, workers=3, ignore=("images/*",))
        rows_after = conn.execute("SELECT md5(string_agg(v::text, '|' ORDER BY id)) FROM video_segments v").fetchone()
    assert [r["path"] for r in drift.missing] == ["segments/2.mp4"]
    assert [(r["path"], r["recorded"], r["actual"]) for r in drift.size_mismatch] == [("segments/4.mp4", 999, 160)]
    assert [(r["path"], r["actual"]) for r in drift.hash_mismatch] == [
        ("segments/3.mp4", hashlib.sha256(files["segments/3.mp4"]).hexdigest())]
    assert drift.untracked == ["segments/extra.mp4"]
    assert drift.planned == 1 and drift.records == 5 and drift.problems == 4 and drift.exit_code == 1
    assert rows_before == rows_after
    assert before == {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}


def test_cli_scan_files_json_and_clean_tree(platform_db, run_cli, tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    _tree(root, platform_db)
    code, out, _ = run_cli("scan", "files", str(root), "--format", "json", "--ignore", "images/*")
    data = json.loads(out)
    assert code == 1
    assert (data["missing"][0]["path"], data["size_mismatch"][0]["path"], data["hash_mismatch"][0]["path"],
            data["untracked"]) == ("segments/2.mp4", "segments/4.mp4", "segments/3.mp4", ["segments/extra.mp4"])
    with connect(platform_db) as conn:  # make the records true, remove the stray file: clean
        conn.execute("DELETE FROM video_segments WHERE id IN (2, 3, 4)")
    for stray in ("segments/3.mp4", "segments/4.mp4", "segments/extra.mp4"):
        (root / stray).unlink()
    code, out, _ = run_cli("scan", "files", str(root), "--ignore", "images/*")
    assert code == 0 and "no drift" in out
    code, _, err = run_cli("scan", "files", str(root / "nope"))
    assert code == 2 and "is not a directory" in err
    code, _, err = run_cli("scan", "files", str(root), "--path-column", "location")
    assert code == 2 and "no column 'location'" in err
