"""column-type-consistency: a column name has one type across tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..scope import Hit, Scope
from . import CATALOG, CONVENTION, WARNING, Rule

RULE = Rule(
    "column-type-consistency", WARNING, CONVENTION, CATALOG,
    "A column name has one type across tables.",
    rationale="The same name with two types of one family (an integer `floor` here, a smallint there; a date "
              "and a timestamp) means casts in joins and comparisons, and usually one of the two is a mistake. "
              "Types of different families (a text `value` and an integer `value`) are different things that "
              "share a word, and are not reported.",
    bad="CREATE TABLE halls (id BIGSERIAL PRIMARY KEY, floor SMALLINT NOT NULL);\n"
        "CREATE TABLE levels (id BIGSERIAL PRIMARY KEY, floor INTEGER NOT NULL);",
    good="CREATE TABLE halls (id BIGSERIAL PRIMARY KEY, floor INTEGER NOT NULL);")


_CATEGORIES = {"int2": "number", "int4": "number", "int8": "number", "numeric": "number", "float4": "number",
               "float8": "number", "money": "number", "text": "text", "varchar": "text", "bpchar": "text",
               "citext": "text", "date": "time", "timestamp": "time", "timestamptz": "time", "time": "clock",
               "timetz": "clock", "json": "json", "jsonb": "json"}


def category(type_name: str) -> str:
    """A type's family: the same name in two families (a text `value` and an integer `value`) means two things."""
    base = type_name.lstrip("_")
    return ("array of " if type_name.startswith("_") else "") + _CATEGORIES.get(base, base)


def check(s: Scope) -> Iterator[Hit]:
    types: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t, c in s.columns():  # by base type: varchar(50) and varchar(8), timestamp and timestamp(6) agree
        base = c.data_type.split("(")[0] + ("[]" if c.is_array and "[]" not in c.data_type else "")
        types[(c.name, category(c.type_name))][base].append(t.display_name)
    for name, cat in sorted(types):
        found = types[(name, cat)]
        if len(found) > 1:
            ev = tuple(f"{dt}: {', '.join(ts)}" for dt, ts in sorted(found.items()))
            yield Hit(RULE.id, name, f"column {name} has {len(found)} {cat} types: " + "; ".join(ev), (), evidence=ev,
                      detail=cat)
