"""Migration files: names, versions, descriptions, checksums and every strictness error."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
from migrate_support import write

from x121_docs.errors import WorkbenchError
from x121_docs.migrate.files import MigrationFileError, discover
from x121_docs.migrate.lock import lock_key
from x121_docs.migrate.newfile import create_migration


def test_version_description_checksum_as_sqlx(tmp_path):
    write(tmp_path, 20260218120000, "create_lookup_tables", b"CREATE TABLE a (x int);\n")
    write(tmp_path, 20260101000000, "first", b"-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (x);\n")
    (tmp_path / ".gitkeep").write_text("")
    (tmp_path / "README.md").write_text("# migrations\n")
    found = discover(tmp_path)
    assert [m.version for m in found] == [20260101000000, 20260218120000]
    assert [m.description for m in found] == ["first", "create lookup tables"]
    assert found[1].checksum == hashlib.sha384(b"CREATE TABLE a (x int);\n").digest()
    assert len(found[1].checksum) == 48
    assert [m.no_transaction for m in found] == [True, False]


def test_lock_key_is_sqlx_key():
    assert lock_key("postgres") == 368907709894077238
    assert 0 <= lock_key("x121_x121") < 2**63


@pytest.mark.parametrize(("name", "reason"), [
    ("create_users.sql", "not a 14-digit UTC timestamp"),
    ("20260218120000.sql", "has no version"),
    ("20260218120000_create_users.SQL", "lowercase .sql"),
    ("20260218120000_create_users.up.sql", "forward-only"),
    ("20260218120000_create_users.down.sql", "forward-only"),
    ("20261340120000_create_users.sql", "not a real date"),
    ("20260231120000_create_users.sql", "not a real date"),
    ("2026021812_create_users.sql", "not a 14-digit UTC timestamp"),
    ("20260218120000_Create-Users.sql", "lowercase letters, digits and underscores"),
    ("notes.txt", "not a .sql file"),
])
def test_bad_names_are_errors_naming_file_and_expected_form(tmp_path, name, reason):
    write(tmp_path, 20260101000000, "ok", "SELECT 1;")
    (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationFileError) as info:
        discover(tmp_path)
    text = info.value.render()
    assert name in text and reason in text
    assert "{YYYYMMDDHHMMSS}_{description}.sql" in text


def test_subfolder_duplicate_and_non_utf8_are_reported_together(tmp_path):
    write(tmp_path, 20260101000000, "one", "SELECT 1;")
    write(tmp_path, 20260101000000, "also_one", "SELECT 1;")
    write(tmp_path, 20260102000000, "latin1", b"SELECT 1;\nSELECT 'caf\xe9';\n")
    (tmp_path / "archive").mkdir()
    with pytest.raises(MigrationFileError) as info:
        discover(tmp_path)
    text = info.value.render()
    assert "20260101000000_also_one.sql and 20260101000000_one.sql have the same version 20260101000000" in text
    assert "20260102000000_latin1.sql is not valid UTF-8: byte offset 21 (line 2) holds 0xe9" in text
    assert "archive is a folder" in text


def test_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(WorkbenchError, match="nope does not exist"):
        discover(tmp_path / "nope")


def test_new_creates_a_valid_utc_name_and_refuses_bad_or_colliding_ones(tmp_path):
    folder = tmp_path / "migrations"
    at = datetime(2026, 2, 18, 12, 0, 0, tzinfo=timezone.utc)
    path = create_migration(folder, "  Create Lookup  tables ", now=at)
    assert path.name == "20260218120000_create_lookup_tables.sql"
    (m,) = discover(folder)
    assert m.description == "create lookup tables" and not m.no_transaction
    assert m.sql.startswith("-- create lookup tables\n")
    for bad in ("", "   ", "add-users", "_leading", "ünïcode", "drop; table"):
        with pytest.raises(WorkbenchError, match="does not make a valid migration name"):
            create_migration(folder, bad, now=at.replace(hour=13))
    with pytest.raises(WorkbenchError, match="already has this or a newer version"):
        create_migration(folder, "again", now=at)
    with pytest.raises(WorkbenchError, match="already has this or a newer version"):
        create_migration(folder, "older", now=at.replace(hour=11))
    assert len(list(folder.iterdir())) == 1
