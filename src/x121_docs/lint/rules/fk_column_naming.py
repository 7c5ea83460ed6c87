"""fk-column-naming: a single-column FK is named after what it references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from .._lazy import model, naming
from ..scope import Hit, Scope, c_key, c_obj, con_key, ident, qual, t_key
from . import CATALOG, ERROR, NAMING, Rule

if TYPE_CHECKING:
    from ...catalog.model import ForeignKey, Table

RULE = Rule(
    "fk-column-naming", ERROR, NAMING, CATALOG,
    "A single-column FK is named {singular(referenced table)}_{referenced column}, optionally with a role prefix "
    "(created_by_user_id); when the referenced column's name says what it is (users.user_id, hosts.hostid, "
    "anything but a generic id/code/uuid), that name (with an optional role prefix) is the name.",
    rationale="A reader should know from the column alone which table it points at. The suggested name never "
              "repeats a component (no `host_hostid`, no `user_user_id`) and is one this rule accepts.",
    bad="CREATE TABLE rides (id BIGSERIAL PRIMARY KEY,\n"
        "    driver BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);",
    good="CREATE TABLE rides (id BIGSERIAL PRIMARY KEY,\n"
         "    driver_owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);")


#: Key names that do not say which table they belong to: an FK must add the entity to them.
GENERIC_KEYS = frozenset({"id", "code", "key", "uuid", "guid", "gid", "name", "number", "no", "num", "ref", "slug"})


def accepted_names(ref_table: str, ref_column: str) -> tuple[str, ...]:
    """The names (without role prefix) an FK column to ref_table.ref_column may have."""
    entity = naming.singular(ref_table)
    if _carries_entity(ref_column, (entity, ref_table)) or ref_column.lower() not in GENERIC_KEYS:
        return (ref_column,)  # users.user_id, hosts.hostid, person.businessentityid: the key's own name says it
    out = [f"{entity}_{ref_column}"]
    if ref_table != entity:  # the table's own name, for the words an inflector cannot be sure of (trans, staff)
        out.append(f"{ref_table}_{ref_column}")
    return tuple(out)


def _carries_entity(ref_column: str, entities: tuple[str, ...]) -> bool:
    """True when the referenced column's name already starts with the entity (`user_id`, `hostid`)."""
    return any(ref_column.startswith(e) and ref_column != e for e in entities)


def is_accepted(col: str, ref_table: str, ref_column: str) -> bool:
    for n in accepted_names(ref_table, ref_column):
        if col == n or col.endswith(f"_{n}"):
            return True
        head = n[: -len(ref_column) - 1]  # a numbered role: tag1_id, tag2_id when a table references tags twice
        if head and _numbered_role(head, ref_column).fullmatch(col):
            return True
    return False


@lru_cache(maxsize=4096)
def _numbered_role(head: str, ref_column: str) -> re.Pattern[str]:
    """Compiled once per referenced table (bounded as catalog.naming's caches are): 2,000 tables make
    more patterns than `re` keeps (512), so `re.fullmatch` compiled them again and again (5,706 FKs:
    155 -> 43 ms for `is_accepted`)."""
    return re.compile(rf"(?:.+_)?{re.escape(head)}_?\d+_{re.escape(ref_column)}")


def repeats_a_component(name: str) -> bool:
    """True when a word of `name` repeats (digits aside), or runs into the next one (`user_user_id`, `host_hostid`,
    `tag2_tag_id`)."""
    words = [w.rstrip("0123456789") or w for w in name.split("_") if w]
    return len(set(words)) < len(words) or any(b.startswith(a) or a.startswith(b) for a, b in zip(words, words[1:]))


def suggestion(col: str, fk: ForeignKey, taken: set[str]) -> str | None:
    """A name this rule accepts, keeping the column's own word as a role; None when no clean one exists."""
    base = accepted_names(fk.ref_table, fk.ref_columns[0])[0]
    role = col
    for tail in (f"_{fk.ref_columns[0]}", fk.ref_columns[0], "_id", "id"):
        if role.endswith(tail) and role != tail:
            role = role[: -len(tail)].rstrip("_")
            break
    entity_words = set(naming.singular(fk.ref_table).split("_")) | set(fk.ref_table.split("_"))
    digits = re.search(r"_?(\d+)$", role)
    bare = role[: digits.start()] if digits else role
    if digits and bare and set(bare.split("_")) <= entity_words and base != fk.ref_columns[0]:
        candidates = [f"{base[: -len(fk.ref_columns[0]) - 1]}{digits.group(1)}_{fk.ref_columns[0]}"]  # tag2 -> tag2_id
    elif not role or set(role.split("_")) <= entity_words:
        candidates = [base]
    else:
        candidates = [f"{role}_{base}", base]
    for cand in candidates:
        if is_accepted(cand, fk.ref_table, fk.ref_columns[0]) and not repeats_a_component(cand) \
                and naming.is_snake_case(cand) and naming.is_plain_identifier(cand) and cand not in taken \
                and len(cand.encode()) <= naming.MAX_IDENTIFIER_BYTES:
            return cand
    return None


def check(s: Scope) -> Iterator[Hit]:
    for t, fk in s.fks():
        if len(fk.columns) != 1 or (t.primary_key is not None and t.primary_key.columns == fk.columns):
            continue  # composite, or the table's own key (a 1:1 extension: pk-bigserial names that one)
        col, ref = fk.columns[0], fk.ref_columns[0]
        if is_accepted(col, fk.ref_table, ref):
            continue
        new = suggestion(col, fk, {c.name for c in t.columns})
        names = " or ".join(accepted_names(fk.ref_table, ref))
        message = (f"FK column {col} references {model.display_name(fk.ref_schema, fk.ref_table)}.{ref} but its name does "
                   f"not say so (expected {names}, optionally with a role prefix)")
        message += f": name it {new}" if new else ""
        yield Hit(RULE.id, c_obj(t, col), message, (c_key(t, col), con_key(t, fk.name), t_key(t)),
                  evidence=(fk.definition,), fix=_fix(t, col, new))


def _fix(t: Table, col: str, new: str | None) -> str | None:
    return f"ALTER TABLE {qual(t)} RENAME COLUMN {ident(col)} TO {new};" if new else None
