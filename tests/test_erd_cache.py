"""The layout cache's request keys (docs/erd.py `_request`): a diagram taken from the cache is the one
drawn now, whatever fact of a table changed, and a fact no diagram shows (a comment, the row estimate,
the oid) redraws nothing. Run on pagila (../shared/corpus), every field of its model mutated in turn."""

from __future__ import annotations

import dataclasses

import pytest

from x121_docs.catalog import graph, reflect_settings
from x121_docs.catalog.model import Catalog, Constraint, Index, Table
from x121_docs.docs import erd, erd_cache

FOCUS = ("public", "rental")
#: Facts of a table that no diagram draws: changing them must find the cached layout.
UNDRAWN = {"Table.comment", "Table.oid", "Table.estimated_rows", "Column.comment", "Column.default",
           "Column.serial_sequence"}
#: Table fields holding records (changed one by one below where a diagram draws them).
RECORDS = ("primary_key", "uniques", "checks", "exclusions", "foreign_keys", "indexes", "triggers", "rules")


@pytest.fixture(scope="module")
def pagila(corpus_db) -> Catalog:
    return reflect_settings(corpus_db("pagila"))


def _other(value: object) -> object:
    """A different value of the same kind, or None when there is no obvious one."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "_x"
    if value is None:
        return "x"
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return tuple(reversed(value)) if len(value) > 1 else value + ("x",)
    return None


def _mutations(cat: Catalog, key: tuple[str, str]):
    """(label, catalog) for each scalar field of the table, of each of its columns and of its FKs changed."""
    t = cat.table(key[1], key[0])

    def swap(new: Table) -> Catalog:
        return dataclasses.replace(cat, tables=tuple(new if x.key == key else x for x in cat.tables))

    for f in dataclasses.fields(Table):
        value = None if f.name in ("schema", "name", "kind", *RECORDS) else _other(getattr(t, f.name))
        if value is not None:
            yield f"Table.{f.name}", swap(dataclasses.replace(t, **{f.name: value}))
    if t.primary_key is not None:
        yield "Table.primary_key", swap(dataclasses.replace(
            t, primary_key=dataclasses.replace(t.primary_key, columns=(t.columns[-1].name,))))
    yield "Table.kind", swap(dataclasses.replace(t, kind="view"))
    plain = next(c.name for c in t.columns if c.name not in erd.key_columns(t))  # a column no key is made of
    yield "Table.uniques", swap(dataclasses.replace(
        t, uniques=t.uniques + (Constraint(f"{t.name}_{plain}_key", "unique", (plain,), f"UNIQUE ({plain})"),)))
    yield "Table.indexes", swap(dataclasses.replace(t, indexes=t.indexes + (
        Index(f"{t.name}_{plain}_idx", "btree", True, False, True, (plain,)),)))
    for nested, items in (("Column", t.columns), ("ForeignKey", t.foreign_keys)):
        for i, item in enumerate(items):
            for f in dataclasses.fields(item):
                if nested == "ForeignKey" and f.name in ("schema", "table", "ref_schema", "ref_table"):
                    continue  # another table's FK: the graph itself changes (covered by the neighbourhood)
                value = _other(getattr(item, f.name))
                if value is None:
                    continue
                changed = list(items)
                changed[i] = dataclasses.replace(item, **{f.name: value})
                field = "columns" if nested == "Column" else "foreign_keys"
                yield f"{nested}.{f.name}", swap(dataclasses.replace(t, **{field: tuple(changed)}))


@pytest.mark.parametrize("stubs, columns", [(False, True), (True, True), (True, erd.KEYS)])
def test_a_diagram_from_its_request_key_is_the_one_drawn_now(pagila, tmp_path, stubs, columns):
    keys = graph.neighbourhood(pagila, FOCUS, 1)
    lookups = {("public", "language")}

    def draw(cat: Catalog) -> erd.Svg:
        return erd.draw(cat, keys, link=lambda k: f"{k[1]}.html", folded=lookups, focus=FOCUS, stubs=stubs,
                        columns=columns)

    with erd_cache.open_cache(tmp_path):
        draw(pagila)
    neighbour = next(k for k in keys if k != FOCUS)
    redrawn, kept = set(), set()
    # a neighbour's facts: once, with the stubs drawn; in KEYS mode only theirs (the focus is drawn whole, as before)
    for key in (FOCUS,) if not stubs else (neighbour,) if columns == erd.KEYS else (FOCUS, neighbour):
        for label, changed in _mutations(pagila, key):
            fresh = draw(changed)  # no cache open: laid out now
            with erd_cache.open_cache(tmp_path) as cache:
                got = draw(changed)
            assert (got.text, got.width, got.height) == (fresh.text, fresh.width, fresh.height), \
                f"{label} of {key[1]} changed: the cached diagram is stale"
            (redrawn if cache.misses else kept).add(label)
    assert UNDRAWN <= kept, f"a fact no diagram shows redrew one: {sorted(UNDRAWN & redrawn)}"
    assert {"Column.name", "Column.data_type", "Column.nullable", "ForeignKey.on_delete", "ForeignKey.comment",
            "Table.kind", "Table.primary_key"} <= redrawn
    if columns == erd.KEYS:  # a neighbour's new unique key is a row its box now draws (the unique index on
        assert "Table.uniques" in redrawn  # the same column then draws the same boxes: found in the cache)
