"""table-naming: tables are snake_case and plural, columns snake_case."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._lazy import model, naming
from ..scope import Hit, Scope, c_key, c_obj, ident, qual, t_key, t_obj
from . import CATALOG, ERROR, NAMING, Rule

if TYPE_CHECKING:
    from ...catalog.model import Table

RULE = Rule(
    "table-naming", ERROR, NAMING, CATALOG,
    "Tables are snake_case and plural; columns are snake_case; no quoted mixed-case names.",
    rationale="A mixed-case or otherwise quoted name must be double-quoted in every query, forever, by every "
              "tool; plural table names read as the sets they are (`FROM users`).  A trailing underscore "
              "(`key_`, the usual way round a reserved word) is snake_case.",
    bad='CREATE TABLE person (id BIGSERIAL PRIMARY KEY, "firstName" TEXT NOT NULL);',
    good="CREATE TABLE people (id BIGSERIAL PRIMARY KEY, first_name TEXT NOT NULL);")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_suggestion(name: str, taken: set[str]) -> str | None:
    """A snake_case spelling of `name` (camelCase split, other characters to `_`), when one exists and is free."""
    words = [w for w in re.split(r"[^0-9a-z]+", _CAMEL.sub("_", name).lower()) if w]
    cand = "_".join(words)
    if not cand or cand[0].isdigit() or cand in taken or not naming.is_snake_case(cand) \
            or not naming.is_plain_identifier(cand) or len(cand.encode()) > naming.MAX_IDENTIFIER_BYTES:
        return None
    return cand


def plural_suggestion(name: str, taken: set[str]) -> str | None:
    cand = naming.plural(name)
    if cand == name or cand in taken or not naming.is_plural(cand) or not naming.is_snake_case(cand) \
            or naming.singular(cand) != name or len(cand.encode()) > naming.MAX_IDENTIFIER_BYTES:
        return None
    return cand


_KEYWORD = {"view": "VIEW", "materialized view": "MATERIALIZED VIEW", "foreign table": "FOREIGN TABLE"}


def _table_hit(t: Table, message: str, detail: str, new: str | None, evidence: tuple[str, ...]) -> Hit:
    fix = f"ALTER {_KEYWORD.get(t.kind, 'TABLE')} {qual(t)} RENAME TO {ident(new)};" if new else None
    return Hit(RULE.id, t_obj(t), message + (f": name it {new}" if new else ""), (t_key(t),), evidence=evidence,
               detail=detail, fix=fix)


def check(s: Scope) -> Iterator[Hit]:
    tables_by_schema: dict[str, set[str]] = {}
    for t in s.catalog.tables:
        tables_by_schema.setdefault(t.schema, set()).add(t.name)
    for t in s.named:
        taken = tables_by_schema.get(t.schema, set())
        problem = naming.snake_case_problem(t.name)
        if problem:
            yield _table_hit(t, f"{t.kind} name {t.name!r} {problem}", "table-case", snake_suggestion(t.name, taken),
                             (f"name {t.name!r}",))
        elif t.kind in (model.TABLE, model.PARTITIONED_TABLE) and t.name.rpartition("_")[2].isalpha() \
                and not naming.is_plural(t.name):  # iso_3166_3: a code, not a word with a number
            last = t.name.rpartition("_")[2]
            yield _table_hit(t, f"table name {t.name!r} is not plural (its last word {last!r} is singular)", "plural",
                             plural_suggestion(t.name, taken), (f"singular({last!r}) = {naming.singular_word(last)!r}",))
        columns = {c.name for c in t.columns}
        for c in t.columns:
            if c.inherited:
                continue
            problem = naming.snake_case_problem(c.name)
            if problem:
                new = snake_suggestion(c.name, columns)
                fix = f"ALTER {_KEYWORD.get(t.kind, 'TABLE')} {qual(t)} RENAME COLUMN {ident(c.name)} TO {new};" \
                    if new else None
                yield Hit(RULE.id, c_obj(t, c.name), f"column name {c.name!r} {problem}"
                          + (f": name it {new}" if new else ""), (c_key(t, c.name), t_key(t)),
                          evidence=(f"name {c.name!r}",), detail="column-case", fix=fix)
