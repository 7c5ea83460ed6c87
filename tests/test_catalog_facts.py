"""catalog.facts: the one definition of each derived figure (lookup tables, FK covered by an index,
comment coverage, inheritance), on hand-built catalogs that isolate each rule."""

from __future__ import annotations

from x121_docs.catalog import facts
from x121_docs.catalog.model import Catalog, Column, ForeignKey, Index, Table


def _col(name: str, pos: int, comment: str | None = None, inherited: bool = False) -> Column:
    return Column(name, pos, "bigint", "int8", "pg_catalog", False, comment=comment, inherited=inherited)


def _ix(name: str, keys: tuple[str, ...], *, method: str = "btree", valid: bool = True, predicate: str | None = None):
    return Index(name, method, False, False, valid, keys, predicate=predicate)


def test_lookup_rule_suffixes_names_and_patterns():
    cat = Catalog("d", "18", tables=(  # sorted by (schema, name), as reflection leaves them
        Table("public", "job_statuses", "table", 1), Table("public", "job_types", "table", 3),
        Table("public", "jobs", "table", 4), Table("public", "roles", "table", 2),
        Table("public", "v_statuses", "view", 5), Table("ref", "colours", "table", 6)))
    assert facts.lookup_tables(cat) == (("public", "job_statuses"), ("public", "job_types"), ("public", "roles"))
    rule = facts.LookupRule(suffixes=("_statuses",), names=("ref.*",))
    assert facts.lookup_tables(cat, rule) == (("public", "job_statuses"), ("ref", "colours"))
    assert [t.name for t in cat.lookup_tables()] == ["job_statuses", "job_types", "roles"]  # the same definition


def test_an_fk_is_covered_only_by_a_valid_full_btree_on_its_leading_columns():
    fk = ForeignKey("fk", "public", "t", ("a", "b"), "public", "p", ("x", "y"), "CASCADE", "NO ACTION")
    cases = {
        (_ix("i", ("b", "a", "c")),): True,  # any order, extra trailing keys
        (_ix("i", ("a",)),): False,  # not all FK columns
        (_ix("i", ("c", "a", "b")),): False,  # not leading
        (_ix("i", ("a", "b"), predicate="a > 0"),): False,  # partial
        (_ix("i", ("a", "b"), valid=False),): False,  # failed concurrent build
        (_ix("i", ("a", "b"), method="hash"),): False,
    }
    for indexes, covered in cases.items():
        t = Table("public", "t", "table", 1, foreign_keys=(fk,), indexes=indexes)
        cat = Catalog("d", "18", tables=(t, Table("public", "p", "table", 2)))
        assert facts.fk_covered(cat, fk) is covered, indexes


def test_comment_coverage_counts_own_columns_of_tables_and_skips_tooling_and_blank_comments():
    parent = Table("public", "parent", "table", 1, columns=(_col("id", 1, "key"), _col("x", 2, "  ")), comment="P")
    child = Table("public", "child", "table", 2, columns=(_col("id", 1, inherited=True), _col("y", 2, "y!")),
                  inherits=(("public", "parent"),))
    view = Table("public", "v", "view", 3, columns=(_col("id", 1, "c"),), comment="V")
    ledger = Table("public", "_sqlx_migrations", "table", 4, columns=(_col("version", 1),))
    cat = Catalog("d", "18", tables=(ledger, child, parent, view))
    cov = facts.coverage(cat)
    assert (cov.tables.have, cov.tables.total) == (1, 2)  # the ledger is tooling; views apart
    assert (cov.columns.have, cov.columns.total) == (2, 3)  # child.id is inherited; '  ' is no comment
    assert (cov.overall.have, cov.overall.total) == (3, 5) and cov.overall.percent == "60.0 %"
    assert (cov.views.have, cov.views.total) == (1, 1)
    inh = facts.inheritance(cat)
    assert inh.children == {("public", "parent"): (("public", "child"),)}
    assert inh.column_origin(cat, child, child.column("id")) is parent
    assert inh.column_origin(cat, child, child.column("y")) is None
