"""Plain-language constraint errors: one sentence a user understands, built from the catalog.

PostgreSQL says `insert or update on table "characters" violates foreign key constraint
"fk_characters_project_id"` with a SQLSTATE; a user needs "Cannot save the character: there
is no project with id 99."  The translation reads the error's diagnostics (table, column,
constraint, the `Key (...)=(...)` detail), looks the constraint up in the catalog model,
names entities by their singular table name (or an `Entity:` line in the table COMMENT),
glosses columns with their COMMENT, describes CHECK rules by parsing them with pglast, and,
given a usable connection, looks up names ("project 'Demo'") and counts ("3 segment
approvals still use it").  It never shows a SQLSTATE or a constraint name; the original
error stays on `TranslatedError.original` for the logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from ..catalog.model import Catalog, Constraint, ForeignKey, Table
from ..errors import WorkbenchError
from .common import bindable, from_clause, key_condition, primary_key
from ..catalog.naming import indefinite_article
from .naming import column_meaning, column_words, entity_count, entity_name

if TYPE_CHECKING:
    from .impact import Impact

#: Columns that name a row for people, in order of preference.
NAME_COLUMNS = ("name", "label", "title", "display_name", "email", "file_path")
_KEY_DETAIL = re.compile(r"^Key \((?P<cols>.*)\)=\((?P<vals>.*)\) "
                         r"(?P<what>already exists|is not present in table|is (?:still )?referenced from table"
                         r"|conflicts with existing key)", re.S)
_TEXTLIKE = ("text", "varchar", "bpchar", "json", "jsonb", "xml", "citext", "name")


class TranslatedError(WorkbenchError):
    """A constraint violation in plain language; `original` is the psycopg error (for logs)."""

    def __init__(self, message: str, original: BaseException):
        super().__init__(message)
        self.original = original


def translated_error(exc: psycopg.Error, catalog: Catalog, conn: psycopg.Connection | None = None,
                     *, action: str | None = None) -> TranslatedError:
    return TranslatedError(translate(exc, catalog, conn, action=action), exc)


def translate(exc: BaseException, catalog: Catalog, conn: psycopg.Connection | None = None,
              *, action: str | None = None) -> str:
    """One sentence for a constraint error (FK, unique, not null, check, exclusion).

    `conn`, when usable (autocommit, or a transaction that is not aborted), is used to look up
    row names and counts; without it the sentence uses ids.  `action` ('delete' or 'update')
    words a refused change of a referenced row; PostgreSQL reports both the same way.
    """
    diag = getattr(exc, "diag", None)
    state = getattr(exc, "sqlstate", None) or ""
    if diag is None:
        return "The database refused the change."
    table = catalog.get(diag.table_name, diag.schema_name) if diag.table_name and diag.schema_name else None
    lookup = _Lookup(conn)
    try:
        if state in ("23503", "23001"):
            return _foreign_key(diag, catalog, table, lookup, action)
        if state == "23505":
            return _unique(diag, catalog, table, lookup)
        if state == "23502":
            return _not_null(diag, table)
        if state == "23514":
            return _check(diag, table)
        if state == "23P01":
            return _exclusion(diag, table)
    except _Unknown:
        pass
    if table is not None:
        return f"The database refused to save the {entity_name(table)}."
    return "The database refused the change."


class _Unknown(Exception):
    """The error does not match the catalog (stale catalog?): use the generic sentence."""


# --- lookups through the connection ----------------------------------------------------------

class _Lookup:
    """Names and counts, only when the connection can run a query without side effects."""

    def __init__(self, conn: psycopg.Connection | None):
        ok = conn is not None and not conn.closed and \
            conn.info.transaction_status in (psycopg.pq.TransactionStatus.IDLE, psycopg.pq.TransactionStatus.INTRANS)
        self.conn = conn if ok else None

    def _one(self, query: sql.Composable, params: Sequence[Any]) -> Any:
        if self.conn is None:
            return None
        try:
            with self.conn.transaction():  # a savepoint inside a transaction: a failure leaves it usable
                row = self.conn.execute(bindable(query), tuple(params)).fetchone()
        except psycopg.Error:
            return None
        return row[0] if row else None

    def name(self, table: Table, columns: Sequence[str], values: Sequence[Any]) -> str | None:
        col = next((c for c in NAME_COLUMNS if table.column(c) is not None and c not in columns), None)
        if col is None:
            return None
        value = self._one(sql.SQL("SELECT {c}::text FROM {t} WHERE {w} LIMIT 1").format(
            c=sql.Identifier(col), t=from_clause(table), w=key_condition(columns)), values)
        return value

    def count(self, table: Table, columns: Sequence[str], values: Sequence[Any]) -> int | None:
        return self._one(sql.SQL("SELECT count(*) FROM {t} WHERE {w}").format(
            t=from_clause(table), w=key_condition(columns)), values)


# --- pieces of sentences -----------------------------------------------------------------------

def _a(phrase: str) -> str:
    return indefinite_article(phrase)


def _quote(value: Any) -> str:
    if value is None:
        return "empty"
    text = str(value)
    return text if re.fullmatch(r"-?\d+(\.\d+)?", text) else f"'{text}'"


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _key_detail(detail: str | None, ncols: int | None = None) -> tuple[list[str], list[str], str] | None:
    """('Key (a, b)=(1, x) already exists.') -> (['a', 'b'], ['1', 'x'], 'already exists')."""
    m = _KEY_DETAIL.match(detail or "")
    if not m:
        return None
    cols = [c.strip().strip('"') for c in _split_top(m["cols"])]
    vals = m["vals"].split(", ")
    n = ncols or len(cols)
    if len(vals) != n:  # a value with ", " in it: keep the leading ones, the rest is the last value
        vals = vals[: n - 1] + [", ".join(vals[n - 1:])] if len(vals) > n else vals + [""] * (n - len(vals))
    return cols, vals, m["what"]


def _split_top(text: str) -> list[str]:
    """Split 'a, lower(b), c' at top-level commas (expression keys have parentheses)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _with(columns: Sequence[str], values: Sequence[Any]) -> str:
    """'named 'Ava'', 'with id 3', 'with email 'a@b' and role 2'."""
    if list(columns) == ["name"]:
        return f"named {_quote(values[0])}"
    return "with " + _and([f"{column_words(c)} {_quote(v)}" for c, v in zip(columns, values)])


