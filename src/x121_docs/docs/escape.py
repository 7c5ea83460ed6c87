"""The one rendering boundary: catalog strings (untrusted) into the site's Markdown and HTML.

Every name, comment, default, definition, enum label, database/schema name and lint message
comes from a database that many people write to.  It reaches a page only through one of the
context-aware escapers below, each returning `Md` (text that is safe where it is put):

- `text`   inline text (names, labels, short values, headings, link labels): every character
           Markdown or HTML could act on becomes a numeric character reference, so Python-Markdown
           (and `attr_list`, raw HTML, links, emphasis, tables, fences) never sees it, while the
           browser shows exactly the original characters (entities are decoded for display).
- `cell`   prose in a table cell (comments): `text` per line, line breaks kept as `<br>`.
- `paragraphs`  a comment as a block: paragraphs (blank-line separated) and line breaks kept,
           everything else plain text (the documented subset of comment formatting).
- `code`   a code span whose backtick fence is longer than any backtick run inside (Markdown
           HTML-escapes code itself, so nothing else is escaped: `&lt;` and `|` show as written).
- `gfm_code`  the same for GitHub-flavoured Markdown tables (reports meant for pull requests).
- `fence`  a fenced code block, likewise with a fence longer than any backtick run inside.
- `attr`   an HTML attribute value (quotes escaped).
- `link`   a link target: only relative paths the generator builds (slugs), never catalog text.

The Jinja environment of the pages finalises every `{{ }}` through `text` unless the value is
already `Md`, so a template that forgets an escaper still prints inert text.
"""

from __future__ import annotations

import html
import re

__all__ = ["Md", "attr", "cell", "code", "fence", "gfm_code", "join", "link", "paragraphs", "text"]


class Md(str):
    """A string that is already safe Markdown/HTML for where it is inserted (escaped or built by us)."""

    __slots__ = ()


# Characters Python-Markdown (with tables, attr_list, toc, fenced_code, admonition) or HTML act on
# anywhere in a line: entities, tags, backslash escapes, code, emphasis, links/images, attribute
# lists, table cells, fences, header closers.
_ALWAYS = set('&<>\\`*[]{}|~#"\'')
_START = set("-+=>!:")  # block markers when they start a line (lists, setext, quotes, admonitions)
_ORDERED = re.compile(r"\d+[.)]")


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


# What `_escape_slow` below replaces, as one pattern: `_` at a word boundary (inside a word it never
# starts emphasis) and a space at either end or after another (Markdown would strip or collapse it).
# Most catalog strings hold none of these, and a 2,000-table build escapes half a million of them.
_SPECIAL = re.compile("[" + re.escape("".join(sorted(_ALWAYS))) + r"\x00-\x1f\x7f]"
                      r"|(?<![^\W_])_|_(?![^\W_])|\A | \Z|(?<= ) ")


def _ref_match(m: re.Match) -> str:
    return _ref(m.group())


def _escape(s: str) -> str:
    return _SPECIAL.sub(_ref_match, s)


def _escape_slow(s: str) -> str:
    """The definition `_escape` implements (kept for the tests that compare the two)."""
    out = []
    n = len(s)
    for i, ch in enumerate(s):
        code_point = ord(ch)
        if ch in _ALWAYS or code_point < 32 or code_point == 127:
            out.append(_ref(ch))
        elif ch == "_" and not (0 < i < n - 1 and s[i - 1].isalnum() and s[i + 1].isalnum()):
            # `_` inside a word never starts emphasis; at a word boundary it might
            out.append(_ref(ch))
        elif ch == " " and (i == 0 or i == n - 1 or s[i - 1] == " "):
            out.append(_ref(ch))  # Markdown would strip or collapse it; the name keeps it
        else:
            out.append(ch)
    return "".join(out)


def _escape_line_start(s: str) -> str:
    """`_escape`, plus the first character when a line starting with it would open a block (list, quote...)."""
    if s and (s[0] in _START or _ORDERED.match(s)):
        return _ref(s[0]) + _escape(s[1:])
    return _escape(s)


def text(value: object) -> Md:
    """Inline text, shown exactly as the original characters (newlines and tabs included)."""
    if value is None:
        return Md("")
    if isinstance(value, Md):
        return value
    return Md(_escape(str(value)))


def cell(value: object) -> Md:
    """Prose in a table cell: each line as `text`, line breaks as `<br>` (a cell is one Markdown line)."""
    if value is None or isinstance(value, Md):
        return text(value)
    lines = [ln.strip() for ln in str(value).strip().splitlines()]
    return Md("<br>".join(_escape(ln) for ln in lines))


def paragraphs(value: object) -> Md:
    """A comment as a block of its own: paragraphs and line breaks kept, the rest plain text.

    This is the whole formatting a COMMENT keeps on the site: no Markdown, no HTML, no links."""
    if value is None or str(value).strip() == "":
        return Md("")
    paras = re.split(r"\n\s*\n", str(value).replace("\r\n", "\n").replace("\r", "\n").strip())
    return Md("\n\n".join("<br>".join(_escape_line_start(ln.strip()) for ln in p.strip().splitlines()) for p in paras))


def code(value: object) -> Md:
    """A code span on one line (whitespace runs collapsed), fenced with more backticks than any run inside."""
    if value is None:
        return Md("")
    s = " ".join(str(value).split())
    if not s:
        return Md("")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if s[0] == "`" or s[-1] == "`" else ""
    return Md(f"{ticks}{pad}{s}{pad}{ticks}")


def gfm_code(value: object) -> Md:
    """`code` for a table cell of GitHub-flavoured Markdown (pull-request comments, wikis): GFM splits
    table rows on `|` even inside code spans unless written `\\|` (which it shows as `|`)."""
    if value is None:
        return Md("")
    return code(str(value).replace("|", "\\|"))


def fence(value: object, lang: str = "") -> Md:
    """A fenced code block; its fence is longer than any backtick run in the text, so no line closes it."""
    body = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    ticks = "`" * max(3, longest + 1)
    if lang and not re.fullmatch(r"[a-z0-9]+", lang):
        raise ValueError(f"not a code language: {lang!r}")
    return Md(f"{ticks}{lang}\n{body}\n{ticks}")


def attr(value: object) -> Md:
    """An HTML attribute value (to go inside double quotes)."""
    return Md(html.escape("" if value is None else str(value), quote=True))


_LINK = re.compile(r"(?:\.\./)*(?:[A-Za-z0-9_][A-Za-z0-9_.-]*/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.(?:md|html|svg)"
                   r"(?:#[A-Za-z0-9_-]+)?|#[A-Za-z0-9_-]+")


def link(target: str) -> Md:
    """A link target the generator built: a relative path of slug characters (and an anchor), nothing else.

    Raises ValueError for anything else (an absolute URL, a scheme such as `javascript:`, spaces,
    parentheses): catalog text never becomes a link target."""
    if not isinstance(target, str) or not _LINK.fullmatch(target):
        raise ValueError(f"not a relative link the generator builds: {target!r}")
    return Md(target)


def join(items, sep: str = ", ") -> Md:  # noqa: ANN001 - any iterable
    """Join values, escaping each one that is not already `Md` (the separator is the template's own)."""
    return Md(str(sep).join(text(x) for x in items))


def finalize(value: object) -> object:
    """Jinja `finalize`: every printed value that is not `Md` is escaped as inline text."""
    if isinstance(value, Md):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return text(str(value))
    if isinstance(value, (int, float)):
        return str(value)
    return text(value)
