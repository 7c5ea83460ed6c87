"""What changed between two catalogs: objects added, removed and changed, each with before and after.

Pure functions of two `Catalog` models (a reflected one or a loaded dump).  Sub-objects of a table
that is itself added or removed are part of that table's description, not separate changes, so a
new table with its key, FK and index is one entry.  Objects are matched by name; an FK or a
constraint whose name changed but whose definition did not is matched by what it does.  A table or
column dropped and another added with the same type in one change is reported once, as a
possible rename.  Values that follow the data or the database rather than the schema (oids, row
estimates, the database's name) are never compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..catalog import seeds
from ..catalog.model import Catalog, Column, Constraint, ForeignKey, Index, Table, Trigger, display_name

Key = tuple[str, str]

ADDED, REMOVED, CHANGED, RENAMED = "added", "removed", "changed", "possible rename"

#: Report order of the kinds of object.
KINDS = ("schema", "extension", "enum", "domain", "sequence", "table", "column", "primary key", "unique", "check",
         "exclusion", "foreign key", "index", "trigger", "comment", "lookup value")


@dataclass(frozen=True)
class Change:
    """One object added, removed or changed; `before` / `after` describe it (None where absent)."""

    kind: str  # one of KINDS
    action: str  # ADDED | REMOVED | CHANGED | RENAMED
    name: str  # display name: 'users', 'users.email', 'scenes.scenes_project_id_fkey', 'table users'
    table: Key | None = None  # the table the object belongs to (or is)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()  # for CHANGED: the described fields that differ
    related: tuple[Key, ...] = ()  # other tables it touches (an FK's referenced table)

    def sort_key(self) -> tuple:
        return (self.table or ("", ""), KINDS.index(self.kind), self.name, self.action)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "action": self.action, "name": self.name,
                             "before": self.before, "after": self.after}
        if self.table:
            d["table"] = display_name(*self.table)
        if self.fields:
            d["fields"] = list(self.fields)
        if self.related:
            d["related"] = [display_name(*k) for k in self.related]
        return d


@dataclass(frozen=True)
class SchemaDiff:
    changes: tuple[Change, ...]
    added_tables: tuple[Key, ...] = ()
    removed_tables: tuple[Key, ...] = ()
    changed_tables: tuple[Key, ...] = ()  # present on both sides with some change of their own
    renamed_tables: tuple[tuple[Key, Key], ...] = ()  # (before, after)
    by_table: dict[Key, tuple[Change, ...]] = field(default_factory=dict, compare=False)

    @property
    def empty(self) -> bool:
        return not self.changes

    def touched(self) -> tuple[Key, ...]:
        """Every table a change concerns (added, removed, changed, and an FK's other end)."""
        keys = set(self.added_tables) | set(self.removed_tables) | set(self.changed_tables)
        for a, b in self.renamed_tables:
            keys |= {a, b}
        for c in self.changes:
            keys |= set(c.related)
        return tuple(sorted(keys))


# -- descriptions (what before/after show) ---------------------------------------------------------

def column_desc(c: Column) -> dict[str, Any]:
    return {"type": c.data_type, "nullable": c.nullable, "default": c.default, "identity": c.identity,
            "generated": c.generated}


def constraint_desc(c: Constraint) -> dict[str, Any]:
    return {"columns": list(c.columns), "definition": c.definition, "validated": c.validated,
            "deferrable": c.deferrable, "initially_deferred": c.initially_deferred}


def fk_desc(fk: ForeignKey) -> dict[str, Any]:
    return {"columns": list(fk.columns), "references": f"{display_name(*fk.parent)}({', '.join(fk.ref_columns)})",
            "on_delete": fk.on_delete, "on_update": fk.on_update, "match": fk.match, "deferrable": fk.deferrable,
            "initially_deferred": fk.initially_deferred, "validated": fk.validated}


def index_desc(i: Index) -> dict[str, Any]:
    return {"definition": i.definition, "valid": i.valid}


def trigger_desc(t: Trigger) -> dict[str, Any]:
    return {"definition": t.definition, "enabled": t.enabled}


def table_attrs(t: Table) -> dict[str, Any]:
    return {"kind": t.kind, "partition_of": display_name(*t.partition_of) if t.partition_of else None,
            "partition_bound": t.partition_bound, "partition_key": t.partition_key,
            "inherits": [display_name(*k) for k in t.inherits], "view_definition": t.view_definition}


def table_desc(t: Table, values: dict | None = None) -> dict[str, Any]:
    """A whole table, for one that is added or removed."""
    d = table_attrs(t)
    d = {k: v for k, v in d.items() if v not in (None, [])}
    d["columns"] = [{"name": c.name, **{k: v for k, v in column_desc(c).items() if v is not None}} for c in t.columns]
    if t.primary_key:
        d["primary_key"] = list(t.primary_key.columns)
    for label, items in (("unique", t.uniques), ("check", t.checks), ("exclusion", t.exclusions)):
        if items:
            d[label] = [{"name": c.name, "definition": c.definition} for c in items]
    fks = [fk for fk in t.foreign_keys if fk.inherited_from is None]
    if fks:
        d["foreign_keys"] = [{"name": fk.name, **fk_desc(fk)} for fk in fks]
    own = [i for i in t.indexes if not i.constraint]
    if own:
        d["indexes"] = [{"name": i.name, "definition": i.definition} for i in own]
    if t.triggers:
        d["triggers"] = [{"name": tr.name, "definition": tr.definition} for tr in t.triggers]
    if t.comment is not None:
        d["comment"] = t.comment
    if values:
        d["values"] = {"columns": values["columns"], "rows": values["rows"]}
    return d


def _changed_fields(before: dict, after: dict, ignore_when_others: tuple[str, ...] = ()) -> tuple[str, ...]:
    diff = [k for k in before if before[k] != after.get(k)] + [k for k in after if k not in before]
    rest = [k for k in diff if k not in ignore_when_others]
    return tuple(rest or diff)


# -- the diff --------------------------------------------------------------------------------------

class _Differ:
    def __init__(self, base: Catalog, head: Catalog):
        self.base, self.head = base, head
        self.out: list[Change] = []

    def add(self, *args: Any, **kw: Any) -> None:
        self.out.append(Change(*args, **kw))

    # simple named objects ------------------------------------------------------------------------
    def named(self, kind: str, before: Iterable, after: Iterable, key: Callable, label: Callable, desc: Callable,
              table: Key | None = None, related: Callable | None = None,
              ignore_when_others: tuple[str, ...] = (), same: Callable | None = None) -> None:
        """Match by `key`; unmatched pairs with equal `same(obj)` are the same object renamed."""
        b = {key(o): o for o in before}
        a = {key(o): o for o in after}
        gone = [k for k in b if k not in a]
        new = [k for k in a if k not in b]
        if same is not None:
            for k in list(gone):
                sig = same(b[k])
                match = [n for n in new if same(a[n]) == sig]
                if len(match) == 1:
                    n = match[0]
                    gone.remove(k)
                    new.remove(n)
                    self._compare(kind, b[k], a[n], label(a[n]), desc, table, related, ignore_when_others, label(b[k]))
        for k in sorted(gone):
            o = b[k]
            self.add(kind, REMOVED, label(o), table, desc(o), None, (), tuple(related(o)) if related else ())
        for k in sorted(new):
            o = a[k]
            self.add(kind, ADDED, label(o), table, None, desc(o), (), tuple(related(o)) if related else ())
        for k in sorted(set(a) & set(b)):
            self._compare(kind, b[k], a[k], label(a[k]), desc, table, related, ignore_when_others)

    def _compare(self, kind, old, new, name, desc, table, related, ignore, old_name=None) -> None:  # noqa: ANN001
        d0, d1 = desc(old), desc(new)
        if old_name is not None and old_name != name:
            d0, d1 = {"name": old_name, **d0}, {"name": name, **d1}
        if d0 != d1:
            rel = tuple(sorted(set(related(old)) | set(related(new)))) if related else ()
            self.add(kind, CHANGED, name, table, d0, d1, _changed_fields(d0, d1, ignore), rel)

    def comment(self, what: str, name: str, table: Key | None, before: str | None, after: str | None) -> None:
        if before == after:
            return
        action = ADDED if before is None else REMOVED if after is None else CHANGED
        self.add("comment", action, f"{what} {name}", table,
                 None if before is None else {"comment": before}, None if after is None else {"comment": after},
                 ("comment",) if action == CHANGED else ())

    # tables --------------------------------------------------------------------------------------
    def run(self) -> SchemaDiff:
        base, head = self.base, self.head
        self.named("schema", base.schemas, head.schemas, lambda s: s.name, lambda s: s.name, lambda s: {})
        for s0 in base.schemas:
            s1 = next((s for s in head.schemas if s.name == s0.name), None)
            if s1:
                self.comment("schema", s0.name, None, s0.comment, s1.comment)
        self.named("extension", base.extensions, head.extensions, lambda x: x.name, lambda x: x.name,
                   lambda x: {"version": x.version, "schema": x.schema})
        self.named("enum", base.enums, head.enums, lambda e: (e.schema, e.name), lambda e: display_name(e.schema, e.name),
                   lambda e: {"labels": list(e.labels)})
        self.named("domain", base.domains, head.domains, lambda d: (d.schema, d.name),
                   lambda d: display_name(d.schema, d.name),
                   lambda d: {"base_type": d.base_type, "not_null": d.not_null, "default": d.default,
                              "checks": list(d.checks)})
        b = {t.key: t for t in base.tables}
        a = {t.key: t for t in head.tables}
        # A sequence owned by a table that is added or removed is part of that table (its serial key).
        only = set(a) ^ set(b)
        self.named("sequence", [s for s in base.sequences if not (s.owned_by and s.owned_by[:2] in only)],
                   [s for s in head.sequences if not (s.owned_by and s.owned_by[:2] in only)],
                   lambda s: (s.schema, s.name), lambda s: display_name(s.schema, s.name),
                   lambda s: {"type": s.data_type, "owned_by": ".".join(s.owned_by) if s.owned_by else None})
        b_values, a_values = seeds.values_of(base), seeds.values_of(head)
        gone = sorted(k for k in b if k not in a)
        new = sorted(k for k in a if k not in b)
        renamed = self._table_renames(b, a, gone, new)
        for old, nw in renamed:
            gone.remove(old)
            new.remove(nw)
            self.add("table", RENAMED, display_name(*nw), nw, {"name": display_name(*old)},
                     {"name": display_name(*nw)}, ("name",), (old,))
        for k in gone:
            self.add("table", REMOVED, display_name(*k), k,
                     table_desc(b[k], b_values.get(display_name(*k))), None, (), self._fk_targets(b[k]))
        for k in new:
            self.add("table", ADDED, display_name(*k), k, None,
                     table_desc(a[k], a_values.get(display_name(*k))), (), self._fk_targets(a[k]))
        for k in sorted(set(a) & set(b)):
            self.table(b[k], a[k])
        for old, nw in renamed:
            self.table(b[old], a[nw])
        self.lookup_values(b_values, a_values, set(a) & set(b))

        changes = tuple(sorted(self.out, key=Change.sort_key))
        by_table: dict[Key, list[Change]] = {}
        for c in changes:
            if c.table:
                by_table.setdefault(c.table, []).append(c)
        changed = tuple(sorted(k for k in by_table if k in a and k in b))
        return SchemaDiff(changes, tuple(new), tuple(gone), changed, tuple(renamed),
                          {k: tuple(v) for k, v in by_table.items()})

    @staticmethod
    def _fk_targets(t: Table) -> tuple[Key, ...]:
        return tuple(sorted({fk.parent for fk in t.foreign_keys if fk.parent != t.key and fk.inherited_from is None}))

    @staticmethod
    def _table_renames(b: dict, a: dict, gone: list[Key], new: list[Key]) -> list[tuple[Key, Key]]:
        """A dropped and an added table of the same kind and column types (and only that pair)."""
        def sig(t: Table) -> tuple:
            return (t.kind, tuple(c.data_type for c in t.columns))

        pairs = []
        for old in gone:
            match = [n for n in new if sig(a[n]) == sig(b[old])]
            back = [o for o in gone if sig(b[o]) == sig(b[old])]
            if len(match) == 1 and len(back) == 1 and b[old].columns:
                pairs.append((old, match[0]))
        return pairs

    def table(self, t0: Table, t1: Table) -> None:
        key = t1.key
        name = t1.display_name
        d0, d1 = table_attrs(t0), table_attrs(t1)
        if d0 != d1:
            self.add("table", CHANGED, name, key, d0, d1, _changed_fields(d0, d1))
        self.comment("table", name, key, t0.comment, t1.comment)
        if not t1.is_view:
            self.columns(t0, t1)
        for c0 in t0.columns:
            c1 = t1.column(c0.name)
            if c1 is not None:
                self.comment("column", f"{name}.{c0.name}", key, c0.comment, c1.comment)
        pk0 = (t0.primary_key,) if t0.primary_key else ()
        pk1 = (t1.primary_key,) if t1.primary_key else ()
        cons_label = (lambda c: f"{name}.{c.name}")
        self.named("primary key", pk0, pk1, lambda c: "pk", cons_label, constraint_desc, key,
                   ignore_when_others=("definition",))
        for kind, attr in (("unique", "uniques"), ("check", "checks"), ("exclusion", "exclusions")):
            self.named(kind, getattr(t0, attr), getattr(t1, attr), lambda c: c.name, cons_label, constraint_desc, key,
                       same=lambda c: c.definition)
        fks0 = [fk for fk in t0.foreign_keys if fk.inherited_from is None]
        fks1 = [fk for fk in t1.foreign_keys if fk.inherited_from is None]
        self.named("foreign key", fks0, fks1, lambda fk: fk.name, cons_label, fk_desc, key,
                   related=lambda fk: (fk.parent,) if fk.parent != key else (),
                   ignore_when_others=(), same=lambda fk: (fk.columns, fk.parent, fk.ref_columns))
        idx0 = [i for i in t0.indexes if not i.constraint]
        idx1 = [i for i in t1.indexes if not i.constraint]
        self.named("index", idx0, idx1, lambda i: i.name, lambda i: i.name if t1.schema == "public" else
                   f"{t1.schema}.{i.name}", index_desc, key,
                   same=lambda i: i.definition.split(" ON ", 1)[-1])
        for what, items0, items1 in (("index", t0.indexes, t1.indexes), ("constraint", self._cons(t0), self._cons(t1)),
                                     ("trigger", t0.triggers, t1.triggers)):
            m1 = {o.name: o for o in items1}
            for o in items0:
                o1 = m1.get(o.name)
                if o1 is not None:
                    self.comment(what, f"{name}.{o.name}" if what != "index" else o.name, key, o.comment, o1.comment)
        self.named("trigger", t0.triggers, t1.triggers, lambda tr: tr.name, cons_label, trigger_desc, key)

    @staticmethod
    def _cons(t: Table) -> list:
        return [*((t.primary_key,) if t.primary_key else ()), *t.uniques, *t.checks, *t.exclusions,
                *t.foreign_keys]

    def columns(self, t0: Table, t1: Table) -> None:
        key, name = t1.key, t1.display_name
        names0 = {c.name for c in t0.columns}
        names1 = {c.name for c in t1.columns}
        gone = [c for c in t0.columns if c.name not in names1]
        new = [c for c in t1.columns if c.name not in names0]
        for c0 in list(gone):
            same = [c for c in new if c.data_type == c0.data_type]
            back = [c for c in gone if c.data_type == c0.data_type]
            if len(same) == 1 and len(back) == 1:
                c1 = same[0]
                gone.remove(c0)
                new.remove(c1)
                self.add("column", RENAMED, f"{name}.{c1.name}", key, {"name": c0.name, **column_desc(c0)},
                         {"name": c1.name, **column_desc(c1)}, ("name",))
        for c in gone:
            self.add("column", REMOVED, f"{name}.{c.name}", key, column_desc(c), None)
        for c in new:
            self.add("column", ADDED, f"{name}.{c.name}", key, None, column_desc(c))
        for c0 in t0.columns:
            c1 = t1.column(c0.name)
            if c1 is not None and column_desc(c0) != column_desc(c1):
                d0, d1 = column_desc(c0), column_desc(c1)
                self.add("column", CHANGED, f"{name}.{c0.name}", key, d0, d1, _changed_fields(d0, d1))

    def lookup_values(self, before: dict, after: dict, both: set[Key]) -> None:
        keys = {display_name(*k): k for k in both}
        for label in sorted(set(before) | set(after)):
            if label not in keys:
                continue  # the table itself is added or removed: its values are in its description
            v0, v1 = before.get(label), after.get(label)
            if v0 is None or v1 is None:
                continue  # not read on one side (a dump without values): nothing to compare
            self._rows(keys[label], label, v0, v1)

    def _rows(self, key: Key, label: str, v0: dict, v1: dict) -> None:
        def rows(v: dict) -> dict[tuple, dict]:
            pos = [v["columns"].index(c) for c in v["key"]]
            return {tuple(r[i] for i in pos): dict(zip(v["columns"], r)) for r in v["rows"]}

        r0, r1 = rows(v0), rows(v1)
        kcols = v1["key"]

        def name(k: tuple) -> str:
            return f"{label} " + ", ".join(f"{c}={x}" for c, x in zip(kcols, k))

        for k in sorted(set(r0) - set(r1), key=_row_sort):
            self.add("lookup value", REMOVED, name(k), key, r0[k], None)
        for k in sorted(set(r1) - set(r0), key=_row_sort):
            self.add("lookup value", ADDED, name(k), key, None, r1[k])
        for k in sorted(set(r0) & set(r1), key=_row_sort):
            if r0[k] != r1[k]:
                self.add("lookup value", CHANGED, name(k), key, r0[k], r1[k], _changed_fields(r0[k], r1[k]))


def _row_sort(k: tuple) -> tuple:
    return tuple((x is None, len(x or ""), x or "") for x in k)  # numeric text keys sort as numbers


def diff(base: Catalog, head: Catalog) -> SchemaDiff:
    """Every schema change from `base` to `head`, sorted by table, kind and name."""
    return _Differ(base, head).run()
