"""Source analysis of SQL files with pglast (the real PostgreSQL parser).

For migrations it yields three things: where each object was introduced (file and line, for
attributing catalog findings), the source-only findings (SELECT * in views, locking and
destructive changes on tables created by earlier migrations, identifiers over 63 bytes),
and the suppression comments.  Parse trees come from libpg_query as JSON (fast; locations in
bytes); comments come from the scanner (locations in characters).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pglast import parser

from ..errors import WorkbenchError
from .rules import RULES

DIRECTIVE = "x121-lint:"
_COMMENT_TOKENS = ("SQL_COMMENT", "C_COMMENT")
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


@dataclass(frozen=True)
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
        self._newlines = [i for i, ch in enumerate(self.text) if ch == "\n"]
        self._ascii = self.text.isascii()
        try:
            tree = json.loads(parser.parse_sql_json(self.text))
            self.tokens = parser.scan(self.text)
        except parser.ParseError as exc:
            where = exc.args[1] if len(exc.args) > 1 else 0
            raise WorkbenchError(f"{display} line {self.line_of_char(where)}: {exc.args[0]}.",
                                 "Fix the SQL (it is parsed with PostgreSQL's own parser).") from None
        self.statements = self._statements(tree.get("stmts", []))
        self.directives: list[Directive] = []
        self.bad_directives: list[SourceHit] = []
        self._read_directives()

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
        return self.line_of_char(self.char_of_byte(offset))

    # -- statements ------------------------------------------------------------------------
    def _statements(self, raw: list[dict]) -> list[Statement]:
        code = [t for t in self.tokens if t.name not in _COMMENT_TOKENS]
        starts = [t.start for t in code]
        out = []
        for i, s in enumerate(raw):
            begin = self.char_of_byte(s.get("stmt_location", 0))
            length = s.get("stmt_len", 0)
            stop = self.char_of_byte(s.get("stmt_location", 0) + length) if length else len(self.text)
            lo, hi = bisect.bisect_left(starts, begin), bisect.bisect_left(starts, stop)
            toks = [t for t in code[lo:hi] if t.name != "ASCII_59"] or code[lo:lo + 1]
            first, last = (toks[0].start, toks[-1].end + 1) if toks else (begin, stop)
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
        self.bad_directives.append(SourceHit("invalid-suppression", f"{self.display}:{line}", message, self.display, line))

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
    def long_identifiers(self) -> Iterator[SourceHit]:
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

def _strings(items: list | None) -> list[str]:
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


def _func_names(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _func_names(item)
    elif isinstance(node, dict):
        for key, val in node.items():
            if key == "FuncCall":
                names = _strings(val.get("funcname"))
                if names:
                    yield names[-1].lower()
            yield from _func_names(val)


# -- migrations ----------------------------------------------------------------------------------

@dataclass
class MigrationSource:
    """What the migration files say: object origins, source findings, the parsed files."""

    files: list[SqlFile] = field(default_factory=list)
    defs: dict[tuple, tuple[str, int]] = field(default_factory=dict)
    hits: list[SourceHit] = field(default_factory=list)

    def file(self, display: str) -> SqlFile | None:
        return next((f for f in self.files if f.display == display), None)


def migration_files(folder: Path) -> list[Path]:
    """The migration files of the folder in apply order, as the runner discovers and validates them."""
    from ..migrate.files import discover

    return [m.path for m in discover(folder)]


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it (what CI annotations and SARIF expect)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _Walker:
    def __init__(self, src: MigrationSource):
        self.src = src
        self.schema = "public"
        self.created: dict[tuple[str, str], int] = {}  # table -> index of the file that created it
        self.index_table: dict[tuple[str, str], tuple[str, str]] = {}
        self.index_file: dict[tuple[str, str], int] = {}
        self.file_no = 0
        self.f: SqlFile

    def rel(self, rv: dict) -> tuple[str, str]:
        return (rv.get("schemaname") or self.schema, rv["relname"])

    def define(self, key: tuple, line: int) -> None:
        self.src.defs[key] = (self.f.display, line)

    def hit(self, rule: str, obj: str, message: str, line: int, detail: str | None = None) -> None:
        self.src.hits.append(SourceHit(rule, obj, message, self.f.display, line, detail))

    def existing(self, rel: tuple[str, str]) -> bool:
        """Created by an earlier migration file (so it may hold rows and be in use)."""
        return rel in self.created and self.created[rel] < self.file_no

    def obj(self, rel: tuple[str, str], *rest: str) -> str:
        base = rel[1] if rel[0] == "public" else f"{rel[0]}.{rel[1]}"
        return ".".join((base, *rest))

    def walk(self, f: SqlFile, file_no: int) -> None:
        self.f, self.file_no = f, file_no
        for st in f.statements:
            handler = getattr(self, f"on_{st.kind}", None)
            if handler:
                handler(st, st.node)

    def _constraint(self, rel: tuple[str, str], con: dict, line: int, columns: list[str]) -> None:
        kind = con.get("contype")
        cols = columns or _strings(con.get("keys")) or _strings(con.get("fk_attrs"))
        auto = {"CONSTR_PRIMARY": f"{rel[1]}_pkey", "CONSTR_UNIQUE": f"{rel[1]}_{'_'.join(cols)}_key",
                "CONSTR_FOREIGN": f"{rel[1]}_{'_'.join(cols)}_fkey", "CONSTR_CHECK": f"{rel[1]}_{'_'.join(cols[:1]) or 'check'}_check",
                "CONSTR_EXCLUSION": f"{rel[1]}_{'_'.join(cols)}_excl"}
        if kind not in auto:
            return
        name = con.get("conname") or auto[kind]
        self.define(("constraint", *rel, name), line)
        if kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
            self.define(("index", rel[0], name), line)
            self.index_table[(rel[0], name)] = rel
            self.index_file[(rel[0], name)] = self.file_no

    def _column(self, rel: tuple[str, str], col: dict) -> None:
        line = self.f.line_of_byte(col.get("location", 0))
        self.define(("column", *rel, col["colname"]), line)
        for c in col.get("constraints") or []:
            con = c.get("Constraint", {})
            self._constraint(rel, con, self.f.line_of_byte(con.get("location", col.get("location", 0))), [col["colname"]])

    def on_VariableSetStmt(self, st: Statement, n: dict) -> None:
        if n.get("name") == "search_path" and n.get("args"):
            first = n["args"][0].get("A_Const", {}).get("sval", {}).get("sval")
            if first:
                self.schema = first

    def on_CreateStmt(self, st: Statement, n: dict) -> None:
        rel = self.rel(n["relation"])
        self.define(("table", *rel), st.line)
        self.created.setdefault(rel, self.file_no)
        for elt in n.get("tableElts") or []:
            if "ColumnDef" in elt:
                self._column(rel, elt["ColumnDef"])
            elif "Constraint" in elt:
                con = elt["Constraint"]
                self._constraint(rel, con, self.f.line_of_byte(con.get("location", 0)), [])

    def on_AlterTableStmt(self, st: Statement, n: dict) -> None:
        if n.get("objtype") not in (None, "OBJECT_TABLE") or "relation" not in n:
            return
        rel = self.rel(n["relation"])
        old = self.existing(rel)
        for item in n.get("cmds") or []:
            cmd = item.get("AlterTableCmd", {})
            sub, d = cmd.get("subtype"), cmd.get("def") or {}
            if sub == "AT_AddColumn" and "ColumnDef" in d:
                col = d["ColumnDef"]
                self._column(rel, col)
                if old:
                    self._volatile_default(rel, col)
            elif sub == "AT_AddConstraint" and "Constraint" in d:
                con = d["Constraint"]
                line = self.f.line_of_byte(con.get("location", 0)) if con.get("location", -1) >= 0 else st.line
                self._constraint(rel, con, line, [])
                if old:
                    self._new_constraint(rel, con, line)
            elif sub == "AT_AlterColumnType":
                self.define(("column", *rel, cmd["name"]), st.line)
                if old:
                    tn = (d.get("ColumnDef", {}).get("typeName") or {})
                    names = _strings(tn.get("names"))
                    relaxing = names and names[-1] in RELAXING_TYPES and not tn.get("typmods")
                    if not relaxing:
                        self.hit("type-change-rewrite", self.obj(rel, cmd["name"]),
                                 f"changing the type of {cmd['name']} rewrites {self.obj(rel)} under an ACCESS EXCLUSIVE lock",
                                 st.line)
            elif sub == "AT_DropColumn" and old:
                self.hit("drop-object", self.obj(rel, cmd["name"]),
                         f"dropping column {cmd['name']} destroys its data and breaks code that reads it", st.line)

    def _volatile_default(self, rel: tuple[str, str], col: dict) -> None:
        line = self.f.line_of_byte(col.get("location", 0))
        names = _strings((col.get("typeName") or {}).get("names"))
        if names and names[-1] in SERIAL_TYPES:
            self.hit("volatile-default", self.obj(rel, col["colname"]),
                     f"adding a {names[-1]} column fills it with nextval() row by row: the table is rewritten", line)
            return
        for c in col.get("constraints") or []:
            con = c.get("Constraint", {})
            if con.get("contype") == "CONSTR_DEFAULT":
                volatile = sorted(set(_func_names(con.get("raw_expr"))) & VOLATILE_FUNCTIONS)
                if volatile:
                    self.hit("volatile-default", self.obj(rel, col["colname"]),
                             f"volatile default ({', '.join(volatile)}()) on an existing table rewrites it; add the "
                             "column without it, backfill in batches, then SET DEFAULT", line)

    def _new_constraint(self, rel: tuple[str, str], con: dict, line: int) -> None:
        kind = con.get("contype")
        name = con.get("conname") or "(unnamed)"
        if kind in ("CONSTR_FOREIGN", "CONSTR_CHECK") and not con.get("skip_validation") and con.get("initially_valid"):
            self.hit("constraint-not-valid", self.obj(rel, name),
                     f"adding {'an FK' if kind == 'CONSTR_FOREIGN' else 'a CHECK'} to an existing table scans it under lock: "
                     "add it NOT VALID, then VALIDATE CONSTRAINT in a later step", line)
        elif kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not con.get("indexname"):
            self.hit("constraint-not-valid", self.obj(rel, name),
                     "adding a UNIQUE/PRIMARY KEY to an existing table builds its index under lock: CREATE UNIQUE INDEX "
                     "CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX", line)

    def on_IndexStmt(self, st: Statement, n: dict) -> None:
        rel = self.rel(n["relation"])
        cols = [p["IndexElem"].get("name") or "expr" for p in n.get("indexParams") or [] if "IndexElem" in p]
        name = n.get("idxname") or f"{rel[1]}_{'_'.join(cols)}_idx"
        self.define(("index", rel[0], name), st.line)
        self.index_table[(rel[0], name)] = rel
        self.index_file[(rel[0], name)] = self.file_no
        if self.existing(rel) and not n.get("concurrent"):
            self.hit("index-concurrently", self.obj(rel, name),
                     f"CREATE INDEX on existing table {self.obj(rel)} blocks writes while it builds: use CONCURRENTLY "
                     "(in a migration without a transaction)", st.line)

    def on_DropStmt(self, st: Statement, n: dict) -> None:
        kind = n.get("removeType")
        for obj in n.get("objects") or []:
            names = _strings(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
            if not names:
                continue
            key = (names[-2] if len(names) > 1 else self.schema, names[-1])
            if kind == "OBJECT_TABLE" and self.existing(key):
                self.hit("drop-object", self.obj(key), f"dropping table {self.obj(key)} destroys its data", st.line)
            elif kind == "OBJECT_INDEX" and not n.get("concurrent") and key in self.index_file \
                    and self.index_file[key] < self.file_no:
                self.hit("index-concurrently", self.obj(self.index_table[key], key[1]),
                         f"DROP INDEX {key[1]} blocks its table: use DROP INDEX CONCURRENTLY", st.line)

    def on_RenameStmt(self, st: Statement, n: dict) -> None:
        kind = n.get("renameType")
        if kind == "OBJECT_TABLE" and "relation" in n:
            rel = self.rel(n["relation"])
            new = (rel[0], n["newname"])
            for key, where in list(self.src.defs.items()):
                if key[0] in ("column", "constraint") and key[1:3] == rel:
                    self.src.defs[(key[0], *new, *key[3:])] = where
            self.define(("table", *new), st.line)
            if rel in self.created:
                self.created[new] = self.created[rel]
            if self.existing(rel):
                self.hit("rename-object", self.obj(rel), f"renaming table {self.obj(rel)} to {n['newname']} breaks running code",
                         st.line)
        elif kind == "OBJECT_COLUMN" and "relation" in n:
            rel = self.rel(n["relation"])
            self.define(("column", *rel, n["newname"]), st.line)
            if self.existing(rel):
                self.hit("rename-object", self.obj(rel, n["subname"]),
                         f"renaming column {n['subname']} to {n['newname']} breaks running code", st.line)
        elif kind == "OBJECT_INDEX" and "relation" in n:
            self.define(("index", n["relation"].get("schemaname") or self.schema, n["newname"]), st.line)
        elif kind == "OBJECT_TABCONSTRAINT" and "relation" in n:
            self.define(("constraint", *self.rel(n["relation"]), n["newname"]), st.line)

    def _view(self, st: Statement, rv: dict, query: Any) -> None:
        rel = self.rel(rv)
        self.define(("table", *rel), st.line)
        for loc in star_locations(query):
            self.hit("no-select-star", self.obj(rel), "view selects * : list the columns (a new column would change the view "
                     "silently)", self.f.line_of_byte(loc))

    def on_ViewStmt(self, st: Statement, n: dict) -> None:
        self._view(st, n["view"], n.get("query"))

    def on_CreateTableAsStmt(self, st: Statement, n: dict) -> None:
        self._view(st, n["into"]["rel"], n.get("query"))

    def on_CreateEnumStmt(self, st: Statement, n: dict) -> None:
        names = _strings(n.get("typeName"))
        self.define(("type", names[-2] if len(names) > 1 else self.schema, names[-1]), st.line)

    def on_CreateDomainStmt(self, st: Statement, n: dict) -> None:
        names = _strings(n.get("domainname"))
        self.define(("type", names[-2] if len(names) > 1 else self.schema, names[-1]), st.line)

    def on_CreateExtensionStmt(self, st: Statement, n: dict) -> None:
        self.define(("extension", n["extname"]), st.line)

    def on_CreateTrigStmt(self, st: Statement, n: dict) -> None:
        self.define(("trigger", *self.rel(n["relation"]), n["trigname"]), st.line)


def analyse_migrations(folder: Path) -> MigrationSource:
    """Parse every migration in apply order; raise WorkbenchError naming file and line on bad SQL."""
    src = MigrationSource()
    walker = _Walker(src)
    for no, path in enumerate(migration_files(folder)):
        f = SqlFile(path, display_path(path))
        src.files.append(f)
        walker.walk(f, no)
        src.hits.extend(f.long_identifiers())
    return src
