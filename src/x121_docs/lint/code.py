"""`SELECT *` in application code: Python string literals (via ast) and `.sql` files.

DB-API placeholders (`%s`, `%(name)s`, `:name`) are not SQL: they are found with the SQL
scanner (so a `'%s'` inside a string literal or a `::type` cast is left alone) and replaced by
`$1` padded to the same width, so parse locations still point into the original text.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pglast import parser

from .source import DIRECTIVE, SourceHit, SqlFile, display_path, star_locations

CODE_SUFFIXES = (".py", ".sql")
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "site", "build", "dist"}


def normalise_placeholders(text: str) -> str:
    """Replace DB-API placeholders by same-width `$1` markers (token-based, never inside literals)."""
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return text
    out = list(text)
    i = 0
    while i < len(tokens):
        t = tokens[i]
        ch = text[t.start:t.end + 1]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        end = None
        if ch == "%" and nxt is not None and nxt.start == t.end + 1:
            word = text[nxt.start:nxt.end + 1]
            if word == "s":  # %s
                end = nxt.end
            elif word == "(" and i + 4 < len(tokens):  # %(name)s
                close, s = tokens[i + 3], tokens[i + 4]
                if text[close.start:close.end + 1] == ")" and text[s.start:s.end + 1] == "s" and s.start == close.end + 1:
                    end = s.end
                    i += 3
        elif ch == ":" and nxt is not None and nxt.start == t.end + 1 and (nxt.name == "IDENT" or nxt.kind != "NO_KEYWORD"):
            end = nxt.end
        if end is not None:
            width = end - t.start + 1
            marker = "$1".ljust(width)
            out[t.start:end + 1] = list(marker)
            i += 1
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class CodeHit:
    hit: SourceHit
    reason: str | None  # suppression reason, when suppressed


def _stars_in(text: str) -> list[int] | None:
    """Character offsets of offending stars in `text`, or None when it is not parseable SQL."""
    norm = normalise_placeholders(text)
    try:
        tree = json.loads(parser.parse_sql_json(norm))
    except parser.ParseError:
        return None
    locs = sorted(set(star_locations(tree.get("stmts", []))))
    if not locs:
        return []
    if text.isascii():
        return locs
    raw = norm.encode()
    return [len(raw[:b].decode(errors="ignore")) for b in locs]


def _python_comments(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return comments


def _python_suppression(comments: dict[int, str], line: int, first_line: int, display: str,
                        bad: list[SourceHit]) -> str | None:
    for ln in (line, first_line, first_line - 1):
        text = comments.get(ln, "")
        if DIRECTIVE not in text:
            continue
        body = text.split(DIRECTIVE, 1)[1].strip()
        head, _, tail = body.partition(" ")
        verb, _, ids = head.partition("=")
        if verb != "disable" or "no-select-star" not in [r.strip() for r in ids.split(",")]:
            continue
        tail = tail.strip()
        reason = tail[len("reason:"):].strip() if tail.lower().startswith("reason:") else ""
        if not reason:
            bad.append(SourceHit("invalid-suppression", f"{display}:{ln}", "suppression of no-select-star has no reason: "
                                 "add 'reason: why'", display, ln))
            return None
        return reason
    return None


def _literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # f-string: interpolations become a plain identifier
        parts = [v.value if isinstance(v, ast.Constant) else "x121_expr" for v in node.values]
        return "".join(str(p) for p in parts)
    return None


def scan_python(path: Path) -> Iterator[CodeHit]:
    display = display_path(path)
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError:
        return
    comments = None
    bad: list[SourceHit] = []
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) in inner:
            continue
        text = _literal_text(node)
        if not text or "*" not in text:
            continue
        low = text.lower()
        if "select" not in low and "returning" not in low:
            continue
        stars = _stars_in(text)
        if not stars:
            continue
        for offset in stars:
            line = node.lineno + text.count("\n", 0, offset)
            if comments is None:
                comments = _python_comments(source)
            reason = _python_suppression(comments, line, node.lineno, display, bad)
            yield CodeHit(SourceHit("no-select-star", f"{display}:{line}", "SELECT * in application code: list the columns",
                                    display, line), reason)
    for b in bad:
        yield CodeHit(b, None)


def scan_sql(path: Path) -> Iterator[CodeHit]:
    display = display_path(path)
    text = path.read_text(encoding="utf-8")
    f = SqlFile(path, display, normalise_placeholders(text))
    for st in f.statements:
        for loc in star_locations({st.kind: st.node}):
            line = f.line_of_byte(loc)
            yield CodeHit(SourceHit("no-select-star", f"{display}:{line}", "SELECT * in application SQL: list the columns",
                                    display, line), f.suppression("no-select-star", line))
    for b in f.bad_directives:
        yield CodeHit(b, None)


def code_files(paths: Iterable[Path]) -> list[Path]:
    out: set[Path] = set()
    for p in paths:
        if p.is_file() and p.suffix in CODE_SUFFIXES:
            out.add(p)
        elif p.is_dir():
            for f in p.rglob("*"):
                if f.suffix in CODE_SUFFIXES and f.is_file() and not (_SKIP_DIRS & set(f.relative_to(p).parts[:-1])):
                    out.add(f)
    return sorted(out)


def scan_code(paths: Iterable[Path]) -> list[CodeHit]:
    hits: list[CodeHit] = []
    for f in code_files(paths):
        hits.extend(scan_python(f) if f.suffix == ".py" else scan_sql(f))
    return hits
