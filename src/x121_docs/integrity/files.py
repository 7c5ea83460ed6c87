"""File-drift scan: do the file records (path, size, SHA-256) match the files under a root?

Reports records whose file is missing, whose size or hash differs, record paths that would
leave the root, and files on disk that no record describes.  It reads only: rows stream
through a server-side cursor in a READ ONLY transaction, files are opened for reading.
Hashing runs in a thread pool (hashlib releases the GIL on large buffers), with a bounded
number of files in flight so memory stays flat however many rows there are.  A file whose
size already differs is not hashed.  Rows without size and hash describe files that were
planned but not rendered yet: their absence is not drift.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from psycopg import sql

from ..catalog.model import Catalog
from ..errors import EXIT_FINDINGS, EXIT_OK, WorkbenchError
from .common import find_table, jsonable, qualified

CHUNK = 1 << 20
ITERSIZE = 2000


@dataclass(frozen=True)
class FileSource:
    """Where the file records are; defaults describe the platform's video segments."""

    table: str = "video_segments"
    path_column: str = "file_path"
    size_column: str | None = "file_size_bytes"
    hash_column: str | None = "file_sha256"


@dataclass
class FileDrift:
    root: str
    table: str
    records: int = 0
    planned: int = 0  # rows without recorded facts and without a file yet
    files_on_disk: int = 0
    hashed_bytes: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    size_mismatch: list[dict[str, Any]] = field(default_factory=list)
    hash_mismatch: list[dict[str, Any]] = field(default_factory=list)
    invalid_path: list[dict[str, Any]] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (len(self.missing) + len(self.size_mismatch) + len(self.hash_mismatch) + len(self.invalid_path)
                + len(self.untracked))

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.problems else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        return {"root": self.root, "table": self.table, "missing": self.missing, "size_mismatch": self.size_mismatch,
                "hash_mismatch": self.hash_mismatch, "invalid_path": self.invalid_path, "untracked": self.untracked,
                "summary": {"records": self.records, "planned": self.planned, "files_on_disk": self.files_on_disk,
                            "hashed_bytes": self.hashed_bytes, "problems": self.problems}}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _disk_files(root: Path, ignore: tuple[str, ...]) -> set[str]:
    """Relative POSIX paths of the regular files under root (symlinked directories not followed)."""
    found = set()
    for folder, _dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root)
        for name in files:
            rel = (rel_folder / name).as_posix()
            if (root / rel).is_file() and not any(fnmatch.fnmatch(rel, pat) for pat in ignore):
                found.add(rel)
    return found


def _safe_relative(path: str) -> bool:
    p = PurePosixPath(path)
    return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path


def scan_files(conn: psycopg.Connection, catalog: Catalog, root: Path, source: FileSource = FileSource(), *,
               workers: int | None = None, ignore: tuple[str, ...] = (),
               progress: Callable[[int, int | None], None] | None = None) -> FileDrift:
    """Compare the records of `source.table` with the files under `root`; see the module docstring.

    `progress(advance_rows, total_rows)` is called as rows are checked (total first, once).
    """
    root = Path(root)
    if not root.is_dir():
        raise WorkbenchError(f"The file root {str(root)!r} is not a directory.", "Give the storage root folder.")
    table = find_table(catalog, source.table)
    for role, col in (("path", source.path_column), ("size", source.size_column), ("hash", source.hash_column)):
        if col and table.column(col) is None:
            raise WorkbenchError(f"Table {table.display_name!r} has no column {col!r} (the {role} column).",
                                 f"Name the {role} column with --{role}-column.")
    key_cols = list(table.primary_key.columns) if table.primary_key else []
    progress = progress or (lambda advance, total: None)
    drift = FileDrift(root=str(root), table=table.display_name)
    on_disk = _disk_files(root, ignore)
    drift.files_on_disk = len(on_disk)

    cols = [sql.Identifier(c) for c in key_cols] + [sql.Identifier(source.path_column)]
    cols.append(sql.Identifier(source.size_column) if source.size_column else sql.SQL("NULL"))
    cols.append(sql.Identifier(source.hash_column) if source.hash_column else sql.SQL("NULL"))
    order = sql.SQL(", ").join(sql.Identifier(c) for c in key_cols) if key_cols else sql.Identifier(source.path_column)
    query = sql.SQL("SELECT {c} FROM {t} ORDER BY {o}").format(c=sql.SQL(", ").join(cols), t=qualified(table), o=order)

    workers = workers or min(8, (os.cpu_count() or 1) * 2)
    pool = ThreadPoolExecutor(max_workers=workers)
    count = sql.SQL("SELECT count(*) FROM {}").format(qualified(table))
    in_flight: deque[tuple[Future[str], dict[str, Any], str]] = deque()

    def settle(limit: int) -> None:
        while len(in_flight) > limit:
            future, record, recorded = in_flight.popleft()
            actual = future.result()
            if actual != recorded:
                drift.hash_mismatch.append({**record, "recorded": recorded, "actual": actual})

    try:
        for batch in _rows(conn, query, count, progress):
            for row in batch:
                key = {c: jsonable(v) for c, v in zip(key_cols, row)}
                path, size, digest = row[len(key_cols):]
                drift.records += 1
                if path is None:
                    continue
                record = {"key": key, "path": path}
                if not _safe_relative(path):
                    drift.invalid_path.append(record)
                    continue
                on_disk.discard(path)
                full = root / path
                has_facts = size is not None or digest is not None or not (source.size_column or source.hash_column)
                try:
                    actual_size = full.stat().st_size if full.is_file() else None
                except OSError:
                    actual_size = None
                if actual_size is None:
                    if has_facts:
                        drift.missing.append(record)
                    else:
                        drift.planned += 1
                    continue
                if size is not None and int(size) != actual_size:
                    drift.size_mismatch.append({**record, "recorded": int(size), "actual": actual_size})
                    continue
                if digest is not None:
                    drift.hashed_bytes += actual_size
                    in_flight.append((pool.submit(sha256_file, full), record, str(digest).strip().lower()))
                    settle(4 * workers)
            progress(len(batch), None)
        settle(0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    drift.untracked = sorted(on_disk)
    for items in (drift.missing, drift.size_mismatch, drift.hash_mismatch, drift.invalid_path):
        items.sort(key=lambda r: r["path"])
    return drift


def _rows(conn: psycopg.Connection, query: sql.Composable, count: sql.Composable,
          progress: Callable[[int, int | None], None]) -> Iterator[list[tuple]]:
    """Rows in batches from a server-side cursor inside a READ ONLY transaction."""
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        total = conn.execute(count).fetchone()[0]
        progress(0, total)
        with conn.cursor(name="x121_file_records") as cur:
            cur.itersize = ITERSIZE
            cur.execute(query)
            while batch := cur.fetchmany(ITERSIZE):
                yield batch
