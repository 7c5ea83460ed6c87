"""column-type-consistency: a column name has one type across tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..scope import Hit, Scope
from . import CATALOG, CONVENTION, WARNING, Rule

RULE = Rule(
    "column-type-consistency", WARNING, CONVENTION, CATALOG,
    "A column name has one type across tables.",
    rationale="The same name with two types (an integer `floor` here, a smallint there) means casts in joins "
              "and comparisons, and usually one of the two is a mistake.",
    bad="CREATE TABLE halls (id BIGSERIAL PRIMARY KEY, floor SMALLINT NOT NULL);\n"
        "CREATE TABLE levels (id BIGSERIAL PRIMARY KEY, floor INTEGER NOT NULL);",
    good="CREATE TABLE halls (id BIGSERIAL PRIMARY KEY, floor INTEGER NOT NULL);")


def check(s: Scope) -> Iterator[Hit]:
    types: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t, c in s.columns():
        types[c.name][c.data_type].append(t.display_name)
    for name in sorted(types):
        if len(types[name]) > 1:
            ev = tuple(f"{dt}: {', '.join(ts)}" for dt, ts in sorted(types[name].items()))
            yield Hit(RULE.id, name, f"column {name} has {len(types[name])} types: " + "; ".join(ev), (), evidence=ev)
