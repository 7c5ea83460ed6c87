"""`migrate new`: a correctly named, empty migration (the name SQLx's `migrate add` would give)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ..errors import WorkbenchError
from .files import DESCRIPTION_RE, SUFFIX, VERSION_FORMAT, discover

HEADER = """\
-- {title}
-- Forward-only: runs once, in version order, in one transaction. Once applied, never edit it:
-- add a new migration. (Make `-- no-transaction` the first line for CREATE INDEX CONCURRENTLY.)

"""


def normalise_description(text: str) -> str:
    """Lowercase, whitespace runs as `_`; refused unless it makes a valid name."""
    description = re.sub(r"\s+", "_", text.strip().lower())
    if not DESCRIPTION_RE.fullmatch(description):
        raise WorkbenchError(
            f"The description {text!r} does not make a valid migration name: after lowercasing and turning spaces "
            f"into '_' it must be letters a-z, digits and underscores, starting with a letter or digit "
            f"(got {description!r}).",
            'For example: x121-docs migrate new "create lookup tables"',
        )
    return description


def create_migration(folder: Path, text: str, now: datetime | None = None) -> Path:
    """Create `{YYYYMMDDHHMMSS}_{description}.sql` (UTC) in `folder` and return its path."""
    description = normalise_description(text)
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    version = now.strftime(VERSION_FORMAT)
    existing = discover(folder) if folder.exists() else []
    clash = [m.name for m in existing if m.version >= int(version)]
    if clash:
        raise WorkbenchError(
            f"Cannot create a migration with version {version}: {clash[-1]} in {folder} already has this or a "
            "newer version, so the new one would collide or run out of order.",
            "Wait a second and try again (or check the system clock).",
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}_{description}{SUFFIX}"
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(HEADER.format(title=description.replace("_", " ")))
    except FileExistsError:
        raise WorkbenchError(f"The migration {path} already exists.", "Wait a second and try again.") from None
    return path
