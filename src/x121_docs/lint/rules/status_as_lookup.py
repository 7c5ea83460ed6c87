"""status-as-lookup: statuses are BIGINT FKs to a {domain}_statuses lookup table.

Whether a column *is* a status is weighed, not read off its name alone: the type must be able
to hold a status code (text, char, an enum, an integer; never bytea, json, geometry, boolean or
a number with a fraction), and the name (`status`, `*_status`, `volstatus`, `*_state`) is backed
by the constraints: an enum type, a CHECK listing the allowed literals, or, with data, a small
set of distinct values. `state` on its own is also a place (an address's state), so a
`*state` name counts only with such backing; `status` counts with a text-like type alone.
Every finding lists the evidence it was decided on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .._lazy import model, naming
from ..scope import Hit, Scope, c_key, c_obj, con_key, ident, qual, single_fk, t_key
from . import CATALOG, CONVENTION, ERROR, Rule

if TYPE_CHECKING:
    from ...catalog.model import Column, Constraint, Table

RULE = Rule(
    "status-as-lookup", ERROR, CONVENTION, CATALOG,
    "Status columns are BIGINT FKs to a {domain}_statuses lookup table: no text, varchar or enum status, no CHECK "
    "listing status literals.",
    rationale="A lookup table lets a status gain a label, an order and a description, be renamed without "
              "touching rows, and be listed by the docs and the UI; a CHECK list or an enum needs a migration "
              "(and, for an enum, cannot drop a value). A column counts as a status on evidence (type, name and "
              "constraints), which the finding states.",
    bad="CREATE TABLE tickets (id BIGSERIAL PRIMARY KEY,\n"
        "    status TEXT NOT NULL CHECK (status IN ('open', 'closed')));",
    good="CREATE TABLE ticket_statuses (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
         "CREATE TABLE tickets (id BIGSERIAL PRIMARY KEY,\n"
         "    status_id BIGINT NOT NULL REFERENCES ticket_statuses (id) ON DELETE RESTRICT ON UPDATE RESTRICT);",
    how="catalog + source")

TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "citext", "name"})
INT_TYPES = frozenset({"int2", "int4", "int8"})
MAX_DISTINCT = 20  # with data: a status column holds few distinct values


@lru_cache(maxsize=4096)
def check_literals(definition: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The string and integer constants a CHECK definition lists (parsed with PostgreSQL's parser)."""
    from pglast import parser

    expr = definition.strip()
    for suffix in (" NOT VALID", " NO INHERIT"):
        expr = expr.removesuffix(suffix)
    if expr.upper().startswith("CHECK"):
        expr = expr[5:]
    try:
        tree = json.loads(parser.parse_sql_json(f"SELECT 1 WHERE {expr}"))
    except parser.ParseError:
        return (), ()
    strings: list[str] = []
    ints: list[int] = []

    def consts(node: object) -> None:
        if isinstance(node, dict):
            const = node.get("A_Const")
            if isinstance(const, dict):
                if "sval" in const:
                    strings.append(const["sval"].get("sval", ""))
                elif "ival" in const:
                    ints.append(const["ival"].get("ival", 0))
            for v in node.values():
                consts(v)
        elif isinstance(node, list):
            for v in node:
                consts(v)

    def walk(node: object) -> None:
        """Constants of `x IN (...)`, `x = ANY (ARRAY[...])` and `x = 'v'` only (not BETWEEN bounds or lengths)."""
        if isinstance(node, dict):
            ex = node.get("A_Expr")
            if isinstance(ex, dict):
                op = [n.get("String", {}).get("sval") for n in ex.get("name") or []]
                if ex.get("kind") in ("AEXPR_IN", "AEXPR_OP_ANY") and op == ["="] or \
                        ex.get("kind") == "AEXPR_OP" and op == ["="]:
                    consts(ex.get("rexpr"))
                    return
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(tree)
    return tuple(dict.fromkeys(strings)), tuple(dict.fromkeys(ints))


@dataclass(frozen=True)
class StatusEvidence:
    word: str  # status | state
    enum_labels: tuple[str, ...] | None
    check: Constraint | None
    literals: tuple[str, ...]
    distinct: tuple[str, ...] | None  # sampled values when data was available

    def lines(self, c: Column) -> tuple[str, ...]:
        out = [f"type {c.data_type}", f"name {c.name!r} (ends in {self.word!r})"]
        if self.enum_labels is not None:
            out.append(f"enum labels: {', '.join(self.enum_labels)}")
        if self.check is not None:
            out.append(f"CHECK {self.check.name} lists {len(self.literals)} values: {', '.join(self.literals)}")
        if self.distinct is not None:
            out.append(f"{len(self.distinct)} distinct values in the data: {', '.join(self.distinct)}")
        return tuple(out)


def _status_word(s: Scope, name: str) -> str | None:
    if not s.config.is_status_like(name):
        return None
    base = name.removesuffix("_id")
    return "status" if base.endswith("status") else "state" if base.endswith("state") else "status"


