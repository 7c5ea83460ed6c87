"""SQL files parsed once with pglast (the real PostgreSQL parser), and the source rules run over them.

Each migration file is parsed once (`SqlFile`): statements with their parse trees and line
spans, tokens, suppression comments. Attribution (`attribution.py`: which line introduced
which object, which tables earlier files created) and every source rule (`rules/`, kind
`source`) read those same trees. Parse trees come from libpg_query as JSON (fast; locations in
bytes); comments come from the scanner (locations in characters).
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..collector import paused
from ..errors import WorkbenchError
from .rules import RULES, SOURCE, registry

DIRECTIVE = "x121-lint:"
_NEWLINE = re.compile("\n")
_SKIP = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)  # blanks and comments before a statement
_LONG_NAME = re.compile(r'[^\s,;()."]{64,}|"[^"]{64,}"')  # a candidate identifier over 63 characters
_COMMENT_TOKENS = ("SQL_COMMENT", "C_COMMENT")
#: Shared by the source rules (and the schema review's lock analysis).
VOLATILE_FUNCTIONS = frozenset({"random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
                                "uuid_generate_v1mc", "uuid_generate_v4", "nextval", "txid_current", "uuidv4", "uuidv7"})
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
RELAXING_TYPES = frozenset({"text", "varchar"})  # a change to these (no length) never rewrites


@dataclass(frozen=True)
class SourceHit:
    rule: str
    object: str
    message: str
    file: str
    line: int
    detail: str | None = None


@dataclass(slots=True)  # not frozen: one per statement (16,000 for 1,000 files), a frozen init costs 4x
class Statement:
    index: int
    kind: str  # the parse node name: CreateStmt, AlterTableStmt, ...
    node: dict
    start: int  # character offsets of the first and after the last token
    end: int
    line: int
    end_line: int


@dataclass(frozen=True)
class Directive:
    line: int
    verb: str  # disable | disable-start | disable-end
    rules: tuple[str, ...]
    reason: str | None
    first: int  # lines it covers
    last: int


class SqlFile:
    """One parsed SQL file: statements with line spans, suppression directives, offset helpers."""

    def __init__(self, path: Path, display: str, text: str | None = None):
        self.path = path
        self.display = display
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.no_transaction = self.text.startswith("-- no-transaction")  # SQLx's marker: the file's first bytes
        self._newlines = [m.start() for m in _NEWLINE.finditer(self.text)]
        self._ascii = self.text.isascii()
        self._has_directives = DIRECTIVE in self.text
        import orjson  # the parser is imported by the first file parsed: `lint --db` loads the rule
        from pglast import parser  # registry, whose source rules import this module, but parses nothing

        try:
            tree = orjson.loads(parser.parse_sql_json(self.text))  # orjson: half of json's time on parse trees
        except parser.ParseError as exc:
            where = exc.args[1] if len(exc.args) > 1 else 0
            raise WorkbenchError(f"{display} line {self.line_of_char(where)}: {exc.args[0]}.",
                                 "Fix the SQL (it is parsed with PostgreSQL's own parser).") from None
        self.statements = self._statements(tree.get("stmts", []))
        self.directives: list[Directive] = []
        self.bad_directives: list[SourceHit] = []
        self._read_directives()

    _LONG_BYTES = re.compile(rb'[^\s,;()."]{64,}|"[^"]{64,}"')

    @cached_property
    def tokens(self) -> list:
        """The scanner's tokens (comments included): only read where comments or exact spans matter."""
        from pglast import parser

        return parser.scan(self.text)

    # -- offsets ----------------------------------------------------------------------------
    def line_of_char(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1

    @cached_property
    def _byte_to_char(self) -> list[int]:
        out: list[int] = []
        for i, ch in enumerate(self.text):
            out.extend([i] * len(ch.encode()))
        out.append(len(self.text))
        return out

    def char_of_byte(self, offset: int) -> int:
        if self._ascii:
            return offset
        table = self._byte_to_char
        return table[min(offset, len(table) - 1)]

    def line_of_byte(self, offset: int) -> int:
        if self._ascii:  # the common case, called per column and constraint: one call, not three
            return bisect.bisect_left(self._newlines, offset) + 1
        return self.line_of_char(self.char_of_byte(offset))

    # -- statements ------------------------------------------------------------------------
    def _statements(self, raw: list[dict]) -> list[Statement]:
        """Statements with the span of their first to last token (what suppression scopes need).

        Without suppression comments only the first token matters (the line findings report),
        found by skipping blanks and comments; the scanner runs only when there are directives.
        """
        exact = self._has_directives
        if exact:
            code = [t for t in self.tokens if t.name not in _COMMENT_TOKENS]
            starts = [t.start for t in code]
        out = []
        ascii_ = self._ascii  # byte offsets are character offsets
        for i, s in enumerate(raw):
            location, length = s.get("stmt_location", 0), s.get("stmt_len", 0)
            begin = location if ascii_ else self.char_of_byte(location)
            stop = len(self.text) if not length else location + length if ascii_ else self.char_of_byte(location + length)
            if exact:
                lo, hi = bisect.bisect_left(starts, begin), bisect.bisect_left(starts, stop)
                toks = [t for t in code[lo:hi] if t.name != "ASCII_59"] or code[lo:lo + 1]
                first, last = (toks[0].start, toks[-1].end + 1) if toks else (begin, stop)
            else:
                first = _SKIP.match(self.text, begin).end()
                last = len(self.text[first:stop].rstrip().rstrip(";").rstrip()) + first
            (kind, node), = s["stmt"].items()
            out.append(Statement(i, kind, node, first, last, self.line_of_char(first), self.line_of_char(max(first, last - 1))))
        return out

    def statement_at(self, char: int) -> Statement | None:
        for st in self.statements:
            if st.start <= char < st.end:
                return st
        return None

    # -- suppressions -----------------------------------------------------------------------
    def _read_directives(self) -> None:
        if not self._has_directives:
            return
        code = [t for t in self.tokens if t.name not in _COMMENT_TOKENS]
        for tok in self.tokens:
            if tok.name not in _COMMENT_TOKENS:
                continue
            text = self.text[tok.start:tok.end + 1]
            text = text[2:-2] if tok.name == "C_COMMENT" else text[2:]
            if DIRECTIVE not in text:
                continue
            line = self.line_of_char(tok.start)
            self._directive(text.split(DIRECTIVE, 1)[1].strip(), tok.start, line, code)

    def _bad(self, line: int, message: str) -> None:
        self.bad_directives.append(SourceHit("invalid-suppression", f"{self.path.name}:{line}", message, self.display, line))

    def _directive(self, body: str, char: int, line: int, code: list) -> None:
        head, _, tail = body.partition(" ")
        verb, eq, ids = head.partition("=")
        if verb not in ("disable", "disable-start", "disable-end") or not eq or not ids:
            self._bad(line, f"suppression {body!r} is not 'disable=RULE reason: ...', 'disable-start=RULE reason: ...' "
                            "or 'disable-end=RULE'")
            return
        rules = tuple(r.strip() for r in ids.split(",") if r.strip())
        unknown = [r for r in rules if r not in RULES]
        for r in unknown:
            self._bad(line, f"suppression names unknown rule id {r!r}")
        rules = tuple(r for r in rules if r in RULES)
        tail = tail.strip()
        reason = tail[len("reason:"):].strip() if tail.lower().startswith("reason:") else ""
        if verb != "disable-end" and not reason:
            self._bad(line, f"suppression of {', '.join(rules) or ids} has no reason: add 'reason: why'")
            return
        if not rules:
            return
        first, last = self._scope(char, line, code) if verb == "disable" else (line, line)
        self.directives.append(Directive(line, verb, rules, reason or None, first, last))

    def _scope(self, char: int, line: int, code: list) -> tuple[int, int]:
        """Lines a statement-level `disable` covers: its statement, or its line inside one."""
        inside = self.statement_at(char)
        if inside is not None:
            before = [t for t in code if inside.start <= t.start < char and self.line_of_char(t.start) == line]
            if before:  # trailing comment: this line
                return line, line
            nxt = next((t for t in code if t.start > char), None)
            target = self.line_of_char(nxt.start) if nxt else line
            return target, target
        prev = next((st for st in reversed(self.statements) if st.end <= char), None)
        if prev is not None and prev.end_line == line:  # after `...;` on the same line
            return prev.line, prev.end_line
        nxt_st = next((st for st in self.statements if st.start > char), None)
        if nxt_st is None:
            return line, line
        return nxt_st.line, nxt_st.end_line

    def suppression(self, rule: str, line: int | None) -> str | None:
        """The reason a finding of `rule` at `line` is suppressed, or None."""
        if line is None:
            return None
        open_blocks: dict[str, Directive] = {}
        for d in sorted(self.directives, key=lambda d: d.line):
            if rule not in d.rules:
                continue
            if d.verb == "disable" and d.first <= line <= d.last:
                return d.reason
            if d.verb == "disable-start":
                open_blocks[rule] = d
            elif d.verb == "disable-end" and rule in open_blocks:
                start = open_blocks.pop(rule)
                if start.line <= line <= d.line:
                    return start.reason
        if rule in open_blocks and open_blocks[rule].line <= line:
            return open_blocks[rule].reason
        return None

    # -- identifiers -------------------------------------------------------------------------
    def _may_have_long_name(self) -> bool:
        if not self._ascii:
            return bool(self._LONG_BYTES.search(self.text.encode()))
        # A run of 64 name characters lies inside a blank-separated chunk at least that long: split()
        # runs in C, so the regex (a tenth of lint --static's time on 1,000 files) runs on few files.
        if '"' not in self.text and max(map(len, self.text.split()), default=0) < 64:
            return False
        return bool(_LONG_NAME.search(self.text))

    def long_identifiers(self) -> Iterator[SourceHit]:
        if not self._may_have_long_name():
            return  # no run of 64 name characters: nothing can be too long (the scanner need not run)
        for tok in self.tokens:
            if tok.name != "IDENT":
                continue
            raw = self.text[tok.start:tok.end + 1]
            name = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()
            if len(name.encode()) > 63:
                line = self.line_of_char(tok.start)
                yield SourceHit("identifier-length", name, f"identifier is {len(name.encode())} bytes; PostgreSQL truncates it "
                                f"to 63 (use the workbench's shortening rule)", self.display, line)


# -- parse-tree helpers --------------------------------------------------------------------------

def strings(items: list | None) -> list[str]:
    return [i["String"]["sval"] for i in (items or []) if "String" in i]


def star_locations(node: Any, skip_targets: bool = False) -> Iterator[int]:
    """Byte locations of `*` / `t.*` in select lists and RETURNING (not count(*), not EXISTS (SELECT *))."""
    if isinstance(node, list):
        for item in node:
            yield from star_locations(item)
        return
    if not isinstance(node, dict):
        return
    for key, val in node.items():
        if key == "SelectStmt":
            if not skip_targets:
                yield from _target_stars(val.get("targetList"))
            yield from star_locations(val)
        elif key == "SubLink" and isinstance(val, dict) and val.get("subLinkType") == "EXISTS_SUBLINK":
            for k2, v2 in val.items():
                yield from star_locations(v2, skip_targets=(k2 == "subselect"))
        elif key == "returningList":
            yield from _target_stars(val)
            yield from star_locations(val)
        elif key == "returningClause" and isinstance(val, dict):
            yield from _target_stars(val.get("exprs"))
            yield from star_locations(val)
        else:
            yield from star_locations(val)


def _target_stars(targets: list | None) -> Iterator[int]:
    for item in targets or []:
        rt = item.get("ResTarget", {})
        val = rt.get("val", {})
        if "ColumnRef" in val and val["ColumnRef"]["fields"] and "A_Star" in val["ColumnRef"]["fields"][-1]:
            yield val["ColumnRef"].get("location", rt.get("location", 0))
        elif "A_Indirection" in val and val["A_Indirection"].get("indirection") and \
                "A_Star" in val["A_Indirection"]["indirection"][-1]:
            yield rt.get("location", 0)


def func_names(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from func_names(item)
    elif isinstance(node, dict):
        for key, val in node.items():
            if key == "FuncCall":
                names = strings(val.get("funcname"))
                if names:
                    yield names[-1].lower()
            yield from func_names(val)


# -- migrations ----------------------------------------------------------------------------------

@dataclass
class MigrationSource:
    """What the migration files say: the parsed files, object origins and history, source findings."""

    files: list[SqlFile] = field(default_factory=list)
    defs: dict[tuple, tuple[str, int]] = field(default_factory=dict)  # object key -> (file, line) that introduced it
    created: dict[tuple[str, str], int] = field(default_factory=dict)  # table -> index of the file that created it
    index_table: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    index_file: dict[tuple[str, str], int] = field(default_factory=dict)
    contexts: list[StatementContext] = field(default_factory=list)  # every statement, in apply order
    by_kind: dict[str, list[StatementContext]] = field(default_factory=dict)  # the same, by parse node name
    hits: list[SourceHit] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[StatementContext]:
        """The statements of these parse node kinds, in apply order: a rule visits what it checks, not
        every statement of every file."""
        if len(kinds) == 1:
            return self.by_kind.get(kinds[0], [])
        return sorted((cx for k in kinds for cx in self.by_kind.get(k, ())),
                      key=lambda cx: (cx.file_no, cx.statement.index))

    def file(self, display: str) -> SqlFile | None:
        return next((f for f in self.files if f.display == display), None)

    def existing(self, rel: tuple[str, str], file_no: int) -> bool:
        """Created by a migration file before `file_no` (so it may hold rows and be in use)."""
        return rel in self.created and self.created[rel] < file_no

    def alter_existing(self, subtype: str):  # noqa: ANN201 - Iterator[(StatementContext, rel, AlterTableCmd)]
        """Every `ALTER TABLE` sub-command of kind `subtype` on a table an earlier migration created.

        The lock-safety rules all start here: what an ALTER does to a new, empty table is harmless.
        """
        for cx in self.of_kind("AlterTableStmt"):
            n = cx.statement.node
            if n.get("objtype") not in (None, "OBJECT_TABLE") or "relation" not in n:
                continue
            rel = cx.rel(n["relation"])
            if not self.existing(rel, cx.file_no):
                continue
            for item in n.get("cmds") or []:
                cmd = item.get("AlterTableCmd", {})
                if cmd.get("subtype") == subtype:
                    yield cx, rel, cmd


@dataclass(slots=True)  # not frozen, as Statement: one per statement
class StatementContext:
    """One statement with what a source rule needs around it."""

    file_no: int
    file: SqlFile
    statement: Statement
    schema: str  # the first schema of search_path at this statement

    def rel(self, rv: dict) -> tuple[str, str]:
        return (rv.get("schemaname") or self.schema, rv["relname"])

    @staticmethod
    def obj(rel: tuple[str, str], *rest: str) -> str:
        base = rel[1] if rel[0] == "public" else f"{rel[0]}.{rel[1]}"
        return ".".join((base, *rest))

    def hit(self, rule: str, obj: str, message: str, line: int | None = None, detail: str | None = None) -> SourceHit:
        return SourceHit(rule, obj, message, self.file.display, line or self.statement.line, detail)

    def line_of_byte(self, offset: int) -> int:
        return self.file.line_of_byte(offset)


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it (what CI annotations and SARIF expect)."""
    full, cwd = os.path.realpath(path), os.path.realpath(os.getcwd())
    if full == cwd or full.startswith(cwd + os.sep):
        return Path(os.path.relpath(full, cwd)).as_posix()
    return path.as_posix()


def _display_in(folder_shown: str, path: Path) -> str:
    """`display_path(path)` for a file of a folder shown as `folder_shown`: one lstat, not a realpath per file."""
    if path.is_symlink():
        return display_path(path)
    return path.name if folder_shown == "." else f"{folder_shown}/{path.name}"


def parse_migrations(folder: Path, defs: bool = True) -> MigrationSource:
    """Parse every migration once, in apply order, and attribute objects; raise WorkbenchError on bad SQL.

    `defs=False`: without the object origins (`MigrationSource.defs`), which only catalog findings and
    the docs read."""
    from ..migrate.files import discover
    from .attribution import attribute_files

    src = MigrationSource()
    shown = display_path(folder)
    with paused():
        for m in discover(folder):  # the runner's own reading and validation, text included (read once)
            src.files.append(SqlFile(m.path, _display_in(shown, m.path), m.sql))
        attribute_files(src, defs)
    return src


def run_source_rules(src: MigrationSource, enabled=lambda rule: True) -> list[SourceHit]:  # noqa: ANN001
    """Every source rule over the parsed files (each reads the shared parse trees)."""
    hits: list[SourceHit] = []
    for rid, rm in registry().items():
        if rm.rule.kind == SOURCE and enabled(rid):
            hits.extend(rm.check_source(src))
    return hits


def analyse_migrations(folder: Path, enabled=lambda rule: True, defs: bool = True) -> MigrationSource:  # noqa: ANN001
    """Parse, attribute, run the source rules: what both the full lint and `lint --static` start from."""
    with paused():
        src = parse_migrations(folder, defs)
        src.hits = run_source_rules(src, enabled)
    return src
