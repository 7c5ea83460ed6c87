"""fk-explicit-actions: every FK states what happens to its rows when the parent goes."""

from __future__ import annotations

from collections.abc import Iterator

from .._lazy import model
from ..scope import Hit, Scope, c_obj, fk_keys, ident, qual
from . import CATALOG, CONVENTION, ERROR, Rule

RULE = Rule(
    "fk-explicit-actions", ERROR, CONVENTION, CATALOG,
    "Every FK states ON DELETE and ON UPDATE actions other than NO ACTION (an omitted action reads as NO ACTION).",
    rationale="An omitted action is NO ACTION, which nobody chose: the cascade matrix in SCHEMA_CONVENTIONS.md "
              "decides for each relationship whether a delete cascades, nulls or is refused, and the schema must say "
              "so where a reader (and the delete preview) can see it.",
    bad="CREATE TABLE pets (id BIGSERIAL PRIMARY KEY, owner_id BIGINT NOT NULL REFERENCES owners (id));",
    good="CREATE TABLE pets (id BIGSERIAL PRIMARY KEY,\n"
         "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE CASCADE ON UPDATE RESTRICT);",
    how="catalog + source")


def check(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        missing = [f"ON {w}" for w, a in (("DELETE", fk.on_delete), ("UPDATE", fk.on_update)) if a == model.NO_ACTION]
        if missing:
            yield Hit(RULE.id, c_obj(t, fk.name),
                      f"FK to {model.display_name(fk.ref_schema, fk.ref_table)} has no explicit {' and '.join(missing)} "
                      "action (NO ACTION or omitted): state CASCADE, SET NULL, SET DEFAULT or RESTRICT",
                      fk_keys(t, fk), evidence=(fk.definition,) if fk.definition else (),
                      fix=f"ALTER TABLE {qual(t)} DROP CONSTRAINT {ident(fk.name)}, ADD CONSTRAINT {ident(fk.name)} "
                          f"{_with_actions(fk.definition)};" if fk.definition else None)


def _with_actions(definition: str) -> str:
    """The FK definition with RESTRICT spelled out where no action was chosen.

    RESTRICT behaves as the implicit NO ACTION does for a non-deferred FK, so the fix changes
    nothing but what the schema says; pick CASCADE or SET NULL instead where the matrix says so.
    """
    cut = len(definition)
    for attr in (" DEFERRABLE", " NOT DEFERRABLE", " INITIALLY", " NOT VALID"):
        at = definition.find(attr)
        if at != -1:
            cut = min(cut, at)
    head, tail = definition[:cut], definition[cut:]
    if "ON DELETE" not in head:
        head += " ON DELETE RESTRICT"
    if "ON UPDATE" not in head:
        head += " ON UPDATE RESTRICT"
    return head + tail
