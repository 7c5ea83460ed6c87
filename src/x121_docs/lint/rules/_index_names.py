"""Shared by index-naming and unique-naming: the indexes of a table and the name each should have."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._lazy import naming
from ..scope import Hit, Scope, c_obj, con_key, i_key, ident, qual, t_key

if TYPE_CHECKING:
    from ...catalog.model import Index, Table

_AUTO_SUFFIXES = ("_key", "_idx", "_excl", "_pkey")


def _auto_named(t: Table, name: str) -> bool:
    return name.startswith(f"{t.name}_") and name.endswith(_AUTO_SUFFIXES)


def misnamed(s: Scope, unique: bool, rule: str) -> Iterator[Hit]:
    """Indexes (unique or not) whose name is not the template's."""
    prefix = "uq" if unique else "idx"
    taken = {(t.schema, ix.name) for t in s.catalog.tables for ix in t.indexes} | \
        {(t.schema, t.name) for t in s.catalog.tables}
    for t in s.indexed:
        wanted: dict[str, int] = {}
        for ix in t.indexes:
            if not ix.expressions:
                name = naming.template_name("uq" if ix.unique else "idx", t.name, ix.key_columns)
                wanted[name] = wanted.get(name, 0) + 1
        by_name = {c.name: c for c in (*t.uniques, *t.exclusions)}
        for ix in t.indexes:
            if ix.unique != unique or ix.primary or \
                    (ix.constraint and by_name.get(ix.constraint) and by_name[ix.constraint].kind == "exclusion"):
                continue
            fix = None
            if ix.expressions:
                start = naming.template_prefix(prefix, t.name)
                if ix.name.startswith(start):
                    continue
                expected = f"{start}..."
            else:
                expected = naming.template_name(prefix, t.name, ix.key_columns)
                if ix.name == expected:
                    continue
                if wanted.get(expected, 0) > 1 or (t.schema, expected) in taken:
                    expected += "_..."  # another index has (or would get) the plain name: add what tells them apart
                else:
                    fix = _rename(t, ix, expected)
            what = "unique constraint" if ix.constraint else ("unique index" if ix.unique else "index")
            auto = " (auto-generated name)" if _auto_named(t, ix.name) else ""
            keys = ((con_key(t, ix.constraint),) if ix.constraint else ()) + (i_key(t, ix.name), t_key(t))
            message = f"{what} {ix.name}{auto} should be named {expected}"
            if expected.endswith("_...") and not ix.expressions:
                message += f" (the plain {expected[:-4]} is taken by another index of the same columns)"
            yield Hit(rule, c_obj(t, ix.constraint or ix.name), message, keys, evidence=(ix.definition,), fix=fix)


def _rename(t: Table, ix: Index, expected: str) -> str:
    if ix.constraint:
        return f"ALTER TABLE {qual(t)} RENAME CONSTRAINT {ident(ix.constraint)} TO {ident(expected)};"
    schema = "" if t.schema == "public" else f"{ident(t.schema)}."
    return f"ALTER INDEX {schema}{ident(ix.name)} RENAME TO {ident(expected)};"
