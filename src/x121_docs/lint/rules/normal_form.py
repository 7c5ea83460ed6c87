"""normal-form: candidate 3NF violations, each with the evidence it rests on.

Three shapes: a numbered column family (phone1, phone2, phone3: a repeating group), an array of ids (a
link table folded into a column), and a column that copies a non-key column of a table it
references. A shared name is not enough for the last one: the columns must have the same type,
an FK must lead from the child to the parent, the child's column must be an attribute that could
be a copy (not its own key, not an FK of its own, not filled per row by a default such as now()
or gen_random_uuid()), the name must occur only along that FK (a name found in unrelated tables
too is a naming habit, such as `uuid` or `last_updated`), the child must not be a history of
the parent (its key the FK plus more), and a sample of joined rows must agree. An id array must be named as one (`*_ids`); numbered columns that are
FKs are the ends of a link table, not a repeating group, and a family needs three members.

On the public corpus every schema-only copy candidate was an attribute of its own (an invoice
line's price at the time of sale, a track's length, a grant's redirect URI), so a copy is
reported only when the rows show it: `lint --db` on a database with data, or migrations that
seed rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import re
from collections import defaultdict
from collections.abc import Iterator

if TYPE_CHECKING:
    from ...catalog.model import Column, ForeignKey, Table
from ..scope import Hit, Scope, c_key, c_obj, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "normal-form", WARNING, INTEGRITY, CATALOG,
    "Candidate 3NF violations with evidence: numbered column families, arrays of ids, a column copying a non-key "
    "column of a table it references.",
    rationale="A copied column drifts from its source (an update reaches one copy, not the other); a repeating "
              "group or an id array cannot be constrained by FKs or indexed per element.",
    bad="CREATE TABLE buddies (id BIGSERIAL PRIMARY KEY,\n"
        "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT,\n"
        "    email TEXT, phone1 TEXT, phone2 TEXT, phone3 TEXT, friend_ids BIGINT[]);\n"
        "-- with rows, the copy shows: every buddy's email is its owner's\n"
        "INSERT INTO owners (name, email) SELECT 'o' || i, 'o' || i || '@example.org' FROM generate_series(1, 20) i;\n"
        "INSERT INTO buddies (owner_id, email) SELECT id, email FROM owners;",
    good="CREATE TABLE contact_phones (id BIGSERIAL PRIMARY KEY,\n"
         "    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE ON UPDATE RESTRICT,\n"
         "    phone TEXT NOT NULL);")

_NUMBERED = re.compile(r"^(?P<prefix>[a-z_]*[a-z])_?(?P<n>\d+)$")
PER_ROW_DEFAULTS = ("now()", "current_timestamp", "clock_timestamp()", "transaction_timestamp()", "statement_timestamp()",
                    "gen_random_uuid()", "uuid_generate_v1()", "uuid_generate_v4()", "uuidv4()", "uuidv7()", "nextval(",
                    "random()", "current_user", "session_user")
MIN_SAMPLE = 10  # joined rows needed before the data decides
MIN_AGREEMENT = 0.95


MIN_FAMILY = 3  # two numbered columns are usually two roles (iso_code_1/iso_code_3, address lines)


def _repeating(cols: list[str]) -> bool:
    """At least MIN_FAMILY columns numbered consecutively (phone1, phone2, phone3)."""
    nums = sorted(int(_NUMBERED.match(c)["n"]) for c in cols)
    return len(nums) >= MIN_FAMILY and nums == list(range(nums[0], nums[0] + len(nums)))


def _per_row_default(c: Column) -> bool:
    d = (c.default or "").strip().lower()
    return bool(c.identity or c.generated or c.is_serial) or any(d.startswith(p) or f" {p}" in d for p in PER_ROW_DEFAULTS)


def _own_key(t: Table, c: Column) -> bool:
    """Part of the child's own identity or relationships (its key, a unique column, an FK of its own)."""
    if t.primary_key and c.name in t.primary_key.columns:
        return True
    if any(ix.unique and ix.key_columns == (c.name,) and not ix.partial for ix in t.indexes):
        return True
    return any(c.name in fk.columns for fk in t.foreign_keys)


