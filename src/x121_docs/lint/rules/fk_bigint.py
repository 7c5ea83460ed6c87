"""fk-bigint: FK columns are BIGINT and of exactly the referenced column's type."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_obj, fk_keys, ident, qual
from . import CATALOG, INTEGRITY, ERROR, Rule

RULE = Rule(
    "fk-bigint", ERROR, INTEGRITY, CATALOG,
    "FK columns are BIGINT and of the referenced column's type.",
    rationale="A child column narrower than its parent key overflows when the parent grows past it, and a type "
              "mismatch makes every join cast (and may stop the planner from using the index).",
    bad="CREATE TABLE visits (id BIGSERIAL PRIMARY KEY,\n"
        "    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);",
    good="CREATE TABLE visits (id BIGSERIAL PRIMARY KEY,\n"
         "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);")


def check(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        problems, detail, fixes = [], None, []
        for col, ref in zip(fk.columns, fk.ref_columns):
            child, parent = t.column(col), s.ref_column(fk, ref)
            if child is None:
                continue
            if parent is not None and parent.data_type != child.data_type:
                problems.append(f"{col} is {child.data_type} but {fk.ref_table}.{ref} is {parent.data_type}")
                detail = "type-mismatch"
                fixes.append(f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(col)} TYPE {parent.data_type};")
            elif child.type_name != "int8":
                problems.append(f"{col} is {child.data_type}, not bigint")
                detail = detail or "not-bigint"
        if problems:
            yield Hit(RULE.id, c_obj(t, fk.name), "; ".join(problems), fk_keys(t, fk), evidence=(fk.definition,),
                      detail=detail, fix="\n".join(fixes) or None)
