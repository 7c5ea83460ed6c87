"""Table and column names holding `%` and psycopg placeholders (`%s`, `%(x)s`) on every integrity read
path and the confirmed delete: psycopg reads each `%` of a query that has parameters as a placeholder,
so these names must reach SQL as names (integrity/common.py `bindable`), never as text it parses."""

from __future__ import annotations

import psycopg
import pytest
from integrity_support import catalog_of

from x121_docs.errors import WorkbenchError
from x121_docs.integrity.dependencies import scan_dependencies
from x121_docs.integrity.impact import ConfirmationRequired, delete_row, preview
from x121_docs.integrity.messages import translated_error
from x121_docs.integrity.orphans import scan_orphans

SCHEMA = """
CREATE TABLE "50%s" (id int PRIMARY KEY, "p%(x)s" int REFERENCES "50%s" ON DELETE CASCADE);
INSERT INTO "50%s" VALUES (1, NULL), (2, 1), (3, 2), (4, NULL);
CREATE TABLE "t%" (id int PRIMARY KEY, "100%" text UNIQUE);
CREATE TABLE "k%s" (id int PRIMARY KEY, "t%_id" int NOT NULL REFERENCES "t%" ON DELETE CASCADE, "n%" text);
INSERT INTO "t%" VALUES (1, 'a%s'), (2, 'b');
INSERT INTO "k%s" SELECT g, 1 + g % 2, 'v' || g FROM generate_series(1, 40) g;
SET session_replication_role = replica;
INSERT INTO "k%s" VALUES (41, 9, 'orphan');
SET session_replication_role = origin;
"""


def test_names_with_percent_signs_reach_sql_as_names(db_conn, fresh_db):
    db_conn.execute(SCHEMA)
    catalog = catalog_of(fresh_db)
    assert preview(db_conn, catalog, "t%", "2").deleted == {"t%": 1, "k%s": 20}  # a tree: chained subqueries
    cycle = preview(db_conn, catalog, "50%s", "1")  # a self-reference: temporary tables, rounds with parameters
    assert cycle.deleted == {"50%s": 3}
    with pytest.raises(ConfirmationRequired):
        delete_row(db_conn, catalog, "50%s", "1")
    assert delete_row(db_conn, catalog, "50%s", "1", cycle.token).deleted == {"50%s": 3}
    assert db_conn.execute('SELECT array_agg(id) FROM "50%s"').fetchone()[0] == [4]
    with pytest.raises(WorkbenchError, match=r"'x%s' is not a valid value of t%\.id \(integer\)"):
        preview(db_conn, catalog, "t%", "x%s")
    found = {f.reference.constraint: f.orphans for f in scan_orphans(db_conn, catalog).findings}
    assert found == {"k%s_t%_id_fkey": 1, "50%s_p%(x)s_fkey": 0}
    report = scan_dependencies(db_conn, catalog, ["k%s"])
    assert [t.table for t in report.tables] == ["k%s"] and not any(t.error for t in report.tables)
    with pytest.raises(psycopg.Error) as err:
        db_conn.execute("""INSERT INTO "t%" VALUES (3, 'a%s')""")
    assert str(translated_error(err.value, catalog, db_conn)) == "A t% with 100% 'a%s' already exists."
