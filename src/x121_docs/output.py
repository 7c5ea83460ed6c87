"""Terminal output shared by every command: rich consoles and secret scrubbing.

rich is imported when a console or an escape is first asked for (about 75 ms): a command that only
writes a file or JSON (`catalog dump`, `--format json`) scrubs its text without it.
"""

from __future__ import annotations

import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import MASK

if TYPE_CHECKING:
    from rich.console import Console


def esc(value: object) -> str:
    """Any text that did not come from our own code (names and values from a database, paths,
    settings, messages that quote them), made literal for rich markup: `p[/]` prints as
    `p[/]` instead of closing a style or failing.  The one escaping helper of the terminal."""
    from rich.markup import escape

    return escape(str(value))


def console() -> Console:
    from rich.console import Console

    # Not cached: tests swap sys.stdout (capsys), and a console must follow it.
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def err_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


@lru_cache(maxsize=8)
def _dotenv_password(cwd: str) -> str | None:
    from .config import _read_dotenv
    from .errors import ConfigError

    try:  # a broken .env is reported by load_settings; scrubbing must never fail on it
        return _read_dotenv(Path(cwd) / ".env").get("DB_PASSWORD") or None
    except (ConfigError, OSError):
        return None


def scrub(text: str) -> str:
    """Replace the configured password wherever it appears (defence in depth for messages)."""
    for secret in (os.environ.get("DB_PASSWORD"), _dotenv_password(os.getcwd())):
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text


def print_json(data: Any) -> None:
    """Machine output: sorted keys, stable across runs."""
    sys.stdout.write(scrub(json.dumps(data, indent=2, sort_keys=True, default=str)) + "\n")
