"""Cells that show the database refusing a bad row: try a statement, report what happened.

The sentence comes from the integrity tools' translation of the constraint error
(`x121_docs.integrity.messages`), the same wording the platform shows its users.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..catalog.model import Catalog
from ..integrity.messages import translate
from .display import Text, lines


def attempt(conn: psycopg.Connection, catalog: Catalog, statement: str, params: Any = None) -> Text:
    """Run `statement` in its own transaction (rolled back either way) and say what the database did."""
    try:
        with conn.transaction(force_rollback=True):
            cur = conn.execute(statement, params)
            done = f"accepted ({cur.rowcount} row{'s' if cur.rowcount != 1 else ''}; rolled back)"
    except psycopg.errors.IntegrityError as exc:
        return lines([f"refused [{exc.sqlstate} {type(exc).__name__}]: {translate(exc, catalog, conn)}"])
    return lines([done])
