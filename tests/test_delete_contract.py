"""A confirmed delete never does more than its preview showed: rules and triggers need confirmation,
the token binds the exact rows, the database and an expiry, and only the workbench's key makes one."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat

import psycopg
import pytest

from x121_docs.catalog.reflect import reflect
from x121_docs.database.connect import conn_params
from x121_docs.integrity.impact import ConfirmationRequired, delete_row, preview
from x121_docs.integrity.token import KEY_FILE, Signer

SCHEMA = """
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parent ON DELETE CASCADE);
CREATE TABLE grandchild (id bigint PRIMARY KEY, child_id bigint NOT NULL REFERENCES child ON DELETE CASCADE);
CREATE TABLE other (id bigint PRIMARY KEY);
INSERT INTO parent VALUES (1), (2);
INSERT INTO child VALUES (10, 1), (20, 2);
INSERT INTO grandchild VALUES (100, 10), (101, 10), (200, 20);
INSERT INTO other SELECT generate_series(1, 30);
"""


@pytest.fixture
def db(fresh_db):
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as conn:
        conn.execute(SCHEMA)
        yield conn


def _count(conn: psycopg.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (our own test tables)


@pytest.mark.parametrize("side_effect, name", [
    ("CREATE RULE also_other AS ON DELETE TO other_root DO ALSO DELETE FROM other", "rule also_other on other_root"),
    ("CREATE FUNCTION wipe() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM other; RETURN OLD; END $$;"
     " CREATE TRIGGER wipe_other AFTER DELETE ON other_root FOR EACH ROW EXECUTE FUNCTION wipe()",
     "trigger wipe_other on other_root (AFTER DELETE FOR EACH ROW"),
])
def test_rules_and_triggers_need_confirmation_and_are_named(db, side_effect, name):
    db.execute("CREATE TABLE other_root (id bigint PRIMARY KEY); INSERT INTO other_root VALUES (7);")
    db.execute(side_effect)
    catalog = reflect(db)
    impact = preview(db, catalog, "other_root", "7")
    assert impact.deleted == {"other_root": 1} and not impact.cascades
    assert impact.needs_confirmation and impact.token
    assert any(s.startswith(name) for s in impact.side_effects), impact.side_effects
    with pytest.raises(ConfirmationRequired) as err:
        delete_row(db, catalog, "other_root", "7")  # the old "needs no confirmation token"
    assert name in err.value.message
    assert _count(db, "other") == 30 and _count(db, "other_root") == 1
    delete_row(db, catalog, "other_root", "7", impact.token)
    assert _count(db, "other") == 0 and _count(db, "other_root") == 0  # as confirmed


def test_swapped_grandchild_with_the_same_counts_is_refused(db):
    catalog = reflect(db)
    old = preview(db, catalog, "parent", "1")
    assert old.deleted == {"parent": 1, "child": 1, "grandchild": 2}
    db.execute("DELETE FROM grandchild WHERE id = 101; INSERT INTO grandchild VALUES (102, 10)")
    with pytest.raises(ConfirmationRequired) as err:
        delete_row(db, catalog, "parent", "1", old.token)
    new = err.value.impact
    assert "changed since the preview" in err.value.message
    assert new.deleted == old.deleted and new.token != old.token  # same counts, other rows
    assert _count(db, "grandchild") == 3 and _count(db, "parent") == 2  # rolled back
    delete_row(db, catalog, "parent", "1", new.token)
    assert _count(db, "grandchild") == 1 and _count(db, "parent") == 1


@pytest.mark.parametrize("key, mid_ids, leaf_ids", [
    ("bigint PRIMARY KEY", ("10", "20"), ("100", "101", "102")),  # hashint8extended
    ("integer PRIMARY KEY", ("10", "20"), ("100", "101", "102")),  # hash_record_extended
    ("inet PRIMARY KEY", ("'10.0.0.10'", "'10.0.0.20'"), ("'10.0.1.0'", "'10.0.1.1'", "'10.0.1.2'")),  # as text
    ("bigint NOT NULL UNIQUE", ("10", "20"), ("100", "101", "102")),  # no primary key: tableoid and ctid
], ids=["bigint", "record", "text", "no-primary-key"])
def test_every_kind_of_digest_binds_the_exact_rows(fresh_db, key, mid_ids, leaf_ids):
    """Stored tables (mid) and counted leaves (leaf), whatever their key is digested as: rows swapped
    for others with the same counts void the token; unchanged rows are deleted with it."""
    m1, m2 = mid_ids
    l1, l2, l3 = leaf_ids
    key_type = key.split()[0]
    with psycopg.connect(autocommit=True, **conn_params(fresh_db)) as db:
        db.execute(f"""
            CREATE TABLE parent (id bigint PRIMARY KEY);
            CREATE TABLE mid (id {key}, parent_id bigint NOT NULL REFERENCES parent ON DELETE CASCADE);
            CREATE TABLE leaf (id {key}, mid_id {key_type} NOT NULL REFERENCES mid (id) ON DELETE CASCADE);
            INSERT INTO parent VALUES (1), (2);
            INSERT INTO mid VALUES ({m1}, 1), ({m2}, 2);
            INSERT INTO leaf VALUES ({l1}, {m1}), ({l2}, {m1});""")
        catalog = reflect(db)
        old = preview(db, catalog, "parent", "1")
        assert old.deleted == {"parent": 1, "mid": 1, "leaf": 2}
        db.execute(f"DELETE FROM leaf WHERE id = {l2}; INSERT INTO leaf VALUES ({l3}, {m1})")  # noqa: S608
        with pytest.raises(ConfirmationRequired) as err:
            delete_row(db, catalog, "parent", "1", old.token)
        assert "changed since the preview" in err.value.message
        assert err.value.impact.deleted == old.deleted and err.value.impact.token != old.token
        swapped = err.value.impact
        db.execute(f"UPDATE mid SET parent_id = 2 WHERE id = {m1}; UPDATE mid SET parent_id = 1 WHERE id = {m2};"
                   f"UPDATE leaf SET mid_id = {m2}")  # noqa: S608 (the same counts again, other mid row)
        with pytest.raises(ConfirmationRequired):
            delete_row(db, catalog, "parent", "1", swapped.token)
        current = preview(db, catalog, "parent", "1")
        delete_row(db, catalog, "parent", "1", current.token)
        assert _count(db, "parent") == 1 and _count(db, "mid") == 1 and _count(db, "leaf") == 0


def test_a_bigint_key_digests_as_its_one_column_record(db):
    """The bigint shortcut is the record hash, not another digest: the same sums over the same keys."""
    from psycopg import sql

    from x121_docs.integrity.impact import BIGINT, RECORD, _digest

    col = [sql.Identifier("id")]
    q = sql.SQL("SELECT {a}, {b} FROM other").format(a=_digest(col, BIGINT), b=_digest(col, RECORD))
    by_bigint, by_record = db.execute(q).fetchone()
    assert by_bigint == by_record and by_bigint != "0:0"


def test_expired_token_is_refused(db):
    catalog = reflect(db)
    signer = Signer(b"k" * 32)
    impact = preview(db, catalog, "parent", "1", signer)
    expired = signer.issue(impact.canonical(), ttl_seconds=-1)
    with pytest.raises(ConfirmationRequired) as err:
        delete_row(db, catalog, "parent", "1", expired, signer)
    assert "has expired" in err.value.message and _count(db, "parent") == 2
    assert signer.refusal(impact.token, impact.canonical()) is None  # the 15-minute one still confirms
    delete_row(db, catalog, "parent", "1", impact.token, signer)
    assert _count(db, "parent") == 1


def test_forged_tokens_are_refused(db):
    catalog = reflect(db)
    impact = preview(db, catalog, "parent", "1")
    # the old scheme: an HMAC keyed by the database name, computable by anyone
    old_scheme = hmac.new(f"x121-docs delete confirmation:{catalog.database}".encode(),
                          impact.canonical().encode(), hashlib.sha256).hexdigest()[:20]
    head = impact.token.split("-")[0]
    wrong_key = Signer(b"not the workbench key").issue(impact.canonical())
    for forged in (old_scheme, f"{head}-{'0' * 32}", wrong_key, "", "ffffffff-zz"):
        with pytest.raises(ConfirmationRequired):
            delete_row(db, catalog, "parent", "1", forged or None)
    assert _count(db, "parent") == 2 and _count(db, "grandchild") == 3


def test_token_binds_the_database_identity(db):
    impact = preview(db, reflect(db), "parent", "1")
    ident = impact.identity
    assert ident["database"] == db.info.dbname and ident["system_identifier"] and ident["oid"]
    assert json.loads(impact.canonical())["identity"] == ident


def test_cli_key_file_is_private_and_shared_by_preview_and_delete(db, run_cli, cli_env):
    code, out, err = run_cli("delete-preview", "parent", "1", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    key = cli_env / ".x121" / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert data["needs_confirmation"] and data["token"]
    code, out, err = run_cli("delete", "parent", "1", "--token", data["token"])  # a separate command
    assert code == 0, err
    assert _count(db, "parent") == 1
    os.chmod(key, 0o644)
    code, out, err = run_cli("delete-preview", "parent", "2")
    assert code == 2 and "readable by others" in err and "Traceback" not in err
