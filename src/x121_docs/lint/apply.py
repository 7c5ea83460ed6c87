"""Build a throwaway database from the migrations folder, for the catalog rules to read.

`apply_to_throwaway(settings, folder)` is the one seam between the linter and the migration
runner: today it applies the files with a simple in-order executor (one transaction per file,
statement by statement so a failure names its file and line; a file whose first line is
`-- no-transaction` runs statement by statement in autocommit, as SQLx does).  Switch the body
to the runner of branch `migrate` when it lands; the contract stays: yield settings of a
database with every migration applied, and drop it afterwards whatever happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
from psycopg import sql

from ..config import Settings
from ..database.bootstrap import MAINTENANCE_DATABASES, bootstrap
from ..database.connect import connect, resolve
from ..errors import DatabaseError, WorkbenchError
from .source import SqlFile, display_path, migration_files

NO_TRANSACTION = "-- no-transaction"


def throwaway_name() -> str:
    return f"x121_lint_{uuid.uuid4().hex[:12]}"


def _drop(settings: Settings) -> None:
    for maintenance in MAINTENANCE_DATABASES:
        try:
            conn = connect(settings, maintenance, autocommit=True)
        except DatabaseError:
            continue
        with conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(settings.name)))
        return


def apply_files(conn: psycopg.Connection, files: list[SqlFile]) -> None:
    """Run each file's statements in order; a failure raises WorkbenchError naming file and line."""
    for f in files:
        in_tx = not f.text.lstrip().startswith(NO_TRANSACTION)
        conn.autocommit = not in_tx
        try:
            for st in f.statements:
                try:
                    conn.execute(f.text[st.start:st.end], prepare=False)
                except psycopg.Error as exc:
                    message = (exc.diag.message_primary or str(exc)).strip()
                    raise WorkbenchError(f"Migration {f.display} line {st.line} failed: {message}.",
                                         "Fix the migration; nothing was applied to your database (the linter "
                                         "uses a throwaway one).") from None
            if in_tx:
                conn.commit()
        except BaseException:
            if in_tx and not conn.closed:
                conn.rollback()
            raise
    conn.autocommit = True


@contextmanager
def apply_to_throwaway(settings: Settings, folder: Path, files: list[SqlFile] | None = None) -> Iterator[Settings]:
    """Settings of a new database (same server) with every migration of `folder` applied; dropped on exit."""
    settings = resolve(settings)
    temp = replace(settings, name=throwaway_name())
    if files is None:
        files = [SqlFile(p, display_path(p)) for p in migration_files(folder)]
    bootstrap(temp)  # as the real database: created, with the allow-listed extensions
    try:
        with connect(temp) as conn:
            apply_files(conn, files)
        yield temp
    finally:
        _drop(temp)