def _row(table: Table, columns: Sequence[str], values: Sequence[Any], lookup: _Lookup) -> str:
    """"project 'Demo'" when the row has a name, else "project with id 1"."""
    label = lookup.name(table, columns, values)
    if label is not None:
        return f"{entity_name(table)} {_quote(label) if not label.isdigit() else label}"
    return f"{entity_name(table)} {_with(columns, values)}"


def _find_fk(catalog: Catalog, table: Table | None, name: str | None) -> ForeignKey:
    if table is not None:
        for fk in list(table.foreign_keys) + list(catalog.referencing(table)):
            if fk.name == name:
                return fk
    raise _Unknown()


# --- the translations --------------------------------------------------------------------------

def _foreign_key(diag: Any, catalog: Catalog, table: Table | None, lookup: _Lookup, action: str | None) -> str:
    fk = _find_fk(catalog, table, diag.constraint_name)
    child, parent = catalog.get(fk.table, fk.schema), catalog.get(fk.ref_table, fk.ref_schema)
    if child is None or parent is None:
        raise _Unknown()
    detail = _key_detail(diag.message_detail, len(fk.columns))
    if detail and detail[2].endswith("referenced from table"):
        _, values, _ = detail
        verb = {"update": "change"}.get(action or "delete", "delete")
        what = _row(parent, fk.ref_columns, values, lookup)
        n = lookup.count(child, fk.columns, values)
        users = entity_count(child, n) if n else f"some {entity_count(child, 2).split(' ', 1)[1]}"
        verb_s = "still uses" if n == 1 else "still use"
        return f"Cannot {verb} the {what}: {users} {verb_s} it."
    if detail is None:  # MATCH FULL with mixed NULLs, or no detail (privileges)
        return (f"Cannot save the {entity_name(child)}: {_and([column_words(c) for c in fk.columns])} "
                f"must all be given or all be empty, and name an existing {entity_name(parent)}.")
    _, values, _ = detail
    role = column_words(fk.columns[0]) if len(fk.columns) == 1 else None
    missing = f"there is no {entity_name(parent)} {_with(fk.ref_columns, values)}"
    parent_name = entity_name(parent)
    if role and role != parent_name:
        role = role[: -len(parent_name)].strip() if role.endswith(" " + parent_name) else role
        return f"Cannot save the {entity_name(child)}: {missing} ({role if role.endswith(' by') else 'its ' + role})."
    return f"Cannot save the {entity_name(child)}: {missing}."


