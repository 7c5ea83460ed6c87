"""Reflection of a real database into the catalog model (fixture: tests/fixtures/everything.sql)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from x121_docs.catalog import model as m
from x121_docs.catalog.reflect import reflect, reflect_settings

EVERYTHING = Path(__file__).parent / "fixtures" / "everything.sql"


@pytest.fixture
def everything(db_conn: psycopg.Connection) -> m.Catalog:
    db_conn.execute(EVERYTHING.read_text())
    db_conn.execute("ANALYZE public.projects")
    return reflect(db_conn)


def test_schemas_and_relation_kinds(everything: m.Catalog):
    assert [s.name for s in everything.schemas] == ["Audit", "app", "public"]
    assert everything.schemas[1].comment == "Application tables outside public"
    kinds = {t.display_name: t.kind for t in everything.tables}
    assert kinds == {
        "Audit.UserActions": m.TABLE, "active_jobs": m.VIEW, "app.all_events": m.VIEW,
        "app.bookings": m.TABLE, "app.event_log": m.TABLE, "app.events": m.TABLE, "app.project_counts": m.MATERIALIZED_VIEW,
        "app.shots": m.TABLE, "app.takes": m.TABLE, "cars": m.TABLE, "job_statuses": m.TABLE, "jobs": m.TABLE,
        "measurements": m.PARTITIONED_TABLE, "measurements_2025": m.TABLE, "measurements_2026": m.TABLE,
        "projects": m.TABLE, "vehicles": m.TABLE,
    }
    # sorted by (schema, name) in code-point order, whatever the server collation
    assert [t.key for t in everything.tables] == sorted(t.key for t in everything.tables)
    assert everything.database.startswith("t_")
    assert everything.server_version.split(".")[0] == "18"


def test_columns_types_defaults_identity_generated_serial(everything: m.Catalog):
    events = everything.table("app.events")
    assert [c.name for c in events.columns] == ["id", "seq", "weight_kg", "weight_g", "mood", "tags", "amount",
                                                "happened", "at_local", "payload"]
    assert [c.position for c in events.columns] == list(range(1, 11))
    col = events.column
    assert col("id").identity == "always" and col("id").default is None and not col("id").nullable
    assert col("id").serial_sequence is None  # identity, not serial
    assert col("seq").is_serial and col("seq").serial_sequence == "app.events_seq_seq"
    assert col("seq").default == "nextval('app.events_seq_seq'::regclass)"
    assert col("weight_g").generated == "(weight_kg * (1000)::numeric)" and col("weight_g").default is None
    assert col("weight_kg").data_type == "numeric(8,2)"
    assert (col("mood").type_name, col("mood").type_schema) == ("mood", "app")
    assert col("tags").is_array and col("tags").data_type == "text[]" and col("tags").type_name == "_text"
    assert col("amount").data_type == "app.positive_int"
    assert col("at_local").data_type == "time with time zone"
    assert col("payload").type_name == "json"
    assert everything.table("app.event_log").column("by_default").identity == "by default"
    projects = everything.table("projects")
    assert projects.column("id").serial_sequence == "public.projects_id_seq" and projects.column("id").type_name == "int8"
    assert projects.column("title").data_type == "character varying(200)"
    assert projects.column("code").data_type == "character(3)"
    assert projects.column("archived").default == "false" and not projects.column("archived").nullable
    assert projects.column("created_at").default == "now()"
    assert projects.column("name").comment == "Display name" and projects.column("code").comment is None
    assert projects.comment == "Projects"
    assert projects.estimated_rows == 0  # analysed, empty
    assert everything.table("jobs").estimated_rows is None  # never analysed


def test_primary_unique_check_exclusion_constraints(everything: m.Catalog):
    statuses = everything.table("job_statuses")
    assert statuses.primary_key.name == "job_statuses_pkey" and statuses.primary_key.columns == ("id",)
    assert statuses.primary_key.index == "job_statuses_pkey"
    assert [(u.name, u.columns) for u in statuses.uniques] == [("uq_job_statuses_name", ("name",))]
    shots = everything.table("app.shots")
    assert shots.primary_key.columns == ("project_id", "shot_no")
    takes = everything.table("app.takes")
    assert takes.uniques[0].columns == ("project_id", "shot_no", "take_no")
    jobs = everything.table("jobs")
    assert [c.name for c in jobs.checks] == ["ck_jobs_priority"]
    assert jobs.checks[0].columns == ("priority",)
    assert jobs.checks[0].definition == "CHECK (priority >= 0 AND priority <= 10)"
    bookings = everything.table("app.bookings")
    ex = bookings.exclusions[0]
    assert (ex.name, ex.kind, ex.columns, ex.index) == ("ex_bookings_during", "exclusion", ("during",), "ex_bookings_during")
    assert everything.table("app.event_log").primary_key is None
    assert everything.table("cars").primary_key is None  # PKs are not inherited
    ua = everything.table("UserActions", schema="Audit")
    assert ua.primary_key.columns == ("ActionId",) and ua.column("ActionId").type_name == "uuid"


def test_foreign_keys_actions_deferrable_validity_composite_self(everything: m.Catalog):
    jobs = everything.table("jobs")
    assert [fk.name for fk in jobs.foreign_keys] == ["fk_jobs_parent", "fk_jobs_status", "jobs_project_id_fkey"]
    parent, status, project = jobs.foreign_keys
    assert parent.is_self_reference and parent.on_delete == m.SET_NULL and parent.on_update == m.NO_ACTION
    assert status.deferrable and status.initially_deferred and status.on_delete == m.NO_ACTION
    assert (project.columns, project.ref_table, project.ref_columns) == (("project_id",), "projects", ("id",))
    assert (project.on_delete, project.on_update) == (m.CASCADE, m.RESTRICT)
    takes = everything.table("app.takes")
    event, shot = takes.foreign_keys
    assert shot.columns == ("project_id", "shot_no") and shot.ref_columns == ("project_id", "shot_no")
    assert (shot.ref_schema, shot.ref_table, shot.match) == ("app", "shots", "FULL")
    assert event.on_delete == m.SET_DEFAULT and not event.validated and shot.validated
    assert takes.fk_triggers_disabled and not jobs.fk_triggers_disabled
    assert takes.triggers == ()  # internal RI triggers are not user triggers
    # the FK declared on the partitioned parent: once on the parent, inherited on each partition
    parent_fk = everything.table("measurements").foreign_keys
    assert [(fk.name, fk.inherited_from) for fk in parent_fk] == [("fk_measurements_project", None)]
    part_fk = everything.table("measurements_2025").foreign_keys
    assert [(fk.ref_table, fk.inherited_from) for fk in part_fk] == [("projects", "fk_measurements_project")]
    incoming = {(fk.schema, fk.table) for fk in everything.referencing(everything.table("projects"))}
    assert incoming == {("Audit", "UserActions"), ("app", "shots"), ("public", "jobs"), ("public", "measurements"),
                        ("public", "measurements_2025"), ("public", "measurements_2026")}
    assert all(fk.on_delete in (m.CASCADE, m.SET_NULL, m.SET_DEFAULT, m.RESTRICT, m.NO_ACTION)
               for fk in everything.foreign_keys)


def test_indexes_partial_include_expression_and_backing(everything: m.Catalog):
    jobs = everything.table("jobs")
    idx = {i.name: i for i in jobs.indexes}
    assert sorted(idx) == ["idx_jobs_lower_status", "idx_jobs_open", "idx_jobs_project_id", "jobs_pkey"]
    assert idx["jobs_pkey"].primary and idx["jobs_pkey"].unique and idx["jobs_pkey"].constraint == "jobs_pkey"
    opened = idx["idx_jobs_open"]
    assert opened.key_columns == ("job_status_id",) and opened.include_columns == ("priority",)
    assert opened.predicate == "status IS NOT NULL" and opened.partial and opened.method == "btree"
    expr = idx["idx_jobs_lower_status"]
    assert expr.expressions and expr.key_columns == ("lower(status)",) and expr.opclasses == ("text_pattern_ops",)
    assert idx["idx_jobs_project_id"].opclasses == ("",) and not idx["idx_jobs_project_id"].expressions
    assert idx["idx_jobs_project_id"].definition == "CREATE INDEX idx_jobs_project_id ON public.jobs USING btree (project_id)"
    assert all(i.valid for i in jobs.indexes)
    assert everything.table("app.bookings").indexes[1].method == "gist"
    mixed = everything.table("UserActions", schema="Audit").indexes
    assert [(i.name, i.key_columns) for i in mixed] == [("IX_UserActions_user", ("userName",)),
                                                      ("UserActions_pkey", ("ActionId",))]
    assert everything.table("app.project_counts").indexes[0].unique


def test_partitions_inheritance_views_triggers(everything: m.Catalog):
    meas = everything.table("measurements")
    assert meas.partition_key == "RANGE (taken_on)" and meas.comment == "Partitioned by day taken"
    assert [p.name for p in everything.partitions(meas)] == ["measurements_2025", "measurements_2026"]
    p25 = everything.table("measurements_2025")
    assert p25.partition_of == ("public", "measurements") and p25.is_partition and p25.inherits == ()
    assert p25.partition_bound == "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
    assert p25.primary_key.inherited_from == "measurements_pkey"
    assert all(c.inherited for c in p25.columns)
    cars = everything.table("cars")
    assert cars.inherits == (("public", "vehicles"),) and cars.partition_of is None
    assert [(c.name, c.inherited) for c in cars.columns] == [("id", True), ("wheels", True), ("doors", False)]
    view = everything.table("active_jobs")
    assert view.is_view and "JOIN projects p" in view.view_definition and view.comment == "Jobs with a status"
    assert [c.name for c in view.columns] == ["id", "project_id", "project_name"]
    assert everything.table("app.project_counts").view_definition.strip().startswith("SELECT project_id")
    events = everything.table("app.events")
    assert [(t.name, t.timing, t.events, t.level, t.enabled) for t in events.triggers] == [
        ("trg_events_truncate", "AFTER", ("TRUNCATE",), "STATEMENT", "O"),
        ("trg_events_write", "AFTER", ("INSERT", "UPDATE", "DELETE"), "ROW", "D"),
    ]
    assert events.triggers[1].disabled and not events.fk_triggers_disabled
    proj_trg = everything.table("projects").triggers[0]
    assert (proj_trg.function, proj_trg.timing, proj_trg.comment) == ("public.touch_updated_at", "BEFORE",
                                                                       "Keeps updated_at fresh")
    assert proj_trg.definition.startswith("CREATE TRIGGER trg_projects_updated_at BEFORE UPDATE ON projects")


def test_sequences_enums_domains_extensions(everything: m.Catalog):
    seqs = {(s.schema, s.name): s for s in everything.sequences}
    assert seqs[("app", "ticket_numbers")].data_type == "integer" and seqs[("app", "ticket_numbers")].owned_by is None
    assert seqs[("app", "ticket_numbers")].comment == "Ticket numbers"
    assert seqs[("public", "projects_id_seq")].owned_by == ("public", "projects", "id")
    assert seqs[("public", "projects_id_seq")].data_type == "bigint"
    assert seqs[("app", "events_id_seq")].owned_by == ("app", "events", "id")  # identity sequence
    assert [(e.schema, e.name, e.labels, e.comment) for e in everything.enums] == [
        ("app", "mood", ("sad", "ok", "happy"), "How it feels")]
    assert [(d.schema, d.name, d.base_type, d.not_null, d.default, d.checks) for d in everything.domains] == [
        ("app", "positive_int", "integer", True, "1", ("CHECK (VALUE > 0)",)),
        ("public", "email", "text", False, None, ("CHECK (VALUE ~~ '%@%'::text)",)),
    ]
    assert [x.name for x in everything.extensions] == ["plpgsql"]


def test_schema_filter_and_extension_objects_excluded(db_conn: psycopg.Connection):
    db_conn.execute(EVERYTHING.read_text())
    db_conn.execute("CREATE EXTENSION vector")  # its types and functions belong to the extension
    cat = reflect(db_conn, schemas=["app"])
    assert {t.schema for t in cat.tables} == {"app"} and [s.name for s in cat.schemas] == ["app"]
    # an FK out of the filtered schemas still names its target
    assert cat.table("app.shots").foreign_keys[0].parent == ("public", "projects")
    full = reflect(db_conn)
    assert "vector" in [x.name for x in full.extensions]
    assert not any(t.schema in ("pg_catalog", "information_schema", "pg_toast") for t in full.tables)
    assert all(e.name != "vector" for e in full.enums) and all(d.name != "vector" for d in full.domains)


def test_extension_owned_table_is_excluded(db_conn: psycopg.Connection):
    # ALTER EXTENSION ... ADD records membership exactly as CREATE EXTENSION does (deptype 'e').
    db_conn.execute("CREATE TABLE public.mine (id BIGSERIAL PRIMARY KEY)")
    db_conn.execute("CREATE TABLE public.theirs (id int)")
    db_conn.execute("CREATE EXTENSION vector")
    db_conn.execute("ALTER EXTENSION vector ADD TABLE public.theirs")
    cat = reflect(db_conn)
    names = [t.name for t in cat.tables]
    assert "mine" in names and "theirs" not in names


def _make_tables(conn: psycopg.Connection, n: int) -> None:
    for i in range(n):
        t = f"t{i:03d}"
        conn.execute(sql.SQL("CREATE TABLE {} (id BIGSERIAL PRIMARY KEY, parent_id BIGINT REFERENCES {} (id) "
                             "ON DELETE CASCADE ON UPDATE RESTRICT, name TEXT, created_at TIMESTAMPTZ)")
                     .format(sql.Identifier(t), sql.Identifier(t)))
        conn.execute(sql.SQL("CREATE INDEX {} ON {} (parent_id)").format(sql.Identifier(f"idx_{t}_parent_id"),
                                                                         sql.Identifier(t)))
        conn.execute(sql.SQL("COMMENT ON TABLE {} IS 'x'").format(sql.Identifier(t)))


def test_query_count_is_constant_in_the_number_of_tables(server_settings, db_conn: psycopg.Connection):
    _make_tables(db_conn, 5)
    small = reflect(db_conn)
    with db_conn.transaction():
        db_conn.execute("CREATE SCHEMA more")
        db_conn.execute("SET LOCAL search_path = more")
        _make_tables(db_conn, 45)
    large = reflect(db_conn)
    assert len(small.base_tables) == 5 and len(large.base_tables) == 50
    assert small.query_count == large.query_count > 0
    assert small.query_count <= 12
    assert len(large.foreign_keys) == 50 and all(len(t.indexes) == 2 for t in large.base_tables)


def test_reflect_settings_and_determinism(fresh_db, db_conn: psycopg.Connection):
    db_conn.execute(EVERYTHING.read_text())
    a = reflect_settings(fresh_db)
    b = reflect(db_conn)
    assert a == b  # same snapshot, same model, equality covers every field
    assert a.table("jobs").foreign_keys == b.table("jobs").foreign_keys


def test_reflect_inside_an_open_transaction_sees_uncommitted_ddl(fresh_db):
    from x121_docs.database.connect import connect

    with connect(fresh_db) as conn:  # not autocommit: reflect uses the caller's transaction
        conn.execute("CREATE TABLE pending (id BIGSERIAL PRIMARY KEY, label text NOT NULL)")
        conn.execute("COMMENT ON TABLE pending IS 'not committed yet'")
        pending = reflect(conn).table("pending")
        assert [(c.name, c.nullable) for c in pending.columns] == [("id", False), ("label", False)]
        assert pending.primary_key.columns == ("id",) and pending.comment == "not committed yet"
        conn.rollback()
        assert reflect(conn).get("pending") is None
