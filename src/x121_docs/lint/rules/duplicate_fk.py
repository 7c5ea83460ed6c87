"""duplicate-fk: no two FKs with the same columns and target."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_obj, fk_keys, ident, qual
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "duplicate-fk", WARNING, INTEGRITY, CATALOG,
    "No two FKs with the same columns and target.",
    rationale="A second identical FK doubles the trigger work of every write and delete, and its actions may "
              "contradict the first one's.",
    bad="CREATE TABLE leashes (id BIGSERIAL PRIMARY KEY, owner_id BIGINT NOT NULL,\n"
        "    CONSTRAINT fk_a FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT,\n"
        "    CONSTRAINT fk_b FOREIGN KEY (owner_id) REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);",
    good="CREATE TABLE leashes (id BIGSERIAL PRIMARY KEY,\n"
         "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        first: dict[tuple, str] = {}
        for fk in t.foreign_keys:
            if fk.inherited_from:
                continue
            sig = (fk.columns, fk.ref_schema, fk.ref_table, fk.ref_columns)
            if sig in first:
                yield Hit(RULE.id, c_obj(t, fk.name), f"FK {fk.name} duplicates {first[sig]}", fk_keys(t, fk),
                          evidence=(fk.definition,), fix=f"ALTER TABLE {qual(t)} DROP CONSTRAINT {ident(fk.name)};")
            else:
                first[sig] = fk.name
