"""Transaction control inside a migration file, found before anything runs.

A transactional migration runs between the runner's BEGIN and the COMMIT that also writes
its ledger row.  A COMMIT, ROLLBACK, BEGIN, END, ABORT, SAVEPOINT/RELEASE or PREPARE
TRANSACTION in the file would end or split that transaction, so part of the file (or all
of it, without its ledger row) would outlive a failure.  The runner refuses such a file
(unless it is `-- no-transaction`); the linter can reuse :func:`find_transaction_control`.

Statements are split with PostgreSQL's own scanner (pglast), so strings, dollar-quoted
bodies and comments never cause false alarms; only candidates (a statement that starts
with one of the keywords below) are parsed.  DO blocks and procedures created in the same
file are parsed as PL/pgSQL, so a COMMIT/ROLLBACK in a DO block, or a CALL of a procedure
of the file that commits, is found too.  A procedure that already exists in the database
is not looked into: PostgreSQL itself refuses its COMMIT inside our transaction block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

#: Words a statement can start with and be (or contain) transaction control.
_KEYWORDS = ("begin", "start", "commit", "rollback", "savepoint", "release", "end", "abort", "prepare", "do", "call")
_CANDIDATE = re.compile(r"\b(?:" + "|".join(_KEYWORDS) + r")\b")
_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")
_FIRST_WORDS = {"begin", "start", "commit", "rollback", "savepoint", "release", "end", "abort", "prepare", "do",
                "call", "create"}
_PLPGSQL_TX = ("PLpgSQL_stmt_commit", "PLpgSQL_stmt_rollback")


#: Characters the scanner sees at once: bounds its memory on a big data migration.
CHUNK = 1 << 20


def statement_slices(sql: str) -> list[slice]:
    """Character ranges of the file's statements (PostgreSQL's scanner; tolerant of syntax errors).

    The text goes to the scanner in pieces of about CHUNK characters, each starting at a
    statement boundary; the last statement of a piece may be cut, so it is scanned again at
    the start of the next piece (a piece that cannot be scanned is doubled until it can).
    """
    from pglast import parser

    out: list[slice] = []
    pos, size, n = 0, CHUNK, len(sql)
    while pos < n:
        end = min(n, pos + size)
        try:
            found = parser.split(sql[pos:end], with_parser=False, only_slices=True)
        except parser.Error:
            if end == n:
                return out if out else []
            size *= 2
            continue
        if end < n:
            if len(found) < 2:
                size *= 2
                continue
            found = found[:-1]  # may be cut: scanned again from its start
        out.extend(slice(pos + f.start, pos + f.stop) for f in found)
        if end == n or not found:
            break
        pos += found[-1].stop
        size = CHUNK
    return out


def statement_start(sql: str, s: slice) -> int:
    """Offset of the first token of statement `s` (after its leading comments)."""
    return _LEADING.match(sql, s.start, s.stop).end()


def line_of(sql: str, offset: int) -> int:
    return sql.count("\n", 0, offset) + 1


def _plpgsql_controls(body: str) -> bool:
    """True when a PL/pgSQL body contains COMMIT or ROLLBACK (a parse failure counts as a match
    when the words appear: refuse rather than guess)."""
    from pglast import parser

    tag = "x121_body"
    while f"${tag}$" in body:
        tag += "_"
    try:
        tree = parser.parse_plpgsql_json(
            f"CREATE FUNCTION x121_probe() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}$")
    except parser.Error:
        return re.search(r"\b(COMMIT|ROLLBACK)\b", body, re.I) is not None
    return any(key in tree for key in _PLPGSQL_TX)


def _def_elems(items: list) -> dict[str, object]:
    out = {}
    for item in items or ():
        elem = item.get("DefElem") if isinstance(item, dict) else None
        if elem:
            out[elem.get("defname")] = elem.get("arg")
    return out


def _body_text(arg: object) -> str | None:
    if not isinstance(arg, dict):
        return None
    if "String" in arg:
        return arg["String"].get("sval")
    if "List" in arg:
        items = arg["List"].get("items") or []
        return items[0].get("String", {}).get("sval") if items else None
    return None


def _language(arg: object) -> str:
    return (_body_text(arg) or "plpgsql").lower() if arg is not None else "plpgsql"


def _name(parts: list) -> str:
    return ".".join(p.get("String", {}).get("sval", "") for p in parts or ()).lower()


def _describe(stmt: dict, committing: set[str]) -> tuple[str | None, str | None]:
    """(reason, procedure name created that commits) for one parsed statement."""
    if "TransactionStmt" in stmt:
        return "transaction control", None
    if "DoStmt" in stmt:
        opts = _def_elems(stmt["DoStmt"].get("args"))
        body = _body_text(opts.get("as"))
        if body is not None and _language(opts.get("language")) == "plpgsql" and _plpgsql_controls(body):
            return "COMMIT/ROLLBACK inside a DO block", None
        return None, None
    if "CreateFunctionStmt" in stmt:
        fn = stmt["CreateFunctionStmt"]
        if not fn.get("is_procedure"):
            return None, None
        opts = _def_elems(fn.get("options"))
        body = _body_text(opts.get("as"))
        if body is not None and _language(opts.get("language")) == "plpgsql" and _plpgsql_controls(body):
            return None, _name(fn.get("funcname"))
        return None, None
    if "CallStmt" in stmt:
        name = _name(stmt["CallStmt"].get("funccall", {}).get("funcname"))
        short = name.rpartition(".")[2]
        if name in committing or short in committing:
            return f"CALL of procedure {name}, which commits or rolls back", None
    return None, None


def _candidates(sql: str) -> Iterator[tuple[int, str]]:
    """(first-token offset, statement text) of each statement that may be transaction control."""
    for s in statement_slices(sql):
        start = statement_start(sql, s)
        word = _FIRST_WORD.match(sql, start, s.stop)
        first = word.group(0).lower() if word else ""
        if first not in _FIRST_WORDS:
            continue
        text = sql[start:s.stop]
        if first == "create" and not re.search(r"\bPROCEDURE\b", text[:400], re.I):
            continue
        yield start, text


def find_transaction_control(sql: str) -> list[tuple[int, str]]:
    """(line, statement) of every statement in `sql` that would end, split or nest the runner's
    transaction: BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT, SAVEPOINT, RELEASE,
    ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED, a DO block that commits or
    rolls back, and a CALL of a procedure created in the same file that does.

    Lines are 1-based; the statement is its text from its first keyword (comments before it
    left out), without the final semicolon.
    """
    low = sql.lower()  # the common case (and a 10 MB data file) costs a few substring scans
    if not any(word in low for word in _KEYWORDS) or not _CANDIDATE.search(low):
        return []
    from pglast import parser

    found: list[tuple[int, str]] = []
    committing: set[str] = set()
    for start, text in _candidates(sql):
        try:
            stmts = json.loads(parser.parse_sql_json(text)).get("stmts", [])
        except parser.Error:
            continue  # a syntax error is PostgreSQL's to report, with its position
        for st in stmts:
            reason, procedure = _describe(st.get("stmt", {}), committing)
            if procedure:
                committing.add(procedure)
                committing.add(procedure.rpartition(".")[2])
            if reason:
                found.append((line_of(sql, start), text.strip()))
    return found
