"""Source attribution: which migration file and line introduced each object, and the tables' history.

Kept apart from the checks: catalog findings are attributed through `MigrationSource.defs`
(object key -> file, line), and the source rules ask `MigrationSource.existing()` whether a
statement touches a table an earlier migration created. Reads the parse trees of `SqlFile`.
"""

from __future__ import annotations

from .source import MigrationSource, SqlFile, Statement, StatementContext, strings

_INDEXED = frozenset({"CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"})  # constraints backed by an index


class _Attributor:
    def __init__(self, src: MigrationSource, defs: bool = True):
        self.src = src
        self.defs = defs  # False: only the table history and contexts (what the source rules read)
        self.schema = "public"
        self.file_no = 0
        self.f: SqlFile

    def rel(self, rv: dict) -> tuple[str, str]:
        return (rv.get("schemaname") or self.schema, rv["relname"])

    def define(self, key: tuple, line: int) -> None:
        if self.defs:
            self.src.defs[key] = (self.f.display, line)

    def line(self, offset: int) -> int:
        """The line of a byte offset of the current file (0 without defs: only origins report lines)."""
        return self.f.line_of_byte(offset) if self.defs else 0

    def walk(self, f: SqlFile, file_no: int) -> None:
        self.f, self.file_no = f, file_no
        contexts, by_kind = self.src.contexts, self.src.by_kind
        for st in f.statements:
            cx = StatementContext(file_no, f, st, self.schema)
            contexts.append(cx)
            by_kind.setdefault(st.kind, []).append(cx)
            handler = getattr(self, f"on_{st.kind}", None)
            if handler:
                handler(st, st.node)

    def _constraint(self, rel: tuple[str, str], con: dict, line: int, columns: list[str]) -> None:
        kind = con.get("contype")
        if not self.defs and kind not in _INDEXED:  # without origins, a constraint matters only as its index
            return
        cols = columns or strings(con.get("keys")) or strings(con.get("fk_attrs"))
        auto = {"CONSTR_PRIMARY": f"{rel[1]}_pkey", "CONSTR_UNIQUE": f"{rel[1]}_{'_'.join(cols)}_key",
                "CONSTR_FOREIGN": f"{rel[1]}_{'_'.join(cols)}_fkey", "CONSTR_CHECK": f"{rel[1]}_{'_'.join(cols[:1]) or 'check'}_check",
                "CONSTR_EXCLUSION": f"{rel[1]}_{'_'.join(cols)}_excl"}
        if kind not in auto:
            return
        name = con.get("conname") or auto[kind]
        self.define(("constraint", *rel, name), line)
        if kind in _INDEXED:
            self._index(rel, name, line)

    def _index(self, rel: tuple[str, str], name: str, line: int) -> None:
        self.define(("index", rel[0], name), line)
        self.src.index_table[(rel[0], name)] = rel
        self.src.index_file[(rel[0], name)] = self.file_no

    def _column(self, rel: tuple[str, str], col: dict) -> None:
        self.define(("column", *rel, col["colname"]), self.line(col.get("location", 0)))
        for c in col.get("constraints") or []:
            con = c.get("Constraint", {})
            self._constraint(rel, con, self.line(con.get("location", col.get("location", 0))), [col["colname"]])

    def on_VariableSetStmt(self, st: Statement, n: dict) -> None:
        if n.get("name") == "search_path" and n.get("args"):
            first = n["args"][0].get("A_Const", {}).get("sval", {}).get("sval")
            if first:
                self.schema = first

    def on_CreateStmt(self, st: Statement, n: dict) -> None:
        rel = self.rel(n["relation"])
        self.define(("table", *rel), st.line)
        self.src.created.setdefault(rel, self.file_no)
        for elt in n.get("tableElts") or []:
            if "ColumnDef" in elt:
                self._column(rel, elt["ColumnDef"])
            elif "Constraint" in elt:
                con = elt["Constraint"]
                self._constraint(rel, con, self.line(con.get("location", 0)), [])

    def on_AlterTableStmt(self, st: Statement, n: dict) -> None:
        if n.get("objtype") not in (None, "OBJECT_TABLE") or "relation" not in n:
            return
        rel = self.rel(n["relation"])
        for item in n.get("cmds") or []:
            cmd = item.get("AlterTableCmd", {})
            sub, d = cmd.get("subtype"), cmd.get("def") or {}
            if sub == "AT_AddColumn" and "ColumnDef" in d:
                self._column(rel, d["ColumnDef"])
            elif sub == "AT_AddConstraint" and "Constraint" in d:
                con = d["Constraint"]
                line = self.line(con.get("location", 0)) if con.get("location", -1) >= 0 else st.line
                self._constraint(rel, con, line, [])
            elif sub == "AT_AlterColumnType":
                self.define(("column", *rel, cmd["name"]), st.line)

    def on_IndexStmt(self, st: Statement, n: dict) -> None:
        rel = self.rel(n["relation"])
        cols = [p["IndexElem"].get("name") or "expr" for p in n.get("indexParams") or [] if "IndexElem" in p]
        self._index(rel, n.get("idxname") or f"{rel[1]}_{'_'.join(cols)}_idx", st.line)

    def on_RenameStmt(self, st: Statement, n: dict) -> None:
        kind = n.get("renameType")
        if kind == "OBJECT_TABLE" and "relation" in n:
            rel = self.rel(n["relation"])
            new = (rel[0], n["newname"])
            for key, where in list(self.src.defs.items()) if self.defs else ():
                if key[0] in ("column", "constraint") and key[1:3] == rel:
                    self.src.defs[(key[0], *new, *key[3:])] = where
            self.define(("table", *new), st.line)
            if rel in self.src.created:
                self.src.created.setdefault(new, self.src.created[rel])
        elif kind == "OBJECT_COLUMN" and "relation" in n:
            self.define(("column", *self.rel(n["relation"]), n["newname"]), st.line)
        elif kind == "OBJECT_INDEX" and "relation" in n:
            self.define(("index", n["relation"].get("schemaname") or self.schema, n["newname"]), st.line)
        elif kind == "OBJECT_TABCONSTRAINT" and "relation" in n:
            self.define(("constraint", *self.rel(n["relation"]), n["newname"]), st.line)

    def _view(self, st: Statement, rv: dict) -> None:
        self.define(("table", *self.rel(rv)), st.line)

    def on_ViewStmt(self, st: Statement, n: dict) -> None:
        self._view(st, n["view"])

    def on_CreateTableAsStmt(self, st: Statement, n: dict) -> None:
        self._view(st, n["into"]["rel"])

    def _type(self, st: Statement, names: list[str]) -> None:
        self.define(("type", names[-2] if len(names) > 1 else self.schema, names[-1]), st.line)

    def on_CreateEnumStmt(self, st: Statement, n: dict) -> None:
        self._type(st, strings(n.get("typeName")))

    def on_CreateDomainStmt(self, st: Statement, n: dict) -> None:
        self._type(st, strings(n.get("domainname")))

    def on_CreateExtensionStmt(self, st: Statement, n: dict) -> None:
        self.define(("extension", n["extname"]), st.line)

    def on_CreateTrigStmt(self, st: Statement, n: dict) -> None:
        self.define(("trigger", *self.rel(n["relation"]), n["trigname"]), st.line)


def attribute_files(src: MigrationSource, defs: bool = True) -> None:
    """Fill `src.defs`, the table history and the statement contexts from the parsed files, in apply order.

    `defs=False` leaves `src.defs` empty: `lint --static` reports no catalog finding, so it needs no
    object origins, and recording each column's line was two thirds of attribution's time."""
    a = _Attributor(src, defs)
    for no, f in enumerate(src.files):
        a.walk(f, no)
