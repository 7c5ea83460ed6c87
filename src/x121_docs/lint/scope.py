"""What catalog rules look at: the subjects of one catalog and configuration, and the `Hit` they yield.

A `Hit` carries object keys (table, column, constraint, index, type, extension) so that source
attribution (`attribution.py`) can find the migration line that introduced the object; the
checks themselves know nothing about files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._lazy import model
from .config import LintConfig

if TYPE_CHECKING:
    from ..catalog.model import Catalog, Column, ForeignKey, Table
    from .probe import DataProbe

Key = tuple  # ("table", schema, name) | ("column", schema, table, col) | ("constraint", schema, table, name)
#             | ("index", schema, name) | ("type", schema, name) | ("extension", name)


@dataclass(frozen=True)
class Hit:
    rule: str
    object: str
    message: str
    keys: tuple[Key, ...] = ()  # attribution candidates, most specific first
    evidence: tuple[str, ...] = ()  # why: the facts the finding rests on
    detail: str | None = None  # a stable sub-kind within the rule
    fix: str | None = None  # the DDL, where the fix is mechanical


def t_obj(t: Table) -> str:
    return t.display_name


def c_obj(t: Table, col: str) -> str:
    return f"{t.display_name}.{col}"


def t_key(t: Table) -> Key:
    return ("table", t.schema, t.name)


def c_key(t: Table, col: str) -> Key:
    return ("column", t.schema, t.name, col)


def con_key(t: Table, name: str) -> Key:
    return ("constraint", t.schema, t.name, name)


def i_key(t: Table, name: str) -> Key:
    return ("index", t.schema, name)


def fk_keys(t: Table, fk: ForeignKey) -> tuple[Key, ...]:
    return (con_key(t, fk.name), *(c_key(t, c) for c in fk.columns), t_key(t))


def ident(name: str) -> str:
    """An identifier as it must be written in DDL (quoted unless a plain lower-case name)."""
    from ..catalog.naming import is_plain_identifier

    return name if is_plain_identifier(name) else '"' + name.replace('"', '""') + '"'


def qual(t: Table) -> str:
    """The table's name for DDL (schema-qualified outside public)."""
    return ident(t.name) if t.schema == "public" else f"{ident(t.schema)}.{ident(t.name)}"


class Scope:
    """The subjects of the rules for one catalog and configuration (computed once, shared by every rule)."""

    def __init__(self, catalog: Catalog, config: LintConfig, probe: "DataProbe | None" = None):
        self.catalog = catalog
        self.config = config
        self.probe = probe  # reads samples of the data, when the linted database has any
        self.tables = [t for t in catalog.tables if t.kind in (model.TABLE, model.PARTITIONED_TABLE) and not t.is_partition
                       and not config.ignored(t.schema, t.name)]
        self.named = [t for t in catalog.tables if not t.is_partition and not config.ignored(t.schema, t.name)]
        self.indexed = [t for t in self.named if t.kind in (model.TABLE, model.PARTITIONED_TABLE, model.MATERIALIZED_VIEW)]

    def columns(self) -> Iterator[tuple[Table, Column]]:
        for t in self.tables:
            for c in t.columns:
                if not c.inherited:
                    yield t, c

    def fks(self) -> Iterator[tuple[Table, ForeignKey]]:
        for t in self.tables:
            for fk in t.foreign_keys:
                if fk.inherited_from is None:
                    yield t, fk

    def ref_column(self, fk: ForeignKey, name: str) -> Column | None:
        parent = self.catalog.get(fk.ref_table, fk.ref_schema)
        return parent.column(name) if parent else None


def single_fk(t: Table, col: str) -> ForeignKey | None:
    return next((fk for fk in t.foreign_keys if fk.columns == (col,)), None)
