"""Names of catalog objects: singular/plural, snake_case, and the 63-byte shortening rule.

One place for all of them, because the linter's naming rules, the integrity messages ("3 segment
approvals") and the soft-reference guesses must agree on what a table's singular is.

Singular and plural come from `inflection` (the Rails inflector: a few milliseconds to import;
`inflect` 7 costs about a second at import because typeguard instruments it) corrected by the
override lists below. `inflector()` (the `inflect` engine) stays for the indefinite article of
the integrity messages, imported only when a message needs it.

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
    "trans": "trans",  # the usual abbreviation of transactions: never `tran`
    "leaves": "leaf",
    "caches": "cache",
    "species": "species",
}
#: Mass nouns: a table of them is named with the word itself (`documentation`, `staff`).
UNCOUNTABLE = frozenset({"documentation", "information", "staff", "inventory", "equipment", "feedback", "software",
                         "hardware", "music", "knowledge", "content", "evidence", "research", "traffic", "weather",
                         "furniture", "advice", "personnel", "metadata", "data", "media", "news", "series", "species"})
#: Singular words the inflector would take for plurals.
SINGULAR_WORDS = frozenset({"status", "alias", "analysis", "bus", "process", "address", "access", "class", "canvas",
                            "bonus", "campus", "census", "corpus", "genus", "focus", "radius", "atlas", "gas", "lens",
                            "iris", "virus", "basis", "crisis", "thesis", "axis", "sms", "dns", "gps", "os", "yes"})

_SNAKE = re.compile(r"[a-z_][a-z0-9_]*")
_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def snake_case_problem(name: str) -> str | None:
    """What keeps `name` from being snake_case (lower-case words joined by single underscores), or None.

    A trailing underscore (`key_`, `type_`: the usual way round a reserved word) and a leading
    one (`_sqlx_migrations`) are fine.
    """
    if _SNAKE.fullmatch(name):
        return "has an empty word (a double underscore)" if "__" in name.strip("_") else None
    problems = []
    if any(ch.isupper() for ch in name):
        problems.append("has upper-case letters (so it must be double-quoted in every query)")
    other = sorted({ch for ch in name if not (ch.isalnum() or ch == "_") or (ch.isalpha() and not ch.isascii())})
    if other:
        problems.append("has characters other than a-z, 0-9 and _ (" + " ".join(repr(ch) for ch in other) + ")")
    if name[:1].isdigit():
        problems.append("starts with a digit")
    if "__" in name.strip("_"):
        problems.append("has an empty word (a double underscore)")
    return "; ".join(problems) or "is not snake_case"


def is_snake_case(name: str) -> bool:
    return snake_case_problem(name) is None


def is_plain_identifier(name: str) -> bool:
    """True when `name` needs no double quotes in SQL (lower case, no reserved keyword)."""
    from pglast.keywords import RESERVED_KEYWORDS

    return bool(_PLAIN.fullmatch(name)) and name not in RESERVED_KEYWORDS


@lru_cache(maxsize=1)
def inflector():  # noqa: ANN201 - inflect.engine, for the indefinite article only (slow to import)
    import inflect

    return inflect.engine()


@lru_cache(maxsize=4096)
def singular_word(word: str) -> str:
    if word in SINGULAR_OVERRIDES:
        return SINGULAR_OVERRIDES[word]
    if word in UNCOUNTABLE:
        return word
    if word in SINGULAR_WORDS or not word.isalpha():
        return word
    import inflection

    return inflection.singularize(word) or word


@lru_cache(maxsize=4096)
def is_plural_word(word: str) -> bool:
    if word in SINGULAR_OVERRIDES or word in UNCOUNTABLE:
        return True
    if word in SINGULAR_WORDS or not word.isalpha():
        return False
    return singular_word(word) != word


@lru_cache(maxsize=4096)
def plural_word(word: str) -> str:
    if word in UNCOUNTABLE:
        return word
    for plural_form, single in SINGULAR_OVERRIDES.items():
        if single == word:
            return plural_form
    if not word.isalpha():
        return word
    import inflection

    return inflection.pluralize(word) or word


def singular(table: str) -> str:
    """Singular of a snake_case table name: only the last word changes (`order_statuses` -> `order_status`)."""
    head, sep, last = table.rpartition("_")
    return f"{head}{sep}{singular_word(last)}"


def plural(name: str) -> str:
    """Plural of a snake_case noun phrase: only the last word changes (`approval_status` -> `approval_statuses`)."""
    head, sep, last = name.rpartition("_")
    return f"{head}{sep}{plural_word(last)}"


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
