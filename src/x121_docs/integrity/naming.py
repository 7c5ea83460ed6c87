"""Words for tables and columns: singular/plural entity names, soft-reference guesses.

Messages and scans name things the way a user would ("approval status", "3 segment
approvals"), with the catalog's inflector (`catalog.naming`, shared with the linter's naming
rules), or an explicit entity name from a table COMMENT when one is given.
"""

from __future__ import annotations

import re

from ..catalog.model import Catalog, Column, Table
from ..catalog.naming import plural, singular

#: A table COMMENT may name its entity explicitly on its first line: "Entity: video clip."
_ENTITY_PREFIX = "entity:"


def entity_name(table: Table) -> str:
    """What a user calls one row: 'Entity: ...' from the COMMENT, else the singular table name."""
    if table.comment:
        first = table.comment.strip().splitlines()[0]
        if first.lower().startswith(_ENTITY_PREFIX):
            return first[len(_ENTITY_PREFIX):].strip().rstrip(".").strip()
    return singular(table.name).replace("_", " ")


def entity_count(table: Table, n: int) -> str:
    """'1 segment approval', '3 segment approvals'."""
    name = entity_name(table)
    return f"{n} {name}" if n == 1 else f"{n} {plural(name.replace(' ', '_')).replace('_', ' ')}"


def column_words(name: str) -> str:
    """A column name in words: 'file_size_bytes' -> 'file size bytes', 'project_id' -> 'project'."""
    if name.endswith("_id") and len(name) > 3:
        name = name[:-3]
    return name.replace("_", " ")


def column_meaning(column: Column | None) -> str | None:
    """The first clause of a column COMMENT, as a short gloss ('Size of the rendered file in bytes')."""
    if column is None or not column.comment:
        return None
    text = column.comment.strip()
    cut = re.search(r"(;|\.\s|\.$|\s\()", text)
    clause = text[: cut.start()] if cut else text
    return clause.strip() or None


def soft_reference_candidates(column: str) -> list[str]:
    """Table names a `*_id` column may point at, most specific first.

    'reviewer_user_id' -> ['reviewer_users', 'reviewer_user', 'users', 'user'].
    """
    stem = column[:-3] if column.endswith("_id") else column
    parts = [p for p in stem.split("_") if p]
    names: list[str] = []
    for i in range(len(parts)):
        phrase = "_".join(parts[i:])
        for candidate in (plural(phrase), phrase):
            if candidate not in names:
                names.append(candidate)
    return names


def guess_parent(catalog: Catalog, table: Table, column: str) -> Table | None:
    """The table a soft reference evidently points at: same schema first, then public."""
    schemas = [table.schema] + (["public"] if table.schema != "public" else [])
    for name in soft_reference_candidates(column):
        for schema in schemas:
            found = catalog.get(name, schema)
            if found is not None and not found.is_view and found.primary_key is not None:
                return found
    return None
