"""no-select-star: no SELECT * in views (and, with --code, in application code)."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit, star_locations
from . import ERROR, INTEGRITY, SOURCE, Rule

RULE = Rule(
    "no-select-star", ERROR, INTEGRITY, SOURCE,
    "No SELECT *, t.* or RETURNING * in application code or views (count(*) and EXISTS (SELECT * ...) are fine).",
    rationale="A view's * is expanded once, when it is created: later columns are missing from it, and code "
              "that selects * changes shape whenever the table does.",
    bad="CREATE VIEW owner_rows AS SELECT o.* FROM owners o;",  # x121-lint: disable=no-select-star reason: the rule's own example of what it reports
    good="CREATE VIEW owner_rows AS SELECT o.id, o.name FROM owners o;\n"
         "CREATE VIEW owner_counts AS SELECT count(*) AS n FROM owners WHERE EXISTS (SELECT * FROM users);")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for cx in m.of_kind("ViewStmt", "CreateTableAsStmt"):
        st, n = cx.statement, cx.statement.node
        if st.kind == "ViewStmt":
            rv, query = n["view"], n.get("query")
        elif st.kind == "CreateTableAsStmt":
            rv, query = n["into"]["rel"], n.get("query")
        else:
            continue
        rel = cx.rel(rv)
        for loc in star_locations(query):
            yield cx.hit(RULE.id, cx.obj(rel), "view selects * : list the columns (a new column would change the view "
                         "silently)", cx.line_of_byte(loc))
