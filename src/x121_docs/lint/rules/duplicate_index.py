"""duplicate-index: no duplicate index, no non-unique index that is a left prefix of another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Iterator

if TYPE_CHECKING:
    from ...catalog.model import Index
from ..scope import Hit, Scope, c_obj, i_key, ident, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "duplicate-index", WARNING, INTEGRITY, CATALOG,
    "No duplicate index and no non-unique index that is a left prefix of another.",
    rationale="Every index is written on every insert and update and takes memory; a duplicate or a left prefix "
              "of a wider btree serves no query the other does not.",
    bad="CREATE INDEX idx_rooms_floor ON rooms (floor);\nCREATE INDEX idx_rooms_floor_name ON rooms (floor, name);",
    good="CREATE INDEX idx_rooms_floor_name ON rooms (floor, name);")


def key_specs(ix: Index) -> tuple[str, ...]:
    """The index's keys as written in its definition (column, COLLATE, operator class, DESC/NULLS), one per key."""
    d = ix.definition
    start = d.find(" USING ")
    start = d.find("(", start if start != -1 else 0)
    depth, keys, cur = 0, [], []
    for ch in d[start + 1:]:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        if ch == "," and depth == 0:
            keys.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    keys.append("".join(cur).strip())
    return tuple(keys[:len(ix.key_columns)]) if ix.definition else ix.key_columns


def _keep_rank(ix: Index) -> tuple:
    """Of two identical indexes keep the constraint-backed, then the unique, then the first by name."""
    return (ix.constraint is None, not ix.unique, ix.name)


def check(s: Scope) -> Iterator[Hit]:
    for t in s.indexed:
        valid = [ix for ix in t.indexes if ix.valid]
        specs = {ix.name: key_specs(ix) for ix in valid}  # once per index, not per pair
        reported: set[str] = set()
        schema = "" if t.schema == "public" else f"{ident(t.schema)}."
        for a in valid:
            for b in valid:
                if a is b or a.name in reported or a.method != b.method or a.predicate != b.predicate:
                    continue
                ka, kb = specs[a.name], specs[b.name]  # a COLLATE, an operator class or DESC makes a different index
                same = ka == kb and a.opclasses == b.opclasses
                if same and a.constraint is None and _keep_rank(a) > _keep_rank(b):
                    reported.add(a.name)
                    yield Hit(RULE.id, c_obj(t, a.name), f"index {a.name} duplicates {b.name}",
                              (i_key(t, a.name), t_key(t)), evidence=(a.definition, b.definition), detail="duplicate",
                              fix=f"DROP INDEX CONCURRENTLY {schema}{ident(a.name)};")
                elif (a.method == "btree" and not a.unique and a.constraint is None and not same
                      and len(ka) < len(kb) and kb[:len(ka)] == ka and b.opclasses[:len(a.opclasses)] == a.opclasses):
                    reported.add(a.name)
                    yield Hit(RULE.id, c_obj(t, a.name), f"index {a.name} is a left prefix of {b.name}",
                              (i_key(t, a.name), t_key(t)), evidence=(a.definition, b.definition), detail="left-prefix",
                              fix=f"DROP INDEX CONCURRENTLY {schema}{ident(a.name)};")
