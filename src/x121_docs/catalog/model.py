"""The one model of a live database's catalog.

Reflected once (see `reflect.py`) with a fixed, small number of bulk catalog queries, it
feeds the linter, the docs generator, the integrity scans and the notebooks, so no part of
the workbench queries the catalog on its own.  Everything is frozen and ordered (sorted by
schema and name, columns by position) so that outputs built from it are deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

#: Kinds of relation (pg_class.relkind) the model keeps.
TABLE = "table"
PARTITIONED_TABLE = "partitioned table"
VIEW = "view"
MATERIALIZED_VIEW = "materialized view"
FOREIGN_TABLE = "foreign table"
RELATION_KINDS = (TABLE, PARTITIONED_TABLE, VIEW, MATERIALIZED_VIEW, FOREIGN_TABLE)

#: Referential actions, spelled as in SQL.
CASCADE = "CASCADE"
SET_NULL = "SET NULL"
SET_DEFAULT = "SET DEFAULT"
RESTRICT = "RESTRICT"
NO_ACTION = "NO ACTION"


#: A numbered column (`phone1`, `phone_2`): prefix and number.
NUMBERED_COLUMN = re.compile(r"^(?P<prefix>[a-z_]*[a-z])_?(?P<n>\d+)$")

#: Integer types (pg_type.typname): what a key can be compared and split into ranges as.
INTEGER_TYPES = ("int2", "int4", "int8")


def display_name(schema: str, name: str) -> str:
    """`name` in the public schema, `schema.name` elsewhere (how pages and findings name objects)."""
    return name if schema == "public" else f"{schema}.{name}"


@dataclass(frozen=True)
class Column:
    name: str
    position: int  # pg_attribute.attnum
    data_type: str  # format_type(): 'bigint', 'character varying(20)', 'vector(512)', 'timestamp with time zone'
    type_name: str  # the type's own name (pg_type.typname): 'int8', 'varchar', 'vector', '_int8' for arrays
    type_schema: str  # schema of the type ('pg_catalog' for built-ins)
    nullable: bool
    default: str | None = None  # pg_get_expr of the default
    identity: str | None = None  # 'always' | 'by default' | None
    generated: str | None = None  # expression of a STORED generated column
    serial_sequence: str | None = None  # 'schema.seq' when the default is nextval() of a sequence owned by this column
    is_array: bool = False
    comment: str | None = None
    inherited: bool = False  # comes from a parent table (partition or inheritance child; attislocal false)

    @property
    def is_serial(self) -> bool:
        return self.serial_sequence is not None

    @property
    def is_integer(self) -> bool:
        return self.type_name in INTEGER_TYPES  # arrays are "_int8" etc., so never integer


@dataclass(frozen=True)
class Constraint:
    """A primary key, unique, check or exclusion constraint."""

    name: str
    kind: str  # 'primary key' | 'unique' | 'check' | 'exclusion'
    columns: tuple[str, ...]  # in key order; empty for a check on an expression only
    definition: str  # pg_get_constraintdef()
    validated: bool = True
    deferrable: bool = False
    initially_deferred: bool = False
    index: str | None = None  # backing index name (pk, unique, exclusion)
    comment: str | None = None
    inherited_from: str | None = None  # name of the parent table's constraint (partitions)


@dataclass(frozen=True)
class ForeignKey:
    name: str
    schema: str  # of the child (referencing) table
    table: str
    columns: tuple[str, ...]  # child columns, in key order
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str  # CASCADE | SET NULL | SET DEFAULT | RESTRICT | NO ACTION
    on_update: str
    match: str = "SIMPLE"  # SIMPLE | FULL | PARTIAL
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True  # False for NOT VALID
    definition: str = ""
    inherited_from: str | None = None  # name of the parent table's constraint (partitions)
    comment: str | None = None

    @property
    def child(self) -> tuple[str, str]:
        return (self.schema, self.table)

    @property
    def parent(self) -> tuple[str, str]:
        return (self.ref_schema, self.ref_table)

    @property
    def is_self_reference(self) -> bool:
        return self.child == self.parent


@dataclass(frozen=True)
class Index:
    name: str
    method: str  # btree | hash | gist | gin | brin | hnsw | ivfflat | ...
    unique: bool
    primary: bool
    valid: bool  # pg_index.indisvalid (False after a failed CREATE INDEX CONCURRENTLY)
    key_columns: tuple[str, ...]  # column names, or the expression text for expression keys
    include_columns: tuple[str, ...] = ()
    predicate: str | None = None  # WHERE of a partial index
    definition: str = ""  # pg_get_indexdef()
    constraint: str | None = None  # constraint this index backs, if any
    opclasses: tuple[str, ...] = ()  # non-default operator classes, '' where default
    expressions: bool = False  # True when any key is an expression
    comment: str | None = None
    nulls_not_distinct: bool = False  # UNIQUE NULLS NOT DISTINCT

    @property
    def partial(self) -> bool:
        return self.predicate is not None


@dataclass(frozen=True)
class Trigger:
    name: str
    timing: str  # BEFORE | AFTER | INSTEAD OF
    events: tuple[str, ...]  # INSERT, UPDATE, DELETE, TRUNCATE
    level: str  # ROW | STATEMENT
    function: str  # schema-qualified function name
    enabled: str  # 'O' origin/enabled, 'D' disabled, 'R' replica, 'A' always
    definition: str  # pg_get_triggerdef()
    comment: str | None = None

    @property
    def disabled(self) -> bool:
        return self.enabled == "D"


@dataclass(frozen=True)
class Rule:
    """A rewrite rule on a table (CREATE RULE): it can make a DELETE or UPDATE do more."""

    name: str
    event: str  # SELECT | UPDATE | INSERT | DELETE
    instead: bool  # DO INSTEAD (else DO ALSO)
    enabled: str  # 'O' origin/enabled, 'D' disabled, 'R' replica, 'A' always
    definition: str  # pg_get_ruledef()

    @property
    def disabled(self) -> bool:
        return self.enabled == "D"


@dataclass(frozen=True)
class Table:
    """A table, partitioned table, view, materialized view or foreign table."""

    schema: str
    name: str
    kind: str  # one of RELATION_KINDS
    oid: int
    columns: tuple[Column, ...] = ()
    primary_key: Constraint | None = None
    uniques: tuple[Constraint, ...] = ()
    checks: tuple[Constraint, ...] = ()
    exclusions: tuple[Constraint, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()  # outgoing
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()  # user triggers only (no internal FK triggers)
    rules: tuple[Rule, ...] = ()  # rewrite rules (not a view's _RETURN rule)
    comment: str | None = None
    estimated_rows: int | None = None  # pg_class.reltuples; None when never analysed
    partition_of: tuple[str, str] | None = None  # (schema, name) of the partitioned parent
    partition_bound: str | None = None  # FOR VALUES ... of a partition
    partition_key: str | None = None  # PARTITION BY ... of a partitioned table
    inherits: tuple[tuple[str, str], ...] = ()  # classic inheritance parents (not partitioning)
    view_definition: str | None = None  # for views and materialized views
    fk_triggers_disabled: bool = False  # some internal RI trigger of this table is disabled

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def display_name(self) -> str:
        return display_name(self.schema, self.name)

    @property
    def is_view(self) -> bool:
        return self.kind in (VIEW, MATERIALIZED_VIEW)

    @property
    def is_partition(self) -> bool:
        return self.partition_of is not None

    @cached_property
    def _columns_by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self._columns_by_name.get(name)

    def numbered_column_families(self) -> dict[str, tuple[str, ...]]:
        """Own columns sharing a prefix and differing by a number (`phone1`, `phone2`), two or more, by prefix."""
        families: dict[str, list[str]] = {}
        for c in self.columns:
            m = NUMBERED_COLUMN.match(c.name)
            if m and not c.inherited:
                families.setdefault(m["prefix"], []).append(c.name)
        return {p: tuple(cols) for p, cols in sorted(families.items()) if len(cols) >= 2}

    def soft_reference_columns(self) -> tuple[Column, ...]:
        """Integer `*_id` columns that no FK of the table covers: references the database does not enforce.

        A single-column primary key (`album.album_id`) is the table's own identity, not a reference.
        """
        covered = {c for fk in self.foreign_keys for c in fk.columns}
        pk = self.primary_key
        if pk is not None and len(pk.columns) == 1:
            covered.add(pk.columns[0])
        return tuple(c for c in self.columns if c.name.endswith("_id") and c.is_integer and c.name not in covered)


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    data_type: str  # bigint | integer | smallint
    owned_by: tuple[str, str, str] | None = None  # (schema, table, column) of OWNED BY
    comment: str | None = None


@dataclass(frozen=True)
class EnumType:
    schema: str
    name: str
    labels: tuple[str, ...]  # in sort order
    comment: str | None = None


@dataclass(frozen=True)
class Domain:
    schema: str
    name: str
    base_type: str
    not_null: bool = False
    default: str | None = None
    checks: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class Extension:
    name: str
    version: str
    schema: str
    comment: str | None = None


@dataclass(frozen=True)
class Schema:
    name: str
    comment: str | None = None


@dataclass(frozen=True)
class Catalog:
    """A snapshot of one database; build it with `x121_docs.catalog.reflect(conn)`."""

    database: str
    server_version: str
    schemas: tuple[Schema, ...] = ()
    tables: tuple[Table, ...] = ()  # every relation kind, sorted by (schema, name)
    sequences: tuple[Sequence, ...] = ()
    enums: tuple[EnumType, ...] = ()
    domains: tuple[Domain, ...] = ()
    extensions: tuple[Extension, ...] = ()
    query_count: int = 0  # catalog queries the reflection used (constant in the number of tables)
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        """A catalog saved by `to_json` / `x121-docs catalog dump` (see serialize.py)."""
        from .serialize import loads

        return loads(text)

    def to_json(self) -> str:
        from .serialize import dumps

        return dumps(self)

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], Table]:
        return {t.key: t for t in self.tables}

    def table(self, name: str, schema: str | None = None) -> Table:
        """Look up by 'name', 'schema.name' or (name, schema=...); KeyError when absent."""
        if schema is None:
            schema, _, rest = name.rpartition(".")
            schema, name = (schema or "public"), rest
        return self._by_key[(schema, name)]

    def get(self, name: str, schema: str | None = None) -> Table | None:
        try:
            return self.table(name, schema)
        except KeyError:
            return None

    @cached_property
    def foreign_keys(self) -> tuple[ForeignKey, ...]:
        """Every FK of the database, sorted by child table then constraint name."""
        return tuple(fk for t in self.tables for fk in t.foreign_keys)

    @cached_property
    def _incoming(self) -> dict[tuple[str, str], tuple[ForeignKey, ...]]:
        incoming: dict[tuple[str, str], list[ForeignKey]] = {}
        for fk in self.foreign_keys:
            incoming.setdefault(fk.parent, []).append(fk)
        return {k: tuple(v) for k, v in incoming.items()}

    def referencing(self, table: Table | tuple[str, str]) -> tuple[ForeignKey, ...]:
        """FKs that point at `table` (incoming), sorted by child table then name."""
        key = table.key if isinstance(table, Table) else table
        return self._incoming.get(key, ())

    @property
    def base_tables(self) -> tuple[Table, ...]:
        """Tables that hold rows (plain and partitioned), not views."""
        return tuple(t for t in self.tables if t.kind in (TABLE, PARTITIONED_TABLE))

    def partitions(self, parent: Table | tuple[str, str]) -> tuple[Table, ...]:
        key = parent.key if isinstance(parent, Table) else parent
        return tuple(t for t in self.tables if t.partition_of == key)

    def enum(self, schema: str, name: str) -> EnumType | None:
        return next((e for e in self.enums if (e.schema, e.name) == (schema, name)), None)

    def lookup_tables(self, rule=None) -> tuple[Table, ...]:  # noqa: ANN001 - facts.LookupRule
        """Lookup tables by the one definition (`facts.LookupRule`, its defaults unless `rule` is given)."""
        from .facts import LookupRule, lookup_tables

        return tuple(self._by_key[k] for k in lookup_tables(self, rule or LookupRule()))