def _history_of(t: Table, fk: ForeignKey) -> bool:
    """The child's key is the FK plus more (a history or detail of the parent: values per key, not copies)."""
    pk = set(t.primary_key.columns) if t.primary_key else set()
    return set(fk.columns) < pk


def _candidates(t: Table, fk: ForeignKey, parent: Table, ignore: set[str]) -> list[tuple[Column, Column]]:
    parent_keys = set(parent.primary_key.columns) if parent.primary_key else set()
    out = []
    for c in t.columns:
        if c.inherited or c.name in fk.columns or c.name in ignore or _own_key(t, c) or _per_row_default(c):
            continue
        pc = parent.column(c.name)
        if pc is None or pc.name in parent_keys or pc.name in fk.ref_columns or pc.data_type != c.data_type:
            continue
        out.append((c, pc))
    return out


def _copies(s: Scope, t: Table, fk: ForeignKey, parent: Table, owners: dict[tuple[str, str], set[tuple[str, str]]],
            neighbours: set[tuple[str, str]], ignore: set[str]) -> Iterator[tuple[Column, Column, tuple[str, ...]]]:
    if _history_of(t, fk):
        return
    near = neighbours | {t.key, parent.key}
    for c, pc in _candidates(t, fk, parent, ignore):
        owning = owners[(c.name, c.data_type)]
        if len(owning) > len(near & owning):  # a table beyond these has it (counted: `owning` can be 2,000 long)
            continue  # the name is a habit of the schema, not a copy along this FK
        ev = [f"{parent.display_name}.{c.name} {pc.data_type} reachable through FK {fk.name} "
              f"({', '.join(fk.columns)} -> {', '.join(fk.ref_columns)})",
              f"no table outside this FK has a {c.data_type} column {c.name}"]
        agreement = s.probe.agreement(t, fk, c.name, parent) if s.probe is not None else None
        if agreement is None or agreement[1] < MIN_SAMPLE or agreement[0] < MIN_AGREEMENT * agreement[1]:
            continue  # without rows that agree, a shared name is an attribute of each (a price then, a length here)
        ev.append(f"{agreement[0]} of {agreement[1]} sampled rows hold the parent's value")
        yield c, pc, tuple(ev)


def check(s: Scope) -> Iterator[Hit]:
    ignore = set(s.config.normal_form_ignore_columns)
    owners: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    adjacent: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for t in s.tables:
        for c in t.columns:
            owners[(c.name, c.data_type)].add(t.key)
        for fk in t.foreign_keys:
            adjacent[fk.parent].add(t.key)
            adjacent[t.key].add(fk.parent)
    for t in s.tables:
        families: dict[str, list[str]] = defaultdict(list)
        for c in t.columns:
            if c.inherited:
                continue
            m = _NUMBERED.match(c.name)
            if m and not any(c.name in fk.columns for fk in t.foreign_keys):
                families[m["prefix"]].append(c.name)  # entity0, entity1 as FKs: the two ends of a link table
            if c.is_array and c.type_name in ("_int2", "_int4", "_int8") and c.name.endswith(("_ids", "ids", "_id")):
                yield Hit(RULE.id, c_obj(t, c.name),
                          f"array of ids ({c.data_type}): a repeating group; use a link table with FKs",
                          (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}",), detail="id-array")
        for prefix, cols in sorted(families.items()):
            if _repeating(cols):
                yield Hit(RULE.id, c_obj(t, f"{prefix}*"),
                          f"numbered column family {', '.join(cols)}: a repeating group; use a child table",
                          (c_key(t, cols[0]), t_key(t)), evidence=tuple(cols), detail="repeating-group")
        seen: set[str] = set()
        for fk in t.foreign_keys:
            if fk.inherited_from or fk.is_self_reference:
                continue
            parent = s.catalog.get(fk.ref_table, fk.ref_schema)
            if parent is None:
                continue
            neighbours = adjacent[parent.key] | adjacent[t.key]
            for c, pc, ev in _copies(s, t, fk, parent, owners, neighbours, ignore):
                if c.name in seen:
                    continue
                seen.add(c.name)
                yield Hit(RULE.id, c_obj(t, c.name),
                          f"copies {parent.display_name}.{c.name}, reachable through FK {fk.name}: candidate "
                          "transitive dependency (3NF); read it through the FK instead",
                          (c_key(t, c.name), t_key(t)), evidence=ev, detail="copied-column")
