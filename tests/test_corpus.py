"""The public corpus schemas (../shared/corpus/) through `lint --db`, `docs build` and `scan orphans`.

Schemas written by others (MusicBrainz, AdventureWorks, Pagila, OpenStreetMap, Northwind,
Chinook) are where the workbench meets what it was not written for: many schemas, partitions,
domains, enums, quoted names, composite and NOT VALID FKs.  Each test checks one command's output
against facts read from the catalog by queries written here, independently of the workbench's
reflection: a shared mistake cannot make both sides agree.  The schemas hold no rows.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import psycopg
import pytest

from x121_docs.database.connect import conn_params

from corpus_support import schema_names
from conftest import _SCRUBBED_ENV

SCHEMAS = schema_names() or ["(no corpus)"]
# The mkdocs site is built for the smaller schemas; MusicBrainz's 1,058 pages go through mkdocs in
# bench/bench_corpus.py (about a minute), its Markdown and diagrams are checked here like the others'.
SITE_SKIPPED = {"musicbrainz"}

# -- independent catalog facts ---------------------------------------------------------------------
_USER_RELATIONS = """
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')"""
_LINTED_TABLES = _USER_RELATIONS + " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _facts(conn: psycopg.Connection) -> dict:
    q = lambda text: conn.execute(text).fetchall()  # noqa: E731
    relations = q("SELECT n.nspname, c.relname, c.relkind, c.oid" + _USER_RELATIONS
                  + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')")
    columns = q("SELECT a.attrelid, a.attname FROM pg_attribute a WHERE a.attnum > 0 AND NOT a.attisdropped "
                "AND a.attrelid IN (SELECT c.oid" + _USER_RELATIONS + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))")
    fks = q("SELECT con.conrelid, con.conname, con.confdeltype, con.confupdtype, con.convalidated, "
            "       rn.nspname, r.relname "
            "FROM pg_constraint con JOIN pg_class r ON r.oid = con.confrelid "
            "JOIN pg_namespace rn ON rn.oid = r.relnamespace "
            "WHERE con.contype = 'f' AND con.conparentid = 0 AND con.conrelid IN (SELECT c.oid" + _USER_RELATIONS + ")")
    unindexed = q("""
        SELECT con.oid FROM pg_constraint con
        WHERE con.contype = 'f' AND con.conparentid = 0 AND con.conrelid IN (SELECT c.oid""" + _LINTED_TABLES + """)
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL AND am.amname = 'btree'
              AND i.indnkeyatts >= cardinality(con.conkey)
              AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(con.conkey) - 1]) k)
                  = (SELECT array_agg(k ORDER BY k) FROM unnest(con.conkey) k))""")
    no_pk = q("SELECT c.oid" + _LINTED_TABLES
              + " AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')")
    varchar_n = q("SELECT a.attrelid, a.attname FROM pg_attribute a WHERE a.attnum > 0 AND NOT a.attisdropped "
                  "AND a.attislocal AND a.atttypid IN ('varchar'::regtype, '_varchar'::regtype) AND a.atttypmod > 0 "
                  "AND a.attrelid IN (SELECT c.oid" + _LINTED_TABLES + ")")
    # integer *_id columns of row-holding tables that no FK covers and that are not the table's sole PK column
    soft = q("SELECT a.attrelid, a.attname FROM pg_attribute a WHERE a.attnum > 0 AND NOT a.attisdropped "
             "AND a.attname LIKE '%%\\_id' AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) "
             "AND a.attrelid IN (SELECT c.oid" + _LINTED_TABLES + ") "
             "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = a.attrelid AND f.contype = 'f' "
             "                AND a.attnum = ANY (f.conkey)) "
             "AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = a.attrelid AND p.contype = 'p' "
             "                AND p.conkey = ARRAY[a.attnum])")
    return {"relations": relations, "columns": columns, "fks": fks, "unindexed": len(unindexed), "soft": soft,
            "no_pk": len(no_pk), "varchar_n": len(varchar_n)}


@pytest.fixture(scope="module")
def facts(corpus_db):
    """Catalog facts per corpus schema, read once per test process."""
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            with psycopg.connect(**conn_params(corpus_db(name))) as conn:
                cache[name] = _facts(conn)
        return cache[name]

    return get


# -- running the commands -------------------------------------------------------------------------
@pytest.fixture
def run_on(corpus_db, monkeypatch, tmp_path, capsys):
    """Run `x121-docs ARGS` in-process on a corpus database, from an empty folder; no warning may be raised."""
    from x121_docs.cli import main

    def run(name: str, *args: str) -> tuple[int, str, str]:
        settings = corpus_db(name)
        for var in _SCRUBBED_ENV:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.chdir(tmp_path)
        for var, value in (("DB_HOST", settings.host), ("DB_PORT", str(settings.port)), ("DB_USER", settings.user),
                           ("DB_NAME", settings.name), ("COLUMNS", "200")):
            monkeypatch.setenv(var, value)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = main(list(args))
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err, err
        assert not re.search(r"\bwarning\b", err, re.I), err
        ours = [w for w in caught if "x121_docs" in str(w.filename) or "x121_docs" in str(w.message)]
        assert ours == [], [str(w.message) for w in ours]
        return code, out, err

    return run


def _display(nspname: str, relname: str, multi_schema: bool) -> str:
    return f"{nspname}.{relname}" if multi_schema else relname


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# -- lint --db ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCHEMAS)
def test_lint_counts_equal_the_catalog(name, run_on, facts):
    code, out, _ = run_on(name, "lint", "--db", "--format", "json")
    assert code in (0, 1), out
    findings = json.loads(out)["findings"]
    fact = facts(name)

    def count(rule: str, detail: str | None = None) -> int:
        return sum(1 for f in findings if f["rule"] == rule and (detail is None or f.get("detail") == detail))

    assert count("fk-indexed") == fact["unindexed"], "unindexed FKs"
    assert count("pk-bigserial", "no-pk") == fact["no_pk"], "tables without a primary key"
    assert count("text-not-varchar", "varchar") == fact["varchar_n"], "varchar(n) columns"


