"""Overview: counts, comment coverage and compliance figures, all from `catalog.facts` (one definition
per figure, so the numbers agree with every other page and with the linter)."""

from __future__ import annotations

from ...catalog import facts, graph
from ...catalog.model import NO_ACTION
from .base import Context

TITLE = "Overview"
PATH = "index.md"
LIVE = True  # reads the live figures (Inputs.live)


def figures(ctx: Context) -> dict:
    """Every figure of the page, by name (the test compares the ones other pages show too)."""
    cat = ctx.catalog
    tables = ctx.tables
    kinds: dict[str, int] = {}
    for t in cat.tables:
        if not t.is_partition:
            kinds[t.kind] = kinds.get(t.kind, 0) + 1
    counted = {t.key for t in tables}
    fks = graph.declared_foreign_keys(cat)
    counted_fks = [fk for fk in fks if fk.child in counted]
    cov = ctx.coverage
    return dict(
        counts=[
            ("Schemas", len(cat.schemas), None),
            ("Tables", kinds.get("table", 0), "tables.md"),
            ("Partitioned tables", kinds.get("partitioned table", 0), "tables.md"),
            ("Partitions", sum(1 for t in cat.tables if t.is_partition), "tables.md"),
            ("Views", kinds.get("view", 0), "tables.md"),
            ("Materialized views", kinds.get("materialized view", 0), "tables.md"),
            ("Foreign tables", kinds.get("foreign table", 0), "tables.md"),
            ("Columns of tables (own, not inherited)", cov.columns.total, None),
            ("Foreign keys", len(fks), "cascades.md"),
            ("Indexes", sum(len(t.indexes) for t in cat.tables if not t.is_partition), None),
            ("Lookup tables", len(ctx.lookup_keys), "statuses.md"),
            ("Enum types", len(cat.enums), None),
            ("Domains", len(cat.domains), None),
            ("Sequences", len(cat.sequences), None),
            ("Extensions", len(cat.extensions), None),
        ],
        coverage=[("Tables", cov.tables), ("Columns of tables", cov.columns),
                  ("Tables and their columns (the linter's comment coverage)", cov.overall), ("Views", cov.views)],
        checks=[
            ("Tables with a primary key", facts.Share(sum(1 for t in tables if t.primary_key), len(tables))),
            ("Foreign keys with a covering btree index",
             facts.Share(sum(facts.fk_covered(cat, fk) for fk in counted_fks), len(counted_fks))),
            ("Foreign keys with an ON DELETE other than the default NO ACTION",
             facts.Share(sum(1 for fk in counted_fks if fk.on_delete != NO_ACTION), len(counted_fks))),
            ("Tables with created_at and updated_at",
             facts.Share(sum(1 for t in tables if t.column("created_at") and t.column("updated_at")), len(tables))),
        ],
        missing_table_comments=[t.display_name for t in tables if not (t.comment or "").strip()][:50],
    )


def write(ctx: Context) -> None:
    total = None
    if ctx.live:
        total = f"{sum(n for k, n in ctx.live.rows.items() if n and n > 0):,}"
    ctx.page(PATH, "overview.md.j2", catalog=ctx.catalog, groups=ctx.groups, total_rows=total,
             lint_metrics=ctx.inputs.lint_metrics, **figures(ctx))
