"""The schema diff on catalog models (pure: two `Catalog` values, no database)."""

from __future__ import annotations

from dataclasses import replace

from x121_docs.catalog.model import Catalog, Column, Constraint, EnumType, ForeignKey, Sequence, Table
from x121_docs.review.diff import diff
from x121_docs.review.report import compare


def col(name: str, pos: int, typ: str = "bigint", nullable: bool = False, **kw) -> Column:
    return Column(name, pos, typ, typ, "pg_catalog", nullable, **kw)


def fk(child: str, name: str, cols: tuple[str, ...], parent: str, on_delete: str = "CASCADE") -> ForeignKey:
    return ForeignKey(name, "public", child, cols, "public", parent, ("id",), on_delete, "CASCADE")


PARENT = Table("public", "projects", "table", 1, columns=(col("id", 1),),
               primary_key=Constraint("projects_pkey", "primary key", ("id",), "PRIMARY KEY (id)"))
CHILD = Table("public", "scenes", "table", 2, columns=(col("id", 1), col("project_id", 2), col("title", 3, "text")),
              foreign_keys=(fk("scenes", "scenes_project_id_fkey", ("project_id",), "projects"),))
BASE = Catalog("a", "18", tables=(PARENT, CHILD), sequences=(Sequence("public", "scenes_id_seq", "bigint",
                                                                      ("public", "scenes", "id")),))


def kinds(d) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(c.kind, c.action, c.name) for c in d.changes]


def test_same_schema_from_another_database_has_no_changes():
    other = replace(BASE, database="b", server_version="18.4", tables=tuple(replace(t, oid=t.oid + 100,
                                                                                  estimated_rows=5) for t in BASE.tables))
    assert diff(BASE, other).empty


def test_table_renamed_is_one_possible_rename_and_keeps_its_sequence_quiet():
    renamed = replace(CHILD, name="shots", foreign_keys=(fk("shots", "scenes_project_id_fkey", ("project_id",),
                                                               "projects"),))
    head = replace(BASE, tables=(PARENT, renamed))
    d = diff(BASE, head)
    assert kinds(d)[0] == ("table", "possible rename", "shots")
    assert d.renamed_tables == ((("public", "scenes"), ("public", "shots")),)
    assert not any(c.action in ("added", "removed") and c.kind == "table" for c in d.changes)


def test_two_dropped_columns_of_one_type_and_one_added_are_not_guessed_as_a_rename():
    t0 = replace(CHILD, columns=CHILD.columns + (col("a", 4, "text"),))
    t1 = replace(CHILD, columns=(col("id", 1), col("project_id", 2), col("b", 3, "text")))
    d = diff(replace(BASE, tables=(PARENT, t0)), replace(BASE, tables=(PARENT, t1)))
    assert sorted(kinds(d)) == [("column", "added", "scenes.b"), ("column", "removed", "scenes.a"),
                                ("column", "removed", "scenes.title")]


def test_fk_renamed_with_the_same_definition_is_a_change_of_name_and_action():
    head_child = replace(CHILD, foreign_keys=(fk("scenes", "fk_scenes_project", ("project_id",), "projects",
                                                 "SET NULL"),))
    d = diff(BASE, replace(BASE, tables=(PARENT, head_child)))
    (c,) = d.changes
    assert (c.kind, c.action, c.fields) == ("foreign key", "changed", ("name", "on_delete"))
    assert c.related == (("public", "projects"),)


def test_column_type_default_and_nullability_before_after():
    t1 = replace(CHILD, columns=(col("id", 1), col("project_id", 2),
                                 col("title", 3, "character varying(80)", nullable=True, default="'x'")))
    (c,) = diff(BASE, replace(BASE, tables=(PARENT, t1))).changes
    assert c.fields == ("type", "nullable", "default")
    assert (c.before["type"], c.after["type"], c.before["default"], c.after["default"]) == \
        ("text", "character varying(80)", None, "'x'")