# -- docs build -----------------------------------------------------------------------------------
def _pages(generated: Path) -> dict[str, str]:
    """Relation pages by their title (the H1: the relation's display name)."""
    pages = {}
    for path in sorted((generated / "tables").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# "), path
        pages[_unescape(first[2:].strip())] = text
    return pages


def _table_rows(text: str, header_starts: str) -> list[list[str]]:
    lines = text.splitlines()
    rows = []
    for i, line in enumerate(lines):
        if line.startswith(header_starts):
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([_unescape(c.strip()) for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]])
    return rows


@pytest.mark.parametrize("name", SCHEMAS)
def test_docs_document_every_relation_column_and_fk(name, run_on, facts, tmp_path):
    args = ("docs", "build") + (("--no-site",) if name in SITE_SKIPPED else ())
    code, out, _ = run_on(name, *args)
    assert code == 0, out
    fact = facts(name)
    multi = len({r[0] for r in fact["relations"]}) > 1
    pages = _pages(tmp_path / "docs" / "generated")
    by_oid = {oid: _display(ns, rel, multi) for ns, rel, _kind, oid in fact["relations"]}
    missing = sorted(set(by_oid.values()) - pages.keys())
    assert missing == [], f"relations without a page: {missing[:10]}"

    documented_columns: dict[str, set[str]] = {}
    for title, text in pages.items():
        documented_columns[title] = {re.sub(r"^\*\*(.*)\*\*.*$", r"\1", row[1]) for row in _table_rows(text, "| # | Column")}
    undocumented = sorted(f"{by_oid[rel]}.{col}" for rel, col in fact["columns"]
                          if col not in documented_columns[by_oid[rel]])
    assert undocumented == [], f"columns not documented: {undocumented[:10]}"

    wrong = []
    for rel, conname, deltype, updtype, _valid, ref_ns, ref_rel in fact["fks"]:
        rows = {r[0]: r for r in _table_rows(pages[by_oid[rel]], "| Name | Columns | References")}
        row = rows.get(conname)
        expected = (_ACTIONS[deltype], _ACTIONS[updtype])
        # columns: Name | Columns | References | On delete | On update | Referenced columns [| Notes]
        if row is None or not (row[3].startswith(expected[0]) and row[4].startswith(expected[1])) \
                or _display(ref_ns, ref_rel, multi) not in row[2]:
            wrong.append(f"{by_oid[rel]}.{conname}: expected {expected} -> {_display(ref_ns, ref_rel, multi)}, got {row}")
    assert wrong == [], f"{len(wrong)} FKs not documented with their actions: {wrong[:5]}"
    if name not in SITE_SKIPPED:
        assert (tmp_path / "site" / "index.html").is_file()


# -- scan orphans ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCHEMAS)
def test_orphan_scan_covers_every_fk(name, run_on, facts):
    code, out, _ = run_on(name, "scan", "orphans", "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    fact = facts(name)
    multi = len({r[0] for r in fact["relations"]}) > 1
    by_oid = {oid: _display(ns, rel, multi) for ns, rel, _kind, oid in fact["relations"]}
    scanned = {(fk["table"], fk["constraint"]): fk for fk in report["foreign_keys"]}
    expected = {(by_oid[rel], conname) for rel, conname, *_ in fact["fks"]}
    assert sorted(expected - scanned.keys()) == [], "FKs the scan left out"
    soft = {(s["table"], s["column"]) for s in report["soft_references"]}
    assert soft == {(by_oid[rel], col) for rel, col in fact["soft"]}, "soft references (integer *_id columns without a FK)"
    failed = [(k, v["error"]) for k, v in scanned.items() if v["error"] or v["orphans"]]
    assert failed == [], f"an empty database has no orphans and every check runs: {failed[:5]}"


# -- delete-preview -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCHEMAS)
def test_delete_preview_queries_run_both_ways_on_the_widest_cascades(name, corpus_db):
    """Every query of the preview, chained and with temporary tables, on the 12 tables whose delete
    reaches the most tables and references: composite and cross-schema FKs, partitions, quoted names
    and every key type must make valid SQL.  (No rows: the key is NULL, so each query runs and counts
    nothing.)"""
    from x121_docs.catalog.reflect import reflect
    from x121_docs.integrity.impact import Impact, _Walk

    def reach(walk: _Walk) -> int:
        return len(walk.reached) + sum(map(len, walk.edges_in.values()))

    with psycopg.connect(autocommit=True, **conn_params(corpus_db(name))) as conn:
        catalog = reflect(conn)
        walks = [(reach(_Walk(conn, catalog, t)), t.display_name, t) for t in catalog.base_tables
                 if t.primary_key and t.primary_key.columns]
        widest = [t for n, _, t in sorted(walks, key=lambda w: (-w[0], w[1]))[:12] if n > 1]
        assert widest, "no table is referenced"
        for table in widest:
            out = {}
            for chain in (False, True):
                walk = _Walk(conn, catalog, table, chain=chain)
                impact = Impact(catalog.database, table.display_name, {})
                with conn.transaction(force_rollback=True):
                    walk.create()
                    assert walk.seed((None,) * len(table.primary_key.columns)) == 0
                    impact.rounds = walk.run()
                    walk.result(impact)
                out[chain] = (walk.chained, impact.canonical())
            assert out[False][1] == out[True][1] and not out[False][0], table.display_name
