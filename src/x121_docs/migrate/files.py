"""The migration files: discovery, naming rules, bytes, checksum, as SQLx reads them.

SQLx silently skips names it does not understand; we refuse them instead, naming the file
and the expected form, so a misnamed migration can never be left unapplied by surprise.
What we accept is a strict subset of what SQLx accepts, so both runners always see the
same migrations with the same version, description and checksum.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

from ..errors import WorkbenchError

SUFFIX = ".sql"
NO_TRANSACTION = b"-- no-transaction"  # SQLx: the file's first bytes, exactly
BOM = b"\xef\xbb\xbf"
VERSION_FORMAT = "%Y%m%d%H%M%S"  # 14 digits, UTC
EXPECTED_FORM = "{YYYYMMDDHHMMSS}_{description}.sql (UTC timestamp, lowercase description), " \
                "e.g. 20260218120000_create_lookup_tables.sql"
DESCRIPTION_RE = re.compile(r"[a-z0-9][a-z0-9_]*")
#: Names that may sit in the folder without being migrations (compared case-insensitively).
IGNORED_NAMES = frozenset({"readme.md"})


class MigrationFileError(WorkbenchError):
    """A file in the migrations folder is not a valid migration (name, encoding, duplicate)."""


@dataclass(frozen=True)
class MigrationFile:
    """One migration: what SQLx derives from the file name and bytes, plus the decoded text."""

    version: int
    description: str  # as SQLx stores it: the name's rest without `.sql`, `_` -> space
    path: Path
    data: bytes  # the exact bytes (what the checksum covers)
    sql: str  # the bytes decoded as UTF-8 (what is sent to the server)

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def checksum(self) -> bytes:
        """SHA-384 of the exact file bytes: 48 raw bytes, as SQLx stores it."""
        return checksum(self.data)

    @property
    def no_transaction(self) -> bool:
        return self.data.startswith(NO_TRANSACTION)

    @property
    def has_bom(self) -> bool:
        return self.data.startswith(BOM)

    @property
    def looks_like_no_transaction(self) -> bool:
        """A marker SQLx would not recognise (BOM, blank line, case): most likely a mistake."""
        if self.no_transaction:
            return False
        head = self.data.removeprefix(BOM).lstrip().lower()
        return head.startswith(NO_TRANSACTION)


def checksum(data: bytes) -> bytes:
    return hashlib.sha384(data).digest()


def description_of(rest: str) -> str:
    """SQLx's description: the part after the first `_`, without `.sql`, `_` as spaces."""
    return rest.removesuffix(SUFFIX).replace("_", " ")


def name_problem(name: str) -> str | None:
    """Why `name` is not a valid migration file name, or None when it is."""
    lowered = name.lower()
    if lowered.endswith((".up.sql", ".down.sql")):
        return "is half of a reversible .up.sql/.down.sql pair, but migrations here are forward-only (one .sql file each)"
    if not name.endswith(SUFFIX):
        if lowered.endswith(SUFFIX):
            return "has an upper-case suffix: it must end in lowercase .sql (SQLx would skip it silently)"
        return "is not a .sql file (only migrations, dotfiles and a README.md may be in this folder)"
    if "_" not in name:
        return "has no version: nothing before a '_' (SQLx would skip it silently)"
    prefix, rest = name.split("_", 1)
    if not (len(prefix) == 14 and prefix.isascii() and prefix.isdigit()):
        return f"has the version {prefix!r}, which is not a 14-digit UTC timestamp YYYYMMDDHHMMSS"
    if not _real_time(prefix):
        return f"has the version {prefix}, which is not a real date and time"
    if not DESCRIPTION_RE.fullmatch(rest.removesuffix(SUFFIX)):
        return "has a description that is not lowercase letters, digits and underscores (starting with a letter or digit)"
    return None


def _real_time(digits: str) -> bool:
    """`strptime(digits, VERSION_FORMAT)` succeeds; the constructor first (a tenth of strptime's cost)."""
    try:
        datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                 int(digits[12:]))
        return True
    except ValueError:
        pass
    try:  # what the constructor refuses and strptime may still read (a leap second, 60 or 61)
        datetime.strptime(digits, VERSION_FORMAT)
        return True
    except ValueError:
        return False


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower() in IGNORED_NAMES


def _decode(path: Path, data: bytes) -> tuple[str | None, str | None]:
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, f"is not valid UTF-8: byte offset {exc.start} (line {line}) holds 0x{data[exc.start]:02x}"


def require_folder(folder: Path) -> Path:
    if not folder.exists():
        raise WorkbenchError(
            f"The migrations folder {folder} does not exist.",
            "Create it (`x121-docs migrate new \"description\"` does), or point --dir / X121_MIGRATIONS_DIR "
            "at the right folder.",
        )
    if not folder.is_dir():
        raise WorkbenchError(f"The migrations folder {folder} is not a folder.",
                             "Point --dir / X121_MIGRATIONS_DIR at a folder of .sql migrations.")
    return folder


def discover(folder: Path) -> list[MigrationFile]:
    """Every migration in `folder`, in version order; one error listing every bad file.

    Dotfiles (.gitkeep, .DS_Store) and a README.md are ignored; anything else that is not
    a well-named migration (including sub-folders) is an error, never skipped silently.
    """
    require_folder(folder)
    problems: list[str] = []
    found: list[MigrationFile] = []
    with os.scandir(folder) as entries:  # a DirEntry knows its type: no stat per file
        listing = sorted(entries, key=lambda e: e.name)
    for entry in listing:
        name = entry.name
        if _ignored(name):
            continue
        path = folder / name
        if entry.is_dir():
            problems.append(f"{name} is a folder (migrations are read only from the folder itself)")
            continue
        reason = name_problem(name)
        if reason:
            problems.append(f"{name} {reason}")
            continue
        data = path.read_bytes()
        text, bad = _decode(path, data)
        if bad:
            problems.append(f"{name} {bad}")
            continue
        prefix, rest = name.split("_", 1)
        found.append(MigrationFile(int(prefix), description_of(rest), path, data, text))
    found.sort(key=lambda m: (m.version, m.name))
    for earlier, later in zip(found, found[1:]):
        if earlier.version == later.version:
            problems.append(f"{earlier.name} and {later.name} have the same version {later.version}")
    if problems:
        raise MigrationFileError(
            f"Invalid migration file(s) in {folder}: " + "; ".join(problems) + ".",
            f"Migration files are named {EXPECTED_FORM}; each version is used once.",
        )
    return found
