"""fk-nullable: a mandatory relationship has a NOT NULL FK column."""

from __future__ import annotations

from collections.abc import Iterator

from .._lazy import model
from ..scope import Hit, Scope, c_obj, fk_keys, ident, qual
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "fk-nullable", WARNING, INTEGRITY, CATALOG,
    "A mandatory relationship (ON DELETE CASCADE, or a status) has a NOT NULL FK column.",
    rationale="ON DELETE CASCADE says the child cannot exist without its parent, and every row has a status: "
              "a nullable FK column lets a row exist without either.",
    bad="CREATE TABLE collars (id BIGSERIAL PRIMARY KEY,\n"
        "    owner_id BIGINT REFERENCES owners (id) ON DELETE CASCADE ON UPDATE RESTRICT);",
    good="CREATE TABLE collars (id BIGSERIAL PRIMARY KEY,\n"
         "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE CASCADE ON UPDATE RESTRICT);")


def check(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        nullable = [c for c in fk.columns if (col := t.column(c)) is not None and col.nullable]
        if not nullable:
            continue
        if fk.on_delete == model.CASCADE:
            why = "ON DELETE CASCADE makes the parent mandatory"
        elif fk.ref_table.endswith("_statuses"):
            why = "every row has a status"
        else:
            continue
        yield Hit(RULE.id, c_obj(t, fk.name), f"FK column(s) {', '.join(nullable)} are nullable but {why}: add NOT NULL",
                  fk_keys(t, fk), evidence=(fk.definition, *(f"{c} is nullable" for c in nullable)),
                  fix="\n".join(f"ALTER TABLE {qual(t)} ALTER COLUMN {ident(c)} SET NOT NULL;" for c in nullable))
