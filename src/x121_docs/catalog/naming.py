"""Names of catalog objects: singular/plural with a real inflector, and the 63-byte shortening rule.

One place for both, because the linter's naming rules, the integrity messages ("3 segment
approvals") and the soft-reference guesses must agree on what a table's singular is.

PostgreSQL silently truncates identifiers to 63 bytes, so a template name such as
`idx_{table}_{cols}` can collide or lose its meaning.  The workbench's deterministic rule:
when the full name exceeds 63 bytes it becomes its first 54 bytes + '_' + the first 8 hex
digits of the SHA-256 of the full name (63 bytes in all, stable, unique in practice).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

MAX_IDENTIFIER_BYTES = 63
_KEEP_BYTES = 54

#: Words a naive inflector gets wrong, plural -> singular (mass nouns map to themselves).
SINGULAR_OVERRIDES: dict[str, str] = {
    "statuses": "status",
    "media": "media",
    "data": "data",
    "metadata": "metadata",
    "criteria": "criterion",
    "indices": "index",
    "indexes": "index",
    "series": "series",
    "news": "news",
    "aliases": "alias",
    "analyses": "analysis",
}
#: Singular words the inflector would take for plurals.
SINGULAR_WORDS = frozenset({"status", "alias", "analysis", "bus", "process", "address", "access", "class"})

_SNAKE = re.compile(r"[a-z_][a-z0-9_]*")


def is_snake_case(name: str) -> bool:
    return bool(_SNAKE.fullmatch(name)) and "__" not in name and not name.endswith("_")


@lru_cache(maxsize=1)
def inflector():  # noqa: ANN201 - inflect.engine; building one is slow, one is enough
    import inflect

    return inflect.engine()


@lru_cache(maxsize=4096)
def singular_word(word: str) -> str:
    if word in SINGULAR_OVERRIDES:
        return SINGULAR_OVERRIDES[word]
    if word in SINGULAR_WORDS:
        return word
    result = inflector().singular_noun(word)
    return result if result else word


@lru_cache(maxsize=4096)
def is_plural_word(word: str) -> bool:
    if word in SINGULAR_OVERRIDES:
        return True
    if word in SINGULAR_WORDS or not word.isalpha():
        return False
    return bool(inflector().singular_noun(word))


def singular(table: str) -> str:
    """Singular of a snake_case table name: only the last word changes (`order_statuses` -> `order_status`)."""
    head, sep, last = table.rpartition("_")
    return f"{head}{sep}{singular_word(last)}"


def plural(name: str) -> str:
    """Plural of a snake_case noun phrase: only the last word changes (`approval_status` -> `approval_statuses`)."""
    head, sep, last = name.rpartition("_")
    return f"{head}{sep}{inflector().plural_noun(last) or last}"


def is_plural(table: str) -> bool:
    return is_plural_word(table.rpartition("_")[2])


def shorten(name: str) -> str:
    """The workbench's 63-byte rule (see the module docstring)."""
    raw = name.encode()
    if len(raw) <= MAX_IDENTIFIER_BYTES:
        return name
    head = raw[:_KEEP_BYTES].decode(errors="ignore")
    return f"{head}_{hashlib.sha256(raw).hexdigest()[:8]}"


def template_name(prefix: str, table: str, columns: tuple[str, ...]) -> str:
    """`{prefix}_{table}_{col1}_{col2}`, shortened to 63 bytes by the rule above."""
    return shorten("_".join((prefix, table, *columns)))


def template_prefix(prefix: str, table: str) -> str:
    """What every name of the template starts with (the check for expression indexes)."""
    start = f"{prefix}_{table}_"
    raw = start.encode()
    return start if len(raw) <= _KEEP_BYTES else raw[:_KEEP_BYTES].decode(errors="ignore")
