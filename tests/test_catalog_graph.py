"""The schema-level FK graph against what PostgreSQL really does when a row is deleted."""

from __future__ import annotations

import psycopg
import pytest

from x121_docs.catalog import graph, reflect

SCHEMA = """
CREATE TABLE studios (id bigint PRIMARY KEY);
CREATE TABLE projects (id bigint PRIMARY KEY, studio_id bigint REFERENCES studios ON DELETE CASCADE);
CREATE TABLE scenes (id bigint PRIMARY KEY, project_id bigint REFERENCES projects ON DELETE CASCADE,
                     parent_id bigint REFERENCES scenes ON DELETE CASCADE);
CREATE TABLE notes (id bigint PRIMARY KEY, scene_id bigint REFERENCES scenes ON DELETE SET NULL);
CREATE TABLE tags (id bigint PRIMARY KEY, scene_id bigint DEFAULT NULL REFERENCES scenes ON DELETE SET DEFAULT);
CREATE TABLE invoices (id bigint PRIMARY KEY, project_id bigint REFERENCES projects ON DELETE RESTRICT);
-- a cycle: a <-> b, both cascading
CREATE TABLE a (id bigint PRIMARY KEY, b_id bigint);
CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint REFERENCES a ON DELETE CASCADE);
ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE CASCADE;
-- key updates: codes referenced by code, cascading on update
CREATE TABLE codes (code text PRIMARY KEY);
CREATE TABLE coded (id bigint PRIMARY KEY, code text REFERENCES codes ON UPDATE CASCADE ON DELETE NO ACTION);
"""


@pytest.fixture
def cat(db_conn):
    db_conn.execute(SCHEMA)
    return reflect(db_conn)


def k(name):
    return ("public", name)


def test_delete_reach_follows_cascades_transitively(cat):
    r = graph.reach(cat, k("studios"))
    assert r.deleted == (k("projects"), k("scenes"))
    assert r.nulled == (k("notes"),)
    assert r.defaulted == (k("tags"),)
    assert r.refused == (k("invoices"),)
    step = next(s for s in r.steps if s.fk.child == k("notes"))
    assert step.path == (k("studios"), k("projects"), k("scenes"), k("notes")) and step.depth == 3
    assert graph.reach(cat, k("notes")).steps == ()


def test_cycles_terminate_and_report_both_sides(cat):
    r = graph.reach(cat, k("a"))
    assert r.deleted == (k("a"), k("b"))  # b's rows go, and through them a's other rows
    assert len(r.steps) == 2


def test_update_reach_only_follows_changed_key_columns(cat):
    r = graph.reach(cat, k("codes"), "update")
    assert [(s.fk.child, s.outcome) for s in r.steps] == [(k("coded"), graph.UPDATED)]
    assert graph.reach(cat, k("codes")).refused == (k("coded"),)


def test_neighbourhood_and_components(cat):
    assert graph.neighbourhood(cat, k("scenes"), 1) == (k("notes"), k("projects"), k("scenes"), k("tags"))
    assert k("studios") in graph.neighbourhood(cat, k("scenes"), 2)
    assert k("projects") not in graph.neighbourhood(cat, k("scenes"), 2, exclude=[k("projects")])
    comps = graph.components(cat, [t.key for t in cat.tables])
    assert (k("a"), k("b")) in comps and (k("coded"), k("codes")) in comps
    assert comps[0] == tuple(sorted(k(n) for n in ("studios", "projects", "scenes", "notes", "tags", "invoices")))


def test_reach_matches_what_postgresql_does(cat, db_conn):
    db_conn.execute("""
        INSERT INTO studios VALUES (1);
        INSERT INTO projects VALUES (10, 1);
        INSERT INTO scenes VALUES (100, 10, NULL), (101, 10, 100);
        INSERT INTO notes VALUES (1, 101);
        INSERT INTO tags VALUES (1, 100);
    """)
    r = graph.reach(cat, k("studios"))
    counts = lambda: {t: db_conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: E731
                      for t in ("projects", "scenes", "notes", "tags")}
    before = counts()
    db_conn.execute("DELETE FROM studios WHERE id = 1")
    after = counts()
    lost = {k(t) for t in before if after[t] < before[t]}
    assert lost == set(r.deleted)
    assert db_conn.execute("SELECT scene_id FROM notes").fetchone()[0] is None  # nulled
    assert db_conn.execute("SELECT scene_id FROM tags").fetchone()[0] is None  # default (NULL)
    # and a refusal deep in the cascade aborts the whole delete
    db_conn.execute("INSERT INTO studios VALUES (2); INSERT INTO projects VALUES (20, 2); INSERT INTO invoices VALUES (1, 20)")
    with pytest.raises(psycopg.errors.RestrictViolation):
        db_conn.execute("DELETE FROM studios WHERE id = 2")
