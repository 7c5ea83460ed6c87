"""Derived facts about a catalog, each with one definition, for every part of the workbench.

The docs pages (and, as they switch, the linter and the integrity tools) read these instead of
computing their own, so a figure shown in two places is the same number by construction.

API (small on purpose):
- `LookupRule` + `lookup_tables(catalog, rule)`: which tables are lookup (status) tables.
- `covering_index(table, columns)` / `fk_covered(catalog, fk)`: an FK "has an index".
- `documented_tables(catalog, exclude)`: the tables the figures count (`exclude`: the linter's ignore-tables).
- `coverage(catalog, exclude)`: comment coverage of those tables and their own columns (`Coverage`).
- `inheritance(catalog)`: classic-inheritance children per parent and where inherited columns come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from .model import PARTITIONED_TABLE, TABLE, VIEW, MATERIALIZED_VIEW, Catalog, Column, ForeignKey, Index, Table

Key = tuple[str, str]


@dataclass(frozen=True)
class LookupRule:
    """A lookup table is a base table (not a partition) whose name ends with one of `suffixes` or
    matches one of `names` ('name' or 'schema.name', `*` wildcards)."""

    suffixes: tuple[str, ...] = ("_statuses",)
    names: tuple[str, ...] = ("roles", "job_types")

    def matches(self, schema: str, name: str) -> bool:
        full = f"{schema}.{name}"
        return name.endswith(self.suffixes) or any(fnmatchcase(name, p) or fnmatchcase(full, p) for p in self.names)


def lookup_tables(catalog: Catalog, rule: LookupRule = LookupRule()) -> tuple[Key, ...]:
    """Keys of the lookup tables, in catalog order."""
    return tuple(t.key for t in catalog.base_tables if not t.is_partition and rule.matches(t.schema, t.name))


def covering_index(table: Table, columns: tuple[str, ...]) -> Index | None:
    """The index that serves lookups by `columns`: valid, not partial, btree, its leading keys exactly
    these columns (in any order).  A partial or non-btree index does not serve every FK check."""
    n, wanted = len(columns), set(columns)
    for ix in table.indexes:
        if ix.valid and not ix.partial and ix.method == "btree" and len(ix.key_columns) >= n \
                and set(ix.key_columns[:n]) == wanted:
            return ix
    return None


def fk_covered(catalog: Catalog, fk: ForeignKey) -> bool:
    child = catalog.get(fk.table, fk.schema)
    return child is not None and covering_index(child, fk.columns) is not None


def _commented(text: str | None) -> bool:
    return bool((text or "").strip())


@dataclass(frozen=True)
class Share:
    have: int
    total: int

    @property
    def percent(self) -> str:
        return "n/a" if not self.total else f"{100.0 * self.have / self.total:.1f} %"


@dataclass(frozen=True)
class Coverage:
    """Comment coverage. `tables`: base tables (not partitions); `columns`: their own columns (not
    inherited, not of views); `overall`: both together (the linter's figure); `views`: views."""

    tables: Share
    columns: Share
    overall: Share
    views: Share


#: Tables that belong to the tooling, not the schema (the migration ledger): left out of the figures.
TOOLING_TABLES = ("_sqlx_migrations",)


def excluded(schema: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(n, p) for p in patterns for n in (name, f"{schema}.{name}"))


def documented_tables(catalog: Catalog, exclude: tuple[str, ...] = TOOLING_TABLES) -> tuple[Table, ...]:
    """The tables the figures count: plain and partitioned tables, not partitions, none of `exclude`
    (fnmatch patterns on 'name' or 'schema.name'; the linter's `ignore-tables`)."""
    return tuple(t for t in catalog.tables if t.kind in (TABLE, PARTITIONED_TABLE) and not t.is_partition
                 and not excluded(t.schema, t.name, exclude))


def own_columns(table: Table) -> tuple[Column, ...]:
    return tuple(c for c in table.columns if not c.inherited)


def coverage(catalog: Catalog, exclude: tuple[str, ...] = TOOLING_TABLES) -> Coverage:
    tables = documented_tables(catalog, exclude)
    cols = [c for t in tables for c in own_columns(t)]
    views = [t for t in catalog.tables if t.kind in (VIEW, MATERIALIZED_VIEW)]
    t_have = sum(_commented(t.comment) for t in tables)
    c_have = sum(_commented(c.comment) for c in cols)
    return Coverage(Share(t_have, len(tables)), Share(c_have, len(cols)),
                    Share(t_have + c_have, len(tables) + len(cols)),
                    Share(sum(_commented(v.comment) for v in views), len(views)))


@dataclass(frozen=True)
class Inheritance:
    children: dict[Key, tuple[Key, ...]]  # classic-inheritance parent -> children (not partitions)

    def column_origin(self, catalog: Catalog, table: Table, column: Column) -> Table | None:
        """The nearest ancestor that declares `column` itself (for an inherited column), else None."""
        if not column.inherited:
            return None
        todo = list(table.inherits) + ([table.partition_of] if table.partition_of else [])
        seen: set[Key] = set()
        while todo:
            key = todo.pop(0)
            if key in seen:
                continue
            seen.add(key)
            parent = catalog.get(key[1], key[0])
            if parent is None:
                continue
            c = parent.column(column.name)
            if c is not None and not c.inherited:
                return parent
            todo.extend(parent.inherits)
            if parent.partition_of:
                todo.append(parent.partition_of)
        return None


def inheritance(catalog: Catalog) -> Inheritance:
    children: dict[Key, list[Key]] = {}
    for t in catalog.tables:
        for p in t.inherits:
            children.setdefault(p, []).append(t.key)
    return Inheritance({k: tuple(v) for k, v in sorted(children.items())})
