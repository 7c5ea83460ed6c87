"""The catalog dump: deterministic, versioned JSON that loads back into the same model."""

from __future__ import annotations

import json
from dataclasses import replace

import psycopg
import pytest

from x121_docs.catalog import reflect
from x121_docs.catalog.model import Catalog
from x121_docs.catalog.serialize import VERSION, CatalogFormatError, dumps, loads
from x121_docs.database.connect import conn_params
from x121_docs.migrate.runner import run_migrations

from conftest import MIGRATIONS_DIR
from corpus_support import schema_names


def _round_trip(catalog: Catalog) -> None:
    text = dumps(catalog)
    again = Catalog.from_json(text)
    assert again == catalog  # every compared field of every object
    assert again.extra == catalog.extra
    assert again.to_json() == text  # byte-identical


def test_dump_of_our_schema_round_trips_and_is_stable(vector_db, run_cli):
    run_migrations(vector_db, MIGRATIONS_DIR)
    with psycopg.connect(autocommit=True, **conn_params(vector_db)) as conn:
        catalog = reflect(conn)
    _round_trip(catalog)
    data = json.loads(dumps(catalog))
    assert data["format"] == "x121-catalog" and data["version"] == VERSION
    names = [t["name"] for t in data["catalog"]["tables"]]
    assert names == sorted(names) and "scenes" in names
    scenes = catalog.table("scenes")
    loaded = loads(dumps(catalog)).table("scenes")
    assert loaded.foreign_keys == scenes.foreign_keys and isinstance(loaded.foreign_keys[0].columns, tuple)


def test_dump_does_not_depend_on_the_sessions_search_path(vector_db):
    def without_other(catalog: Catalog) -> str:
        return dumps(replace(catalog, schemas=tuple(s for s in catalog.schemas if s.name != "other")))

    run_migrations(vector_db, MIGRATIONS_DIR)
    with psycopg.connect(autocommit=True, **conn_params(vector_db)) as conn:
        plain = dumps(reflect(conn))
        conn.execute("CREATE SCHEMA other")
        conn.execute("SET search_path = other, pg_catalog")
        moved = without_other(reflect(conn))
        assert conn.execute("SHOW search_path").fetchone()[0] == "other, pg_catalog"
    with psycopg.connect(**conn_params(vector_db)) as conn:  # inside the caller's transaction
        conn.execute("SET LOCAL search_path = other")
        inside = without_other(reflect(conn))
        assert conn.execute("SHOW search_path").fetchone()[0] == "other"
    assert "nextval('users_id_seq'::regclass)" in plain
    assert moved == plain and inside == plain


def test_cli_dump_carries_lookup_values_and_round_trips(vector_db, run_cli, cli_env, monkeypatch):
    run_migrations(vector_db, MIGRATIONS_DIR)
    monkeypatch.setenv("DB_NAME", vector_db.name)
    code, out, err = run_cli("catalog", "dump", "--format", "json")
    assert code == 0, err
    catalog = Catalog.from_json(out)
    values = catalog.extra["lookup_values"]
    assert "project_statuses" in values and values["project_statuses"]["rows"]
    assert catalog.to_json() == out
    code2, out2, _ = run_cli("catalog", "dump")
    assert out2 == out  # same database, same bytes


@pytest.mark.parametrize("bad, message", [
    ("not json", "is not JSON"),
    ('{"format": "other"}', "is not an x121-catalog dump"),
    ('{"format": "x121-catalog", "version": 99, "catalog": {}}', "format version 99"),
    ('{"format": "x121-catalog", "version": 1, "catalog": {"database": "d"}}', "missing field 'server_version'"),
    ('{"format": "x121-catalog", "version": 1, "catalog": {"database": "d", "server_version": "18", "bogus": 1}}',
     "unknown field 'bogus'"),
    ('{"format": "x121-catalog", "version": 1, "catalog": {"database": "d", "server_version": "18", "tables": [{}]}}',
     "catalog.tables[0]: missing field"),
])
def test_bad_dump_is_one_clear_error(bad, message):
    with pytest.raises(CatalogFormatError) as exc:
        loads(bad, "f.json")
    assert message in exc.value.message and exc.value.exit_code == 2


@pytest.mark.slow
@pytest.mark.parametrize("name", schema_names() or ["(no corpus)"])
def test_dump_round_trips_on_corpus_schemas(corpus_db, name):
    settings = corpus_db(name)
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        catalog = reflect(conn)
    assert len(catalog.tables) > 5
    _round_trip(catalog)


def every_character() -> str:
    """Every character a name or comment can hold (not lone surrogates, which UTF-8 text cannot); built
    by the test that uses it, not at import (1.1 million characters, a quarter second per process)."""
    return "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)


@pytest.mark.parametrize("extra", [{}, {"big": [2 ** 70, -(2 ** 70)]}], ids=["orjson", "beyond-64-bit-ints"])
def test_dump_writes_the_bytes_of_the_standard_json_encoder(extra):
    """The fast encoder is an implementation detail: the bytes are json.dumps(indent=2, sort_keys=True,
    ensure_ascii=False)'s for hostile text, keys sorted by code point, and integers of any size."""
    from x121_docs.catalog.model import Column, Table
    from x121_docs.catalog.serialize import to_data

    every = every_character()
    columns = tuple(Column(name=name, position=i, data_type="text", type_name="text", type_schema="pg_catalog",
                           nullable=True, comment=comment)
                    for i, (name, comment) in enumerate([("é", every), ("\x00z", '"\\\n\u2028'),
                                                         ("Z", "\U0001F600 \x7f \t"), ("a", None)], start=1))
    catalog = Catalog(database="d\x01b", server_version="18", tables=(
        Table(schema="s", name="t\x1f", kind="table", oid=2 ** 32 - 1, columns=columns, comment=every),),
        extra={"z": {"ä": 1, "A": [], "": {}}, **extra})
    expected = json.dumps(to_data(catalog), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert dumps(catalog) == expected
    assert loads(expected) == catalog
