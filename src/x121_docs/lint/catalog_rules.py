"""Run the catalog rules (one module each under `rules/`) over a reflected model; the PRD's figures.

The checks read the model only (no catalog queries of their own); partitions and inherited
columns are skipped so that a partitioned table's problem is reported once, on the parent.
"""

from __future__ import annotations

from dataclasses import replace

from ..catalog.model import NO_ACTION, Catalog
from ..collector import paused
from .config import LintConfig
from .report import count_metric, metric
from .rules import CATALOG, registry
from .scope import Hit, Scope, c_key, t_key

__all__ = ["Hit", "Scope", "catalog_metrics", "run_catalog_rules"]


def run_catalog_rules(catalog: Catalog, config: LintConfig, probe=None, confirmed: tuple = ()) -> list[Hit]:  # noqa: ANN001
    """Every enabled catalog rule over `catalog` (one shared Scope), with the findings a dependency scan
    confirmed on data."""
    scope = Scope(catalog, config, probe)
    hits: list[Hit] = []
    for rid, rm in registry().items():
        if rm.rule.kind == CATALOG and config.enabled(rid):
            hits.extend(rm.check(scope))
    return with_confirmed(scope, hits, confirmed)


def with_confirmed(s: Scope, hits: list[Hit], confirmed: tuple) -> list[Hit]:
    """`confirmed`: `integrity.dependencies.load_dependency_findings(path).findings` (normal-form and
    soft-reference findings of `scan dependencies`).  A name-based guess the data confirms takes the
    data's wording; what names could not guess is added."""
    by_object = {(f.rule, f.object): f for f in confirmed}
    out = [replace(h, message=f.message, evidence=h.evidence + f.evidence)
           if (f := by_object.pop((h.rule, h.object), None)) else h for h in hits]
    for f in by_object.values():
        t = s.catalog.get(f.table)
        if t is not None and s.config.enabled(f.rule) and not s.config.ignored(t.schema, t.name):
            keys = ((c_key(t, f.column),) if f.column else ()) + (t_key(t),)
            out.append(Hit(f.rule, f.object, f.message, keys, evidence=f.evidence, detail=f.kind))
    return out


@paused()
def catalog_metrics(catalog: Catalog, config: LintConfig) -> dict[str, dict]:
    """The PRD's success-metric figures that the catalog answers."""
    from ..catalog.facts import covering_index
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
