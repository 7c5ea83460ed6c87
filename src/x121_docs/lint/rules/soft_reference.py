"""soft-reference: an integer *_id column has an FK constraint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._lazy import model
from ..scope import Hit, Scope, c_key, c_obj, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

if TYPE_CHECKING:
    from ...catalog.model import Table

RULE = Rule(
    "soft-reference", WARNING, INTEGRITY, CATALOG,
    "An integer *_id column has an FK constraint (no soft references).",
    rationale="A reference the database does not enforce collects orphans; the orphan scan finds them later, "
              "the FK prevents them. The table's own key and polymorphic references (`member_id` beside "
              "`member_type`, which no FK can express) are not reported, nor names that point at no table "
              "(`sequence_id`).",
    bad="CREATE TABLE audits (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL);",
    good="CREATE TABLE audits (id BIGSERIAL PRIMARY KEY,\n"
         "    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT ON UPDATE RESTRICT);")


def _partitions_enforce(s: Scope, t: Table, column: str) -> bool:
    """A partitioned table whose every partition has an FK on the column (pagila's payment)."""
    if t.kind != model.PARTITIONED_TABLE:
        return False
    parts = [p for p in s.catalog.tables if p.partition_of == t.key]
    return bool(parts) and all(any(column in fk.columns for fk in p.foreign_keys) for p in parts)


def check(s: Scope) -> Iterator[Hit]:
    from ...integrity.naming import guess_parent

    for t in s.tables:
        own_key = set(t.primary_key.columns) if t.primary_key else set()
        names = {c.name for c in t.columns}
        for c in t.soft_reference_columns():
            if c.inherited or c.name in own_key:
                continue  # the table's own key (invoice.invoice_id, nodes (node_id, version)), not a reference
            if f"{c.name.removesuffix('_id')}_type" in names:
                continue  # a polymorphic reference (member_id + member_type): no FK can express it
            parent = guess_parent(s.catalog, t, c.name)
            if parent is None or len(parent.primary_key.columns) != 1:
                continue  # no table the name points at (sequence_id), or one no single column can reference
            if _partitions_enforce(s, t, c.name):
                continue
            ev = [f"{c.name} {c.data_type}, no FOREIGN KEY on it",
                  f"{parent.display_name} exists, keyed by {', '.join(parent.primary_key.columns)}"]
            parts = [p for p in s.catalog.tables if p.partition_of == t.key]
            if parts:
                with_fk = sum(any(c.name in fk.columns for fk in p.foreign_keys) for p in parts)
                ev.append(f"{with_fk} of its {len(parts)} partitions have an FK on it")
            yield Hit(RULE.id, c_obj(t, c.name), f"{c.name} looks like a reference to {parent.display_name} but has no "
                      "FK constraint", (c_key(t, c.name), t_key(t)), evidence=tuple(ev))
