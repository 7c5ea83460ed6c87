"""Every constraint of the platform schema, violated on purpose, gets a plain sentence.

The constraints are enumerated from the catalog and the violating statements are built
generically (copy a seeded row and break one thing), so a new constraint in a migration is
covered without touching this file; a table without seed rows makes the test fail and say so.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from integrity_support import catalog_of, connect, platform_db, platform_template  # noqa: F401
from psycopg import sql

from x121_docs.catalog.model import NO_ACTION, RESTRICT, Table
from x121_docs.integrity.messages import NAME_COLUMNS, _expression_columns, translate
from x121_docs.integrity.naming import column_words, entity_name

_INTS = [-1, 0, 101, 16001]
_TEXTS = ["", " ", "Not Valid!", "/abs/path", "x"]
CANDIDATES: dict[str, list[Any]] = {
    "int2": _INTS, "int4": _INTS, "int8": _INTS, "numeric": _INTS, "float4": _INTS, "float8": _INTS,
    "text": _TEXTS, "varchar": _TEXTS, "bpchar": _TEXTS,
    "timestamptz": ["2000-01-01 00:00:00+00", "2100-01-01 00:00:00+00"],
    "timestamp": ["2000-01-01 00:00:00", "2100-01-01 00:00:00"], "date": ["2000-01-01", "2100-01-01"],
}


class Case:
    def __init__(self, kind: str, table: Table, name: str, expect: list[str], error: psycopg.Error):
        self.kind, self.table, self.name, self.expect, self.error = kind, table, name, expect, error


def _pk_rows(conn, table: Table) -> list[Any]:  # noqa: ANN001
    pk = sql.Identifier(table.primary_key.columns[0])
    rows = conn.execute(sql.SQL("SELECT {k} FROM {t} ORDER BY {k} LIMIT 2").format(
        k=pk, t=sql.Identifier(table.schema, table.name))).fetchall()
    assert len(rows) == 2, f"add two seed rows for table {table.name} to tests/fixtures/x121_seed.sql"
    return [r[0] for r in rows]


def _attempt(conn, statement: sql.Composable, params: tuple = (), setup: list | None = None):  # noqa: ANN001, ANN201
    try:
        with conn.transaction():  # savepoint: the failed statement (and `setup`) are rolled back
            for step in setup or []:
                conn.execute(step)
            conn.execute(statement, params)
            raise _Rollback()
    except _Rollback:
        return None
    except psycopg.Error as exc:
        return exc


class _Rollback(Exception):
    pass


def _copy_row(table: Table, pk_value: Any, overrides: dict[str, Any]) -> tuple[sql.Composable, tuple]:
    """INSERT a copy of one row with some columns replaced (NOT NULL and CHECK run before uniques)."""
    cols = [c for c in table.columns if not c.generated and c.identity != "always"]
    exprs, params = [], []
    for c in cols:
        if c.name in overrides:
            exprs.append(sql.SQL("CAST(%s AS {})").format(sql.SQL(c.data_type)))
            params.append(overrides[c.name])
        else:
            exprs.append(sql.Identifier(c.name))
    query = sql.SQL("INSERT INTO {t} ({c}) SELECT {e} FROM {t} WHERE {k} = %s").format(
        t=sql.Identifier(table.schema, table.name), c=sql.SQL(", ").join(sql.Identifier(c.name) for c in cols),
        e=sql.SQL(", ").join(exprs), k=sql.Identifier(table.primary_key.columns[0]))
    return query, (*params, pk_value)


def _shown(value: Any) -> str:
    return "empty" if value is None else str(value)


def _name_of(conn, table: Table, columns, values) -> str | None:  # noqa: ANN001
    col = next((c for c in NAME_COLUMNS if table.column(c) and c not in columns), None)
    if col is None:
        return None
    where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
    row = conn.execute(sql.SQL("SELECT {}::text FROM {} WHERE {}").format(
        sql.Identifier(col), sql.Identifier(table.schema, table.name), where), tuple(values)).fetchone()
    return row[0] if row else None


def _cases(conn, catalog) -> Iterator[Case]:  # noqa: ANN001, C901
    for table in catalog.base_tables:
        if table.primary_key is None:
            continue
        r1, r2 = _pk_rows(conn, table)
        ent = entity_name(table)
        tname = sql.Identifier(table.schema, table.name)
        pk = sql.Identifier(table.primary_key.columns[0])

        for col in table.columns:  # NOT NULL
            if col.nullable or col.generated or col.identity == "always":
                continue
            exc = _attempt(conn, *_copy_row(table, r1, {col.name: None}))
            assert exc is not None and exc.sqlstate == "23502", (table.name, col.name, exc)
            yield Case("not null", table, col.name, [ent, column_words(col.name)], exc)

        for check in table.checks:  # CHECK: search candidate values until this very check fails
            found = None
            cols = [table.column(c) for c in check.columns]
            singles = [{c.name: v} for c in cols for v in CANDIDATES.get(c.type_name, []) + [None]]
            pairs = [{a.name: va, b.name: vb} for a, b in itertools.permutations(cols, 2)
                     for va in CANDIDATES.get(a.type_name, []) + [None] for vb in CANDIDATES.get(b.type_name, [])]
            for overrides in singles + pairs:
                exc = _attempt(conn, *_copy_row(table, r1, overrides))
                if exc is not None and exc.sqlstate == "23514" and exc.diag.constraint_name == check.name:
                    found = (overrides, exc)
                    break
            assert found, f"no candidate value violates {table.name}.{check.name}: extend CANDIDATES"
            overrides, exc = found
            yield Case("check", table, check.name, [ent] + [_shown(v) for v in overrides.values()], exc)

        uniques = [(c.name, list(c.columns)) for c in (table.primary_key, *table.uniques)]
        uniques += [(ix.name, list(ix.key_columns)) for ix in table.indexes
                    if ix.unique and ix.constraint is None and not ix.partial]
        for name, keys in uniques:  # UNIQUE / PRIMARY KEY / unique index: give row 2 the key of row 1
            cols = [c for k in keys for c in ([k] if table.column(k) else _expression_columns(k, table))]
            target = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            exc = _attempt(conn, sql.SQL("UPDATE {t} SET ({c}) = (SELECT {c} FROM {t} WHERE {k} = %s) "
                                         "WHERE {k} = %s").format(t=tname, c=target, k=pk), (r1, r2))
            assert exc is not None and exc.sqlstate == "23505" and exc.diag.constraint_name == name, (name, exc)
            values = conn.execute(sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
                sql.SQL(", ").join(sql.SQL(k) if not table.column(k) else sql.Identifier(k) for k in keys),
                tname, pk), (r1,)).fetchone()
            fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
            expect = [ent] + [str(v) for k, v in zip(keys, values) if k not in fk_cols]
            for fk in table.foreign_keys:
                if set(fk.columns) <= set(keys):
                    parent = catalog.get(fk.ref_table, fk.ref_schema)
                    ref_vals = [values[keys.index(c)] for c in fk.columns]
                    expect.append(_name_of(conn, parent, fk.ref_columns, ref_vals) or str(ref_vals[0]))
            yield Case("unique", table, name, expect, exc)

        for fk in table.foreign_keys:  # FK on insert/update: point row 1 at a parent that does not exist
            bad = tuple(987654 if table.column(c).type_name.startswith("int") else "no-such-value" for c in fk.columns)
            target = sql.SQL(", ").join(sql.Identifier(c) for c in fk.columns)
            row = sql.SQL(", ").join(sql.Placeholder() for _ in fk.columns)
            exc = _attempt(conn, sql.SQL("UPDATE {t} SET ({c}) = ROW({v}) WHERE {k} = %s").format(
                t=tname, c=target, v=row, k=pk), (*bad, r1))
            assert exc is not None and exc.sqlstate == "23503" and exc.diag.constraint_name == fk.name, (fk.name, exc)
            parent = catalog.get(fk.ref_table, fk.ref_schema)
            yield Case("fk insert", table, fk.name, [ent, entity_name(parent), str(bad[0])], exc)

    for fk in catalog.foreign_keys:  # FK on delete: delete a parent row this FK (and only it) still uses
        if fk.on_delete not in (RESTRICT, NO_ACTION) or fk.inherited_from:
            continue
        child, parent = catalog.get(fk.table, fk.schema), catalog.get(fk.ref_table, fk.ref_schema)
        used = conn.execute(sql.SQL("SELECT {c} FROM {t} WHERE {nn} LIMIT 1").format(
            c=sql.SQL(", ").join(sql.Identifier(c) for c in fk.columns), t=sql.Identifier(child.schema, child.name),
            nn=sql.SQL(" AND ").join(sql.SQL("{} IS NOT NULL").format(sql.Identifier(c)) for c in fk.columns))
        ).fetchone()
        assert used, f"seed a row of {child.name} with {', '.join(fk.columns)} set"
        others = [o for o in catalog.referencing(parent) if o.name != fk.name or o.table != fk.table]
        drops = [sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(o.schema, o.table),
                                                                    sql.Identifier(o.name)) for o in others]
        where = sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in fk.ref_columns)
        delete = sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(parent.schema, parent.name), where)
        exc = _attempt(conn, delete, tuple(used), setup=drops)
        assert exc is not None and exc.sqlstate in ("23503", "23001") and exc.diag.constraint_name == fk.name, \
            (fk.name, exc)
        label = _name_of(conn, parent, fk.ref_columns, used) or str(used[0])
        yield Case("fk delete", parent, fk.name, [entity_name(parent), label, entity_name(child)], exc)


def test_every_constraint_of_the_schema_gets_a_plain_sentence(platform_db):
    catalog = catalog_of(platform_db)
    with connect(platform_db, autocommit=False) as conn:
        cases = list(_cases(conn, catalog))
        sentences = [(case, translate(case.error, catalog, conn)) for case in cases]
        conn.rollback()
    kinds = {k: sum(c.kind == k for c in cases) for k in ("not null", "check", "unique", "fk insert", "fk delete")}
    expected_checks = sum(len(t.checks) for t in catalog.base_tables)
    expected_fks = len(catalog.foreign_keys)
    assert kinds["check"] == expected_checks and kinds["fk insert"] == expected_fks
    assert all(kinds.values()), kinds
    bad = []
    for case, sentence in sentences:
        problems = [f"missing {e!r}" for e in case.expect if e not in sentence]
        named = [case.error.sqlstate, case.error.diag.constraint_name] + ([] if case.kind == "not null" else [case.name])
        if any(n and n in sentence for n in named):
            problems.append("shows SQLSTATE or constraint name")
        if sentence.count(". ") or not sentence.endswith("."):
            problems.append("not one sentence")
        if problems:
            bad.append(f"{case.kind} {case.table.name}.{case.name}: {sentence} ({'; '.join(problems)})")
    assert not bad, "\n".join(bad)


def test_examples_read_as_the_spec_asks(platform_db):
    catalog = catalog_of(platform_db)
    with connect(platform_db) as conn:
        with pytest.raises(psycopg.Error) as err:
            conn.execute("INSERT INTO characters (project_id, name, character_status_id) VALUES (1, 'Ava', 1)")
        assert translate(err.value, catalog, conn) == "A character named 'Ava' already exists in project 'Demo'."
        conn.execute("INSERT INTO segment_approvals (video_segment_id, reviewer_user_id, approval_status_id) "
                      "VALUES (2, 1, 1), (2, 2, 1)")
        with pytest.raises(psycopg.Error) as err:
            conn.execute("DELETE FROM approval_statuses WHERE name = 'pending'")
        assert translate(err.value, catalog, conn) == \
            "Cannot delete the approval status 'pending': 3 segment approvals still use it."
        assert translate(err.value, catalog) == \
            "Cannot delete the approval status with id 1: some segment approvals still use it."


def test_exclusion_and_original_error_kept(db_conn, fresh_db):
    from x121_docs.integrity.messages import translated_error

    db_conn.execute("CREATE TABLE rooms (id int PRIMARY KEY, name text NOT NULL);"
                    "CREATE TABLE room_bookings (id int PRIMARY KEY, room_id int NOT NULL REFERENCES rooms,"
                    " during tstzrange NOT NULL, CONSTRAINT ex_room_bookings_during EXCLUDE USING gist (during WITH &&));"
                    "INSERT INTO rooms VALUES (1, 'Blue');"
                    "INSERT INTO room_bookings VALUES (1, 1, '[2026-01-01 10:00+00, 2026-01-01 11:00+00)')")
    catalog = catalog_of(fresh_db)
    with pytest.raises(psycopg.Error) as err:
        db_conn.execute("INSERT INTO room_bookings VALUES (2, 1, '[2026-01-01 10:30+00, 2026-01-01 12:00+00)')")
    translated = translated_error(err.value, catalog, db_conn)
    assert str(translated).startswith("Cannot save the room booking: during '[\"2026-01-01 10:30:00+00\"")
    assert str(translated).endswith("conflicts with an existing room booking.")
    assert translated.original is err.value and "ex_room_bookings_during" in str(translated.original)