def _column_check(t: Table, c: Column) -> tuple[Constraint | None, tuple[str, ...]]:
    """The CHECK on this column alone that lists its allowed values (2 or more), if any."""
    for ck in t.checks:
        if ck.inherited_from is None and ck.columns == (c.name,):
            strings, ints = check_literals(ck.definition)
            values = strings if c.type_name in TEXT_TYPES else tuple(str(i) for i in ints)
            if len(values) >= 2:
                return ck, values
    return None, ()


def evidence(s: Scope, t: Table, c: Column) -> StatusEvidence | None:
    """The evidence that `c` holds a status, or None when it does not look like one."""
    word = _status_word(s, c.name)
    if word is None or c.is_array or c.generated:
        return None
    enum = s.catalog.enum(c.type_schema, c.type_name)
    if enum is None and c.type_name not in TEXT_TYPES and c.type_name not in INT_TYPES:
        return None  # bytea, json, geometry, boolean, numeric...: not a status code
    check, literals = _column_check(t, c)
    distinct = s.probe.distinct_values(t, c.name, MAX_DISTINCT) if s.probe is not None else None
    ev = StatusEvidence(word, enum.labels if enum else None, check, literals,
                        tuple(distinct) if distinct is not None else None)
    backed = enum is not None or check is not None or (distinct is not None and 0 < len(distinct) <= MAX_DISTINCT)
    if distinct is not None and len(distinct) > MAX_DISTINCT and enum is None and check is None:
        return None  # the data says it is free text
    if word == "state" and not backed:
        return None  # a place (an address's state, a states table) as much as a status
    if c.type_name in INT_TYPES and not backed and single_fk(t, c.name) is None and word != "status":
        return None
    return ev


def status_problem(s: Scope, t: Table, c: Column) -> tuple[str, str] | None:
    """(detail, message) when status-like column `c` is not a lookup FK; None when it is (or is no status)."""
    if evidence(s, t, c) is None:
        return None
    fk = single_fk(t, c.name)
    enum = s.catalog.enum(c.type_schema, c.type_name)
    if enum is not None:
        return "enum-status", f"status stored as enum {model.display_name(enum.schema, enum.name)}: use a BIGINT FK to a {{domain}}_statuses lookup table"
    if c.type_name not in INT_TYPES:
        return "text-status", f"status stored as {c.data_type}: use a BIGINT FK to a {{domain}}_statuses lookup table"
    if fk is None:
        return "no-fk", "status column has no FK: reference a {domain}_statuses lookup table"
    if fk.ref_table.rpartition("_")[2] not in ("statuses", "status"):  # release_status is a lookup, named singular
        return "not-lookup", f"status column references {model.display_name(fk.ref_schema, fk.ref_table)}, not a {{domain}}_statuses lookup table"
    return None


def is_status_column(s: Scope, t: Table, c: Column) -> bool:
    return evidence(s, t, c) is not None


def _fix(t: Table, c: Column, values: tuple[str, ...]) -> str | None:
    """The lookup table, its rows and the FK column that replace a listed set of values."""
    if not values or c.type_name in INT_TYPES:
        return None
    
    base = c.name.removesuffix("_id")
    base = base[: -len("state")] + "status" if base.endswith("state") else base
    base = base if base.endswith("status") else f"{base}_status"
    domain = naming.singular(t.name)
    lookup = naming.plural(f"{domain}_status" if base == "status" else base)  # maritalstatus: not employee_statuses
    new_col = f"{base}_id"
    rows = ", ".join("('" + v.replace("'", "''") + "')" for v in values)
    fk = naming.template_name("fk", t.name, (new_col,))
    return (f"CREATE TABLE {ident(lookup)} (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n"
            f"INSERT INTO {ident(lookup)} (name) VALUES {rows};\n"
            f"ALTER TABLE {qual(t)} ADD COLUMN {ident(new_col)} BIGINT, ADD CONSTRAINT {ident(fk)} FOREIGN KEY "
            f"({ident(new_col)}) REFERENCES {ident(lookup)} (id) ON DELETE RESTRICT ON UPDATE RESTRICT;\n"
            f"UPDATE {qual(t)} x SET {ident(new_col)} = l.id FROM {ident(lookup)} l WHERE l.name = x.{ident(c.name)};")


def check(s: Scope) -> Iterator[Hit]:
    for t, c in s.columns():
        problem = status_problem(s, t, c)
        if problem is None:
            continue
        ev = evidence(s, t, c)
        keys = (c_key(t, c.name), *((con_key(t, ev.check.name),) if ev.check is not None else ()), t_key(t))
        yield Hit(RULE.id, c_obj(t, c.name), problem[1], keys, evidence=ev.lines(c), detail=problem[0],
                  fix=_fix(t, c, ev.enum_labels or ev.literals or ()))
