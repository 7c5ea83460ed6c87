"""The lock each migration statement takes on an existing table, and the safer way (squawk/strong_migrations)."""

from __future__ import annotations

from pathlib import Path

import pytest

from x121_docs.catalog.model import Catalog, Column, Index, Table
from x121_docs.review.locks import ACCESS_EXCLUSIVE, HIGH, LOW, MEDIUM, NONE, SHARE, SHARE_ROW_EXCLUSIVE, \
    SHARE_UPDATE_EXCLUSIVE, analyse

BASE = Catalog(database="d", server_version="18", tables=(
    Table("public", "accounts", "table", 1, columns=(Column("id", 1, "bigint", "int8", "pg_catalog", False),)),
    Table("public", "orders", "table", 2, columns=(Column("id", 1, "bigint", "int8", "pg_catalog", False),
                                                   Column("note", 2, "text", "text", "pg_catalog", True)),
          indexes=(Index("idx_orders_note", "btree", False, False, True, ("note",)),)),
))


def _one(tmp_path: Path, sql: str):
    path = tmp_path / "20260101000000_x.sql"
    path.write_text(sql)
    found = analyse([path], BASE)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("sql, lock, risk, rewrite, scan, rule", [
    ("CREATE INDEX idx_orders_id ON orders (id);", SHARE, HIGH, False, True, "squawk:require-concurrent-index-creation"),
    ("-- no-transaction\nCREATE INDEX CONCURRENTLY idx_orders_id ON orders (id);", SHARE_UPDATE_EXCLUSIVE, LOW,
     False, True, None),
    ("ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();", ACCESS_EXCLUSIVE, HIGH, True, False,
     "squawk:adding-field-with-default"),
    ("ALTER TABLE orders ADD COLUMN flag boolean NOT NULL DEFAULT false;", ACCESS_EXCLUSIVE, LOW, False, False,
     "squawk:require-timeout-settings"),
    ("ALTER TABLE orders ADD COLUMN flag boolean NOT NULL;", ACCESS_EXCLUSIVE, HIGH, False, False,
     "squawk:adding-required-field"),
    ("ALTER TABLE orders ALTER COLUMN id TYPE numeric;", ACCESS_EXCLUSIVE, HIGH, True, True, "squawk:changing-column-type"),
    ("ALTER TABLE orders ALTER COLUMN note TYPE text;", ACCESS_EXCLUSIVE, LOW, False, False, None),
    ("ALTER TABLE orders ALTER COLUMN note SET NOT NULL;", ACCESS_EXCLUSIVE, HIGH, False, True,
     "squawk:adding-not-nullable-field"),
    ("ALTER TABLE orders ADD CONSTRAINT fk_acc FOREIGN KEY (id) REFERENCES accounts (id);", SHARE_ROW_EXCLUSIVE, HIGH,
     False, True, "squawk:adding-foreign-key-constraint"),
    ("ALTER TABLE orders ADD CONSTRAINT fk_acc FOREIGN KEY (id) REFERENCES accounts (id) NOT VALID;",
     SHARE_ROW_EXCLUSIVE, LOW, False, False, None),
    ("ALTER TABLE orders ADD CONSTRAINT ck CHECK (id > 0);", ACCESS_EXCLUSIVE, HIGH, False, True,
     "squawk:constraint-missing-not-valid"),
    ("ALTER TABLE orders ADD CONSTRAINT uq UNIQUE (note);", ACCESS_EXCLUSIVE, HIGH, False, True,
     "squawk:disallowed-unique-constraint"),
    ("ALTER TABLE orders DROP COLUMN note;", ACCESS_EXCLUSIVE, MEDIUM, False, False, "strong_migrations:removing a column"),
    ("DROP INDEX idx_orders_note;", ACCESS_EXCLUSIVE, LOW, False, False, "squawk:require-concurrent-index-deletion"),
    ("ALTER TABLE orders RENAME COLUMN note TO remark;", ACCESS_EXCLUSIVE, MEDIUM, False, False, "squawk:renaming-column"),
    ("UPDATE orders SET note = '';", "ROW EXCLUSIVE", MEDIUM, False, True, "strong_migrations:backfilling data"),
    ("ALTER TABLE orders SET LOGGED;", ACCESS_EXCLUSIVE, HIGH, True, False, None),
    ("COMMENT ON COLUMN orders.note IS 'x';", SHARE_UPDATE_EXCLUSIVE, NONE, False, False, None),
])
def test_statement_on_an_existing_table(tmp_path, sql, lock, risk, rewrite, scan, rule):
    s = _one(tmp_path, sql)
    assert s.existing and s.tables[0] == ("public", "orders")
    assert (s.lock, s.risk, s.rewrite, s.scan) == (lock, risk, rewrite, scan)
    assert (s.issues[0].rule if s.issues else None) == rule
    if risk == HIGH:
        assert s.issues[0].alternative


def test_statements_on_a_new_table_are_not_judged(tmp_path):
    path = tmp_path / "20260101000000_x.sql"
    path.write_text("CREATE TABLE fresh (id bigint PRIMARY KEY, a bigint REFERENCES accounts (id));\n"
                    "CREATE INDEX idx_fresh_a ON fresh (a);\nALTER TABLE fresh ALTER COLUMN a SET NOT NULL;\n")
    found = analyse([path], BASE)
    assert [s.kind for s in found] == ["CreateStmt", "IndexStmt", "AlterTableStmt"]
    assert found[0].tables == (("public", "fresh"), ("public", "accounts")) and found[0].existing
    assert all(s.issues == () for s in found[1:]) and not any(s.existing for s in found[1:])


def test_a_scan_under_a_lock_held_by_an_earlier_statement_is_high(tmp_path):
    path = tmp_path / "20260101000000_x.sql"
    path.write_text("ALTER TABLE orders DROP CONSTRAINT IF EXISTS old_ck;\n"
                    "ALTER TABLE orders ADD CONSTRAINT ck CHECK (id > 0) NOT VALID;\n"
                    "ALTER TABLE orders VALIDATE CONSTRAINT ck;\n")
    validate = analyse([path], BASE)[2]
    assert validate.risk == HIGH and "ACCESS EXCLUSIVE lock taken at line 1 is held" in validate.issues[-1].message
    path.write_text("-- no-transaction\n" + path.read_text())
    assert analyse([path], BASE)[2].risk == LOW  # each statement commits on its own
