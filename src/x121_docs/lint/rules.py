"""The rule catalogue: stable ids, default severities and a one-line rationale per rule.

Ids and the standard rules come from shared/spec/lint-rules.md; the extra rules come from
its second table (squawk, splinter, pg-index-health, SchemaCrawler, strong_migrations).
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
SEVERITY_RANK = {WARNING: 1, ERROR: 2}


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    how: str  # catalog | source | catalog + source
    summary: str


_RULES = (
    # The standard (PRD-000 conventions).
    Rule("status-as-lookup", ERROR, "catalog + source",
         "Status-like columns are BIGINT FKs to a {domain}_statuses lookup table: no text, varchar or enum status, no CHECK listing status literals."),
    Rule("fk-explicit-actions", ERROR, "catalog + source",
         "Every FK states ON DELETE and ON UPDATE actions other than NO ACTION (an omitted action reads as NO ACTION)."),
    Rule("pk-bigserial", ERROR, "catalog",
         "Every table has an `id` BIGINT primary key fed by a sequence (BIGSERIAL): no uuid, int4, text or composite key, no table without one."),
    Rule("fk-bigint", ERROR, "catalog", "FK columns are BIGINT and of the referenced column's type."),
    Rule("fk-indexed", ERROR, "catalog",
         "Every FK is covered by a valid, non-partial btree index whose leading key columns are exactly the FK's columns."),
    Rule("index-naming", ERROR, "catalog", "Indexes are named idx_{table}_{cols} (shortened to 63 bytes by the workbench rule)."),
    Rule("unique-naming", ERROR, "catalog",
         "Unique constraints and unique indexes are named uq_{table}_{cols} (shortened to 63 bytes by the workbench rule)."),
    Rule("table-naming", ERROR, "catalog", "Tables are snake_case and plural; columns are snake_case; no quoted mixed-case names."),
    Rule("fk-column-naming", ERROR, "catalog",
         "A single-column FK is named {singular(referenced table)}_id, optionally with a role prefix (created_by_user_id)."),
    Rule("timestamps", ERROR, "catalog",
         "created_at and updated_at are TIMESTAMPTZ NOT NULL DEFAULT now(); updated_at is maintained by a BEFORE UPDATE trigger."),
    Rule("text-not-varchar", ERROR, "catalog", "No varchar(n); char(n) only where allow-listed as truly fixed width."),
    Rule("boolean-not-null", ERROR, "catalog", "Booleans are BOOLEAN NOT NULL DEFAULT false; no integer or text flags."),
    Rule("timestamptz-only", ERROR, "catalog", "No timestamp without time zone and no timetz."),
    Rule("no-select-star", ERROR, "source",
         "No SELECT *, t.* or RETURNING * in application code or views (count(*) and EXISTS (SELECT * ...) are fine)."),
    Rule("allowed-extensions", ERROR, "catalog + source", "Only allow-listed extensions are installed."),
    Rule("comments", ERROR, "catalog", "Every table and column has a non-empty COMMENT."),
    Rule("normal-form", WARNING, "catalog (+ data)",
         "Candidate 3NF violations with evidence: numbered column families, arrays of ids, a column copying a non-key column of a table it references."),
    # Extra rules.
    Rule("fk-nullable", WARNING, "catalog",
         "A mandatory relationship (ON DELETE CASCADE, or a status) has a NOT NULL FK column."),
    Rule("duplicate-index", WARNING, "catalog", "No duplicate index and no non-unique index that is a left prefix of another."),
    Rule("duplicate-fk", WARNING, "catalog", "No two FKs with the same columns and target."),
    Rule("index-concurrently", WARNING, "source",
         "CREATE/DROP INDEX on a table created by an earlier migration uses CONCURRENTLY (no write lock)."),
    Rule("volatile-default", WARNING, "source",
         "Adding a column with a volatile default to an existing table rewrites it under an exclusive lock."),
    Rule("rename-object", WARNING, "source", "Renaming a table or column breaks running code (backward-incompatible)."),
    Rule("drop-object", WARNING, "source", "Dropping a table or column destroys data and breaks running code."),
    Rule("type-change-rewrite", WARNING, "source", "Changing a column's type on an existing table rewrites it under an exclusive lock."),
    Rule("constraint-not-valid", WARNING, "source",
         "On an existing table, add FK/CHECK constraints NOT VALID (validate later) and UNIQUE/PK USING INDEX."),
    Rule("cascade-depth", WARNING, "catalog", "ON DELETE CASCADE chains stay within the configured depth and form no cycle."),
    Rule("soft-reference", WARNING, "catalog", "An integer *_id column has an FK constraint (no soft references)."),
    Rule("no-enum", WARNING, "catalog + source", "No enum types: statuses and kinds live in lookup tables."),
    Rule("identifier-length", ERROR, "source", "No identifier over 63 bytes (PostgreSQL truncates it silently)."),
    Rule("json-not-jsonb", WARNING, "catalog", "Use jsonb, not json."),
    Rule("column-type-consistency", WARNING, "catalog", "A column name has one type across tables."),
    Rule("not-valid", WARNING, "catalog", "No constraint left NOT VALID and no invalid index."),
    Rule("unique-nullable", WARNING, "catalog",
         "A unique constraint or index over nullable columns does not stop duplicates with NULLs (use NOT NULL or NULLS NOT DISTINCT)."),
    # About the linter's own input.
    Rule("invalid-suppression", ERROR, "source", "A suppression comment names known rule ids and gives a reason."),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}