def _unique_columns(table: Table, name: str | None) -> tuple[list[str], bool]:
    """Columns of the unique constraint or unique index `name`; expression keys map to their columns."""
    cons: list[Constraint] = list(table.uniques) + ([table.primary_key] if table.primary_key else [])
    for c in cons:
        if c.name == name:
            return list(c.columns), c.kind == "primary key"
    for ix in table.indexes:
        if ix.name == name and ix.unique:
            cols: list[str] = []
            for key in ix.key_columns:
                cols += [key] if table.column(key) else _expression_columns(key, table)
            return cols, ix.primary
    raise _Unknown()


def _expression_columns(expr: str, table: Table) -> list[str]:
    """Columns an index expression reads ('lower(email)' -> ['email']), with the real SQL parser."""
    from pglast import parse_sql
    from pglast.ast import ColumnRef
    from pglast.visitors import Visitor

    found: list[str] = []

    class _Cols(Visitor):
        def visit_ColumnRef(self, ancestors, node: ColumnRef):  # noqa: N802, ANN001, ANN201
            name = getattr(node.fields[-1], "sval", None)
            if name and table.column(name) and name not in found:
                found.append(name)

    try:
        _Cols()(parse_sql(f"SELECT {expr}"))
    except Exception:  # noqa: BLE001 - an unparsable expression just yields no column names
        return []
    return found


def _unique(diag: Any, catalog: Catalog, table: Table | None, lookup: _Lookup) -> str:
    if table is None:
        raise _Unknown()
    columns, _ = _unique_columns(table, diag.constraint_name)
    detail = _key_detail(diag.message_detail)
    if detail is None:
        return f"{_a(entity_name(table)).capitalize()} with the same {_and([column_words(c) for c in columns])} already exists."
    keys, values, _ = detail
    by_col = dict(zip(columns, values)) if len(keys) == len(columns) else {}
    if not by_col:  # expression keys: show them by the columns they read
        by_col = dict(zip(columns, values + [""] * len(columns)))
    scopes, own = [], []
    for fk in table.foreign_keys:
        if set(fk.columns) <= set(columns) and all(c in by_col for c in fk.columns):
            parent = catalog.get(fk.ref_table, fk.ref_schema)
            if parent is not None:
                scopes.append((fk, parent))
    scopes.sort(key=lambda s: columns.index(s[0].columns[0]))
    scoped = {c for fk, _ in scopes for c in fk.columns}
    own = [c for c in columns if c not in scoped]
    where = [_row(parent, fk.ref_columns, [by_col[c] for c in fk.columns], lookup) for fk, parent in scopes]
    subject = _a(entity_name(table)).capitalize()
    if own:
        sentence = f"{subject} {_with(own, [by_col[c] for c in own])} already exists"
        return sentence + (f" in {_and(where)}." if where else ".")
    return f"{subject} already exists for {_and(where)}."


def _not_null(diag: Any, table: Table | None) -> str:
    if table is None or not diag.column_name:
        raise _Unknown()
    col = table.column(diag.column_name)
    meaning = column_meaning(col)
    words = column_words(diag.column_name)
    gloss = f" ({meaning})" if meaning and words not in meaning.lower() else ""
    return f"Cannot save the {entity_name(table)} without a value for {words}{gloss}."


# CHECK rules in words, from the parsed constraint expression.
_OPS = {">": "greater than", ">=": "at least", "<": "less than", "<=": "at most", "=": "equal to",
        "<>": "different from", "!=": "different from"}


