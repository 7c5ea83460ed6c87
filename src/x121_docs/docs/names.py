"""Safe, stable file names and anchors for any PostgreSQL identifier.

Quoted names may hold upper case, spaces, dots, slashes or non-ASCII letters, and `Foo` and
`foo` are different tables that must not share a file on a case-insensitive file system.
Plain lower-case names keep a readable slug; any other name gets a short hash of its exact
spelling appended, so every slug is unique and the same on every run.
"""

from __future__ import annotations

import hashlib
import re

from ..catalog.model import Table, display_name

_SAFE = re.compile(r"[a-z0-9_]+")


def slug(schema: str, name: str) -> str:
    """'users' -> 'users'; 'sales.orders' -> 'sales.orders'; 'Odd "Name"' -> 'odd-name-1a2b3c4d'."""
    parts = [name] if schema == "public" else [schema, name]
    if all(_SAFE.fullmatch(p) for p in parts):
        return ".".join(parts)
    readable = ".".join(re.sub(r"[^a-z0-9_]+", "-", p.lower()).strip("-") or "x" for p in parts)
    digest = hashlib.sha1(f"{schema}\x00{name}".encode()).hexdigest()[:8]
    return f"{readable}-{digest}"


def table_slug(table: Table | tuple[str, str]) -> str:
    schema, name = table.key if isinstance(table, Table) else table
    return slug(schema, name)


def anchor(text: str) -> str:
    """An HTML id for a heading or row (same rule as slug, dots become dashes)."""
    return "t-" + slug("public", text).replace(".", "-")


def label(key: tuple[str, str]) -> str:
    return display_name(*key)
