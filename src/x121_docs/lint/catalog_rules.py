"""Run the catalog rules (one module each under `rules/`) over a reflected model; the PRD's figures.

The checks read the model only (no catalog queries of their own); partitions and inherited
columns are skipped so that a partitioned table's problem is reported once, on the parent.
"""

from __future__ import annotations

from ..catalog.model import NO_ACTION, Catalog
from .config import LintConfig
from .report import count_metric, metric
from .rules import CATALOG, registry
from .scope import Hit, Scope

__all__ = ["Hit", "Scope", "catalog_metrics", "run_catalog_rules"]


def run_catalog_rules(catalog: Catalog, config: LintConfig, probe=None) -> list[Hit]:  # noqa: ANN001
    """Every enabled catalog rule over `catalog` (one shared Scope)."""
    scope = Scope(catalog, config, probe)
    hits: list[Hit] = []
    for rid, rm in registry().items():
        if rm.rule.kind == CATALOG and config.enabled(rid):
            hits.extend(rm.check(scope))
    return hits


def catalog_metrics(catalog: Catalog, config: LintConfig) -> dict[str, dict]:
    """The PRD's success-metric figures that the catalog answers."""
    from .rules.fk_indexed import covering_index
    from .rules.pk_bigserial import pk_problem
    from .rules.status_as_lookup import is_status_column, status_problem

    s = Scope(catalog, config)
    status_cols = [(t, c) for t, c in s.columns() if is_status_column(s, t, c)]
    fks = list(s.fks())
    cols = list(s.columns())
    commented = sum(bool((t.comment or "").strip()) for t in s.tables) + sum(bool((c.comment or "").strip()) for _, c in cols)
    return {
        "status_columns_lookup_fk": metric(sum(status_problem(s, t, c) is None for t, c in status_cols), len(status_cols)),
        "fks_explicit_actions": metric(sum(fk.on_delete != NO_ACTION and fk.on_update != NO_ACTION for _, fk in fks), len(fks)),
        "bigserial_pks": metric(sum(pk_problem(t) is None for t in s.tables), len(s.tables)),
        "fks_indexed": metric(sum(covering_index(t, fk.columns) is not None for t, fk in fks), len(fks)),
        "uuid_pks": count_metric(sum(1 for t in s.tables if t.primary_key and any(
            (c := t.column(n)) is not None and c.type_name == "uuid" for n in t.primary_key.columns))),
        "comment_coverage": metric(commented, len(s.tables) + len(cols)),
    }
