"""The dependencies notebook: plant denormalisations in sample data, show what the scan finds.

`plant_denormalisations` adds what a hurried schema change typically leaves behind: a copy of
the project's name on every character (a transitive dependency through `project_id`) and a
notes table whose `video_segment_ref` points at segments without a foreign key.  The views
turn a `DependencyReport` into tables; none of them queries anything.
"""

from __future__ import annotations

import psycopg

from ..integrity.dependencies import DependencyReport
from .display import TableView, Text, lines, table

PLANT_SQL = """
ALTER TABLE characters ADD COLUMN project_name TEXT;
UPDATE characters c SET project_name = p.name FROM projects p WHERE p.id = c.project_id;
CREATE TABLE segment_notes (
    id                BIGSERIAL PRIMARY KEY,
    video_segment_ref BIGINT NOT NULL,
    note              TEXT   NOT NULL
);
SELECT setseed(0.6);
INSERT INTO segment_notes (video_segment_ref, note)
SELECT s.id, (ARRAY['re-render', 'check the lighting', 'too fast', 'approved by client'])[1 + (random() * 3)::int]
FROM video_segments s, generate_series(1, 2) g WHERE random() < 0.3 ORDER BY s.id, g;
ANALYZE characters;
ANALYZE segment_notes;
"""


def plant_denormalisations(conn: psycopg.Connection) -> dict[str, int]:
    """Add the planted copy and soft reference (one transaction); rows of what was planted."""
    with conn.transaction():
        conn.execute(PLANT_SQL)
    count = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
    return {"characters with a project_name copy": count("SELECT count(*) FROM characters"),
            "segment_notes rows": count("SELECT count(*) FROM segment_notes")}


def tables_table(report: DependencyReport) -> TableView:
    """What was sampled, the keys declared and found, and why a table or column was left out."""
    rows = []
    for t in report.tables:
        skipped = t.error or t.skipped or ", ".join(sorted({p.skipped.split(" (")[0] for p in t.columns if p.skipped}))
        rows.append((t.table, f"{t.sample_rows:,}" + (" (all)" if t.complete else ""),
                     " | ".join(", ".join(k) for k in t.declared_keys),
                     " | ".join(", ".join(k) for k in t.candidate_keys[:4]), skipped))
    return table(("table", "sample", "declared keys", "candidate keys on the data", "skipped"), rows)


def transitive_table(report: DependencyReport) -> TableView:
    rows = []
    for f in report.transitive:
        for d in f.dependents:
            holds = "exactly" if d.exact else f"{d.confidence:.2%} ({d.violating_rows:,} rows differ)"
            ex = d.examples[0] if d.examples else None
            example = (", ".join(f"{k}={v}" for k, v in ex["lhs"].items()) + f" → {ex[d.column]}") if ex else ""
            rows.append((f.table, ", ".join(f.lhs), d.column, holds,
                         f"{f.support_rows:,} of {f.sample_rows:,} rows, {f.lhs_distinct:,} values", example,
                         f.refactoring))
    return table(("table", "depends on", "column", "holds", "support", "example", "suggested"), rows)


def missing_fk_table(report: DependencyReport) -> TableView:
    rows = [(m.table, m.column, f"{m.parent}.{m.parent_column}", f"{m.distinct_values:,}", "; ".join(m.evidence))
            for m in report.missing_foreign_keys]
    return table(("table", "column", "values all in", "distinct values", "evidence"), rows)


def sql_lines(statements: str) -> Text:
    return lines(statements.splitlines())


def summary_lines(report: DependencyReport) -> Text:
    from ..integrity.dependency_report import skipped_counts, summary

    held = skipped_counts(report)
    return lines([summary(report)] + ([f"held back by the noise guards: {k} ×{v}" for k, v in held.items()]))
