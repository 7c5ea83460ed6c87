"""pk-bigserial: every table has an `id BIGSERIAL PRIMARY KEY`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Iterator

if TYPE_CHECKING:
    from ...catalog.model import Table
from ..scope import Hit, Scope, con_key, qual, t_key, t_obj
from . import CATALOG, CONVENTION, ERROR, Rule

RULE = Rule(
    "pk-bigserial", ERROR, CONVENTION, CATALOG,
    "Every table has an `id` BIGINT primary key fed by a sequence (BIGSERIAL): no uuid, int4, text or composite key, "
    "no table without one.",
    rationale="One key shape everywhere keeps joins, FKs (always BIGINT) and tooling uniform; int4 keys run out, "
              "uuid keys cost index locality, composite keys make every FK composite, and a table without a "
              "primary key cannot be replicated logically or addressed row by row.",
    bad="CREATE TABLE tags (id UUID PRIMARY KEY);\nCREATE TABLE notes (body TEXT);",
    good="CREATE TABLE tags (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);")


def pk_problem(t: Table) -> tuple[str, str] | None:
    """(detail, message) when the table's key is not the standard one; None when it is."""
    pk = t.primary_key
    if pk is None:
        return "no-pk", "table has no primary key: add id BIGSERIAL PRIMARY KEY"
    if len(pk.columns) > 1:
        return "composite", f"composite primary key ({', '.join(pk.columns)}): use id BIGSERIAL PRIMARY KEY and a UNIQUE constraint"
    col = t.column(pk.columns[0])
    if col is None:
        return None
    if col.type_name == "uuid":
        return "uuid", f"primary key {col.name} is a uuid: use id BIGSERIAL"
    if col.type_name != "int8":
        return "type", f"primary key {col.name} is {col.data_type}: use id BIGSERIAL (bigint)"
    if col.name != "id":
        return "name", f"primary key is named {col.name}: name it id"
    if col.identity:
        return "identity", "primary key is an identity column: the standard is BIGSERIAL"
    if not col.is_serial:
        return "no-sequence", "primary key id is not fed by a sequence: use BIGSERIAL"
    return None


def _fix(t: Table, detail: str) -> str | None:
    if detail == "no-pk" and t.column("id") is None:
        return f"ALTER TABLE {qual(t)} ADD COLUMN id BIGSERIAL PRIMARY KEY;"
    if detail == "type" and t.primary_key:
        col = t.column(t.primary_key.columns[0])
        if col is not None and col.type_name in ("int2", "int4"):
            return f"ALTER TABLE {qual(t)} ALTER COLUMN {col.name} TYPE bigint;  -- and every FK column that references it"
    return None


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        problem = pk_problem(t)
        if problem:
            keys = ((con_key(t, t.primary_key.name),) if t.primary_key else ()) + (t_key(t),)
            ev = (t.primary_key.definition,) if t.primary_key else ("no PRIMARY KEY constraint",)
            yield Hit(RULE.id, t_obj(t), problem[1], keys, evidence=ev, detail=problem[0], fix=_fix(t, problem[0]))