def test_enum_labels_lookup_values_and_comments():
    base = replace(BASE, enums=(EnumType("public", "mood", ("happy",)),),
                   extra={"lookup_values": {"projects": {"key": ["id"], "columns": ["id", "name"],
                                                         "rows": [["1", "draft"], ["2", "live"]]}}})
    head = replace(base, enums=(EnumType("public", "mood", ("happy", "sad")),),
                   tables=(replace(PARENT, comment="Films."), CHILD),
                   extra={"lookup_values": {"projects": {"key": ["id"], "columns": ["id", "name"],
                                                         "rows": [["1", "drafting"], ["3", "archived"]]}}})
    assert kinds(diff(base, head)) == [
        ("enum", "changed", "mood"), ("comment", "added", "table projects"),
        ("lookup value", "changed", "projects id=1"), ("lookup value", "removed", "projects id=2"),
        ("lookup value", "added", "projects id=3")]


def test_reach_of_a_review_from_models():
    head_child = replace(CHILD, foreign_keys=(fk("scenes", "scenes_project_id_fkey", ("project_id",), "projects",
                                                 "RESTRICT"),))
    review = compare(BASE, replace(BASE, tables=(PARENT, head_child)), "a", "b", with_diagram=True)
    (r,) = [r for r in review.reach if r.event == "delete"]
    assert r.start == ("public", "projects")
    assert [(x.table, x.outcome) for x in r.gained] == [(("public", "scenes"), "refuse")]
    assert [(x.table, x.outcome) for x in r.lost] == [(("public", "scenes"), "lose rows")]
    assert review.svg is not None and "x121_changed" in review.svg.text


def test_trigger_and_check_changes_and_the_lookup_row_in_markdown():
    from x121_docs.catalog.model import Trigger
    from x121_docs.review.render import to_markdown

    trg = Trigger("trg_scenes_updated_at", "BEFORE", ("UPDATE",), "ROW", "public.set_updated_at", "O",
                  "CREATE TRIGGER trg_scenes_updated_at BEFORE UPDATE ON scenes FOR EACH ROW EXECUTE FUNCTION "
                  "set_updated_at()")
    check = Constraint("ck_title", "check", ("title",), "CHECK (title <> '')")
    base = replace(BASE, tables=(PARENT, replace(CHILD, triggers=(trg,), checks=(check,))),
                   extra={"lookup_values": {"projects": {"key": ["id"], "columns": ["id"], "rows": [["1"]]}}})
    head = replace(BASE, tables=(PARENT, replace(CHILD, triggers=(replace(trg, enabled="D"),),
                                                 checks=(replace(check, definition="CHECK (length(title) > 2)"),))),
                   extra={"lookup_values": {"projects": {"key": ["id"], "columns": ["id"], "rows": [["1"], ["2"]]}}})
    review = compare(base, head, "a", "b", with_diagram=False)
    assert kinds(review.diff) == [("lookup value", "added", "projects id=2"), ("check", "changed", "scenes.ck_title"),
                                  ("trigger", "changed", "scenes.trg_scenes_updated_at")]
    md = to_markdown(review)
    assert "| + | lookup value `projects id=2` | added: id `2` |" in md
    assert "enabled: `O` \u2192 `D`" in md
    assert "definition: `CHECK (title <> '')` \u2192 `CHECK (length(title) > 2)`" in md


def test_a_dropped_table_is_red_in_the_diagram_and_its_fk_dashed():
    review = compare(BASE, replace(BASE, tables=(PARENT,), sequences=()), "a", "b")
    assert [(c.kind, c.action, c.name) for c in review.diff.changes] == [("table", "removed", "scenes")]
    svg = review.svg.text
    assert '<g class="node x121_removed">' in svg and "#c62828" in svg
    assert '<g class="edge x121_fk x121_removed">' in svg and 'stroke-dasharray' in svg
    assert '<g class="node x121_unchanged">' in svg  # projects, the parent it pointed at, grey