def _describe(node: Any) -> str | None:
    from pglast.ast import A_Const, A_Expr, BoolExpr, ColumnRef, FuncCall, NullTest, TypeCast
    from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType

    def col(n: Any) -> str | None:
        return column_words(n.fields[-1].sval) if isinstance(n, ColumnRef) else None

    def const(n: Any) -> str | None:
        if isinstance(n, TypeCast):
            n = n.arg
        if isinstance(n, A_Const) and not n.isnull:
            v = n.val
            return str(getattr(v, "ival", None) if hasattr(v, "ival") else getattr(v, "fval", None)
                       or getattr(v, "sval", None))
        return None

    if isinstance(node, BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        args = list(node.args)
        # pg_get_constraintdef writes BETWEEN as (x >= a) AND (x <= b)
        if len(args) == 2 and all(isinstance(a, A_Expr) and a.kind == A_Expr_Kind.AEXPR_OP for a in args):
            (lo, hi) = args
            if col(lo.lexpr) and col(lo.lexpr) == col(hi.lexpr) and lo.name[0].sval == ">=" \
                    and hi.name[0].sval == "<=" and const(lo.rexpr) and const(hi.rexpr):
                return f"{col(lo.lexpr)} must be between {const(lo.rexpr)} and {const(hi.rexpr)}"
        parts = [_describe(a) for a in args]
        return None if None in parts else _and(parts)
    if isinstance(node, BoolExpr) and node.boolop == BoolExprType.OR_EXPR:
        nulls = [a for a in node.args if isinstance(a, NullTest) and a.nulltesttype == NullTestType.IS_NULL]
        rest = [a for a in node.args if a not in nulls]
        if nulls and len(rest) == 1:
            inner = _describe(rest[0])
            return f"{inner} when given" if inner else None
        groups = [_null_group(a) for a in node.args]
        if len(groups) == 2 and None not in groups and {g[0] for g in groups} == {True, False} \
                and sorted(groups[0][1]) == sorted(groups[1][1]):
            return f"{_and(groups[0][1])} must all be given or all be empty"
        return None
    if isinstance(node, NullTest) and node.nulltesttype == NullTestType.IS_NOT_NULL and col(node.arg):
        return f"{col(node.arg)} must be given"
    if isinstance(node, A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
        op = node.name[-1].sval
        left, right = node.lexpr, node.rexpr
        if op in ("<>", "!=") and isinstance(left, FuncCall) and left.funcname[-1].sval == "btrim" \
                and len(left.args) == 1 and col(left.args[0]) and const(right) == "":
            return f"{col(left.args[0])} must not be blank"
        if op in ("<>", "!=") and col(left) and const(right) == "":
            return f"{col(left)} must not be empty"
        if op in ("~", "~*") and col(left):
            return f"{col(left)} is not in the expected format"
        if op in _OPS and col(left) and (const(right) is not None or col(right)):
            return f"{col(left)} must be {_OPS[op]} {const(right) if const(right) is not None else col(right)}"
    if isinstance(node, A_Expr) and node.kind == A_Expr_Kind.AEXPR_BETWEEN and col(node.lexpr):
        lo, hi = (const(x) for x in node.rexpr)
        if lo is not None and hi is not None:
            return f"{col(node.lexpr)} must be between {lo} and {hi}"
    return None


def _null_group(node: Any) -> tuple[bool, list[str]] | None:
    """(True, cols) for `a IS NULL AND b IS NULL ...`, (False, cols) for the IS NOT NULL form."""
    from pglast.ast import BoolExpr, ColumnRef, NullTest
    from pglast.enums import BoolExprType, NullTestType

    if not (isinstance(node, BoolExpr) and node.boolop == BoolExprType.AND_EXPR):
        return None
    kinds, cols = set(), []
    for arg in node.args:
        if not (isinstance(arg, NullTest) and isinstance(arg.arg, ColumnRef)):
            return None
        kinds.add(arg.nulltesttype == NullTestType.IS_NULL)
        cols.append(column_words(arg.arg.fields[-1].sval))
    return (kinds.pop(), cols) if len(kinds) == 1 else None


def describe_check(definition: str) -> str | None:
    """A CHECK definition in words ('priority must be between 0 and 100'), or None."""
    from pglast import parse_sql

    text = definition.strip()
    if text.upper().endswith(" NOT VALID"):
        text = text[: -len(" NOT VALID")]
    if not text.upper().startswith("CHECK"):
        return None
    try:
        stmt = parse_sql(f"SELECT {text[len('CHECK'):].strip()}")[0].stmt
        return _describe(stmt.targetList[0].val)
    except Exception:  # noqa: BLE001 - an unparsable rule is described generically
        return None


def _failing_values(detail: str | None, table: Table) -> dict[str, str]:
    """Column values from 'Failing row contains (...)', aligned from both ends around text columns."""
    m = re.match(r"^Failing row contains \((?P<vals>.*)\)\.?$", detail or "", re.S)
    if not m:
        return {}
    cols = list(table.columns)
    vals = m["vals"].split(", ")
    if len(vals) == len(cols):
        return {c.name: v for c, v in zip(cols, vals)}
    if len(vals) < len(cols):
        return {}
    # Only text-like columns can hold ", ": give the extra pieces to the last of them (a
    # description or comment usually comes after names and labels).
    texty = [i for i, c in enumerate(cols) if c.type_name in _TEXTLIKE or c.is_array]
    if not texty:
        return {}
    extra, last = len(vals) - len(cols), texty[-1]
    out: dict[str, str] = {}
    for i, c in enumerate(cols):
        if i < last:
            out[c.name] = vals[i]
        elif i == last:
            out[c.name] = ", ".join(vals[i:i + extra + 1])
        else:
            out[c.name] = vals[i + extra]
    return out


def _check(diag: Any, table: Table | None) -> str:
    if table is None:  # a domain's CHECK: PostgreSQL does not say which value
        return "The value is not allowed by the rules of its type."
    check = next((c for c in table.checks if c.name == diag.constraint_name), None)
    if check is None:
        raise _Unknown()
    values = _failing_values(diag.message_detail, table)
    shown = [f"{column_words(c)} {_quote(None if values[c] == 'null' else values[c])}"
             for c in check.columns if c in values]
    got = f" (got {_and(shown)})" if shown else ""
    rule = (check.comment or "").strip().rstrip(".") or describe_check(check.definition)
    if rule:
        return f"Cannot save the {entity_name(table)}: {rule}{got}."
    cols = list(check.columns)
    meaning = column_meaning(table.column(cols[0])) if len(cols) == 1 else None
    gloss = f": {meaning[0].lower() + meaning[1:]}" if meaning else ""
    what = _and([column_words(c) for c in cols]) or "its values"
    return f"Cannot save the {entity_name(table)}: {what} {'is' if len(cols) == 1 else 'are'} not valid{gloss}{got}."


def _exclusion(diag: Any, table: Table | None) -> str:
    if table is None:
        raise _Unknown()
    detail = _key_detail(diag.message_detail)
    if detail is None:
        return f"Cannot save the {entity_name(table)}: it conflicts with an existing {entity_name(table)}."
    cols, values, _ = detail
    words = [column_words(c) for c in cols]
    return (f"Cannot save the {entity_name(table)}: {_and([f'{w} {_quote(v)}' for w, v in zip(words, values)])} "
            f"conflict{'s' if len(cols) == 1 else ''} with an existing {entity_name(table)}.")


# --- sentences for the confirmed delete --------------------------------------------------------

def _root(conn: psycopg.Connection | None, table: Table, key: Sequence[Any]) -> str:
    return _row(table, primary_key(table), key, _Lookup(conn))


def _table_counts(catalog: Catalog, counts: dict[str, int]) -> list[str]:
    return [entity_count(catalog.table(name), n) for name, n in counts.items() if n]


def cascade_sentence(conn: psycopg.Connection | None, catalog: Catalog, table: Table, key: Sequence[Any],
                     impact: Impact) -> str:
    """'Deleting the project 'Demo' also deletes 2 characters and 5 scenes, and clears 1 generation job.'"""
    deleted = dict(impact.deleted)
    deleted[table.display_name] = deleted.get(table.display_name, 1) - 1
    parts = []
    if any(deleted.values()):
        parts.append("also deletes " + _and(_table_counts(catalog, deleted)))
    cleared = {}
    for counts in (impact.set_null, impact.set_default):
        for name, n in counts.items():
            cleared[name] = cleared.get(name, 0) + n
    if cleared:
        parts.append("clears the reference in " + _and(_table_counts(catalog, cleared)))
    return f"Deleting the {_root(conn, table, key)} {', and '.join(parts)}."


def blocked_sentence(conn: psycopg.Connection | None, catalog: Catalog, table: Table, key: Sequence[Any],
                     impact: Impact) -> str:
    """'Cannot delete the user 'Ann': 2 projects still use it.'"""
    reasons = []
    direct = [e for e in impact.blockers if e.parent == table.display_name]
    if direct:
        users = [entity_count(catalog.table(e.table), e.rows) for e in direct]
        single = len(direct) == 1 and direct[0].rows == 1
        reasons.append(f"{_and(users)} {'still uses' if single else 'still use'} it")
    for e in impact.blockers:
        users = entity_count(catalog.table(e.table), e.rows)
        verb = "still uses" if e.rows == 1 else "still use"
        if e.parent != table.display_name:
            gone = entity_count(catalog.table(e.parent), impact.deleted.get(e.parent, 0))
            reasons.append(f"it would delete {gone} that {users} {verb}")
    return f"Cannot delete the {_root(conn, table, key)}: {'; '.join(reasons)}."
