"""unique-naming: unique constraints and unique indexes are named uq_{table}_{cols}."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope
from . import CATALOG, ERROR, NAMING, Rule
from ._index_names import misnamed

RULE = Rule(
    "unique-naming", ERROR, NAMING, CATALOG,
    "Unique constraints and unique indexes are named uq_{table}_{cols} (shortened to 63 bytes by the workbench rule).",
    rationale="The constraint name is what a unique violation reports: uq_{table}_{cols} tells the reader (and "
              "the plain-language error translator) which columns clashed.",
    bad="CREATE TABLE seats (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL UNIQUE);",
    good="CREATE TABLE seats (id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL,\n"
         "    CONSTRAINT uq_seats_code UNIQUE (code));",
    also=("index-naming",))


def check(s: Scope) -> Iterator[Hit]:
    yield from misnamed(s, True, RULE.id)
