"""Escaping for the review's GitHub Markdown: catalog text shown as text, never as markup.

A pull-request comment is rendered by GitHub, where a name like `[x](https://evil)`, `<img src=x>`,
`@org/team` or `#123` would become a link, an image, a mention or a reference.  Every value that
comes from a catalog is therefore shown as an inline code span (GitHub renders its content
literally and links nothing inside it), with a backtick fence longer than any run of backticks in
the value, whitespace collapsed to one line, and pipes escaped for table cells.  Text in HTML
elements (<summary>) is only ever our own words and numbers.
"""

from __future__ import annotations

import re

_TICKS = re.compile(r"`+")


def code(value: object, limit: int | None = None, table: bool = False) -> str:
    """`value` as an inline code span safe in GitHub Markdown (`table`: inside a table cell)."""
    if value is None:
        return "*null*"
    text = " ".join(str(value).split())
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 1)] + "\u2026"
    if text == "":
        return "*empty*"
    if table:
        text = text.replace("|", "\\|")
    longest = max((len(m.group(0)) for m in _TICKS.finditer(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) or longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def words(text: str) -> str:
    """Our own prose with a value-free template: only pipes need care inside a table cell."""
    return text.replace("|", "\\|")
