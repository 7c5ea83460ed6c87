"""Notebook tables of the package's own objects (migration plans, catalogs, reports).

Each function turns one API result into a :class:`TableView`; none of them queries anything,
so a notebook cell reads as "call the API, show the result".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timezone

from ..catalog import graph
from ..catalog.model import Catalog, Table, display_name
from ..docs.data import LookupData
from ..docs.erd import Svg
from ..integrity.impact import Impact
from ..integrity.orphans import OrphanReport
from ..lint.report import METRICS
from ..migrate.plan import Entry, Plan
from .display import SvgView, TableView, Text, lines, table

Key = tuple[str, str]


def migrations_table(entries: list[Entry]) -> TableView:
    """`x121-docs migrate status` as a table: version, description, state, when, how long."""
    rows = []
    for e in entries:
        when = e.row.installed_on.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if e.row else ""
        ms = "" if e.execution_ms is None else f"{e.execution_ms:.1f} ms"
        rows.append((e.version, e.description, e.state.label, when, ms, e.note or ""))
    return table(("version", "description", "state", "applied at", "took", "note"), rows)


def check_lines(plan: Plan) -> Text:
    """What `x121-docs migrate check` decides from the same plan (`Plan.check_report`)."""
    prefix = {"problem": "problem: ", "pending": "pending: "}
    return lines([prefix.get(kind, "") + text for kind, text in plan.check_report()])


# --- the catalog ------------------------------------------------------------------------------------

def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def tables_table(catalog: Catalog) -> TableView:
    """Every relation: kind, number of columns, FKs out and in, and the first sentence of its comment."""
    rows = [(t.display_name, t.kind, len(t.columns), len(t.foreign_keys), len(catalog.referencing(t)),
             _first_sentence(t.comment)) for t in catalog.tables]
    return table(("table", "kind", "columns", "FKs out", "FKs in", "comment"), rows)


def columns_table(t: Table) -> TableView:
    """One table's columns: type, NULL or not, default, and comment."""
    rows = [(c.name, c.data_type, "NULL" if c.nullable else "NOT NULL", c.default or "", c.comment or "")
            for c in t.columns]
    return table(("column", "type", "null", "default", "comment"), rows, caption=t.display_name)


def lookup_values_table(data: LookupData) -> TableView:
    """A lookup table's values (as the docs' Statuses page shows them), with how many rows use each when
    they were counted (`lookup_data(..., usage=True)`); never a column of zeros that were not counted."""
    if data.usage is None:
        return table(data.columns, data.rows, caption=display_name(*data.table))
    rows = [(*values, data.total(key)) for values, key in zip(data.rows, data.keys)]
    return table((*data.columns, "rows using it"), rows, caption=display_name(*data.table))


def cascade_table(catalog: Catalog) -> TableView:
    """The FK cascade matrix: every declared FK with its ON DELETE and ON UPDATE rule."""
    rows = [(display_name(*fk.child), ", ".join(fk.columns), display_name(*fk.parent), fk.on_delete, fk.on_update)
            for fk in graph.declared_foreign_keys(catalog)]
    return table(("table", "columns", "references", "on delete", "on update"), rows)


def delete_reach_table(catalog: Catalog, tables: Iterable[Key]) -> TableView:
    """What deleting one row of each table can do elsewhere: rows deleted, set null, or refusing the delete."""
    rows = []
    for key in tables:
        r = graph.reach(catalog, key)
        names = lambda keys: ", ".join(display_name(*k) for k in keys) or "-"  # noqa: E731
        rows.append((display_name(*key), names(r.deleted), names(r.nulled), names(r.refused)))
    return table(("deleting a row of", "also deletes rows of", "sets null in", "refused while rows in"), rows)


def svg(image: Svg, title: str) -> SvgView:
    return SvgView(image.text, title)


def metrics_table(metrics: dict[str, dict]) -> TableView:
    """The linter's compliance figures (percentages with their counts, or plain counts)."""
    rows = []
    for key, (label, unit) in METRICS.items():
        m = metrics.get(key)
        if m is None:
            continue
        if m.get("value") is None:
            shown = "n/a"
        elif unit == "%":
            shown = f"{m['value']:.1f}% ({m['numerator']}/{m['denominator']})"
        else:
            shown = str(m["value"])
        rows.append((label, shown))
    return table(("figure", "value"), rows)


def findings_table(findings: list) -> TableView:  # noqa: ANN001 - lint Finding objects
    return table(("rule", "severity", "object", "message"),
                 ((f.rule, f.severity, f.object, f.message) for f in findings))


# --- integrity ---------------------------------------------------------------------------------

def impact_table(impact: Impact) -> TableView:
    """A delete-impact preview: rows deleted, set null or default per table, and what blocks the delete."""
    rows: list[tuple[object, ...]] = []
    rows += [(t, "deleted", n, "") for t, n in sorted(impact.deleted.items())]
    rows += [(t, "set null", n, "") for t, n in sorted(impact.set_null.items())]
    rows += [(t, "set to default", n, "") for t, n in sorted(impact.set_default.items())]
    rows += [(e.table, f"blocks the delete ({e.action})", e.rows, e.constraint) for e in impact.blockers]
    rows += [("", f"fires {what}", "", "") for what in impact.side_effects]  # needs confirmation by itself
    return table(("table", "effect", "rows", "constraint"), rows,
                 caption=f"Deleting {impact.table} {', '.join(f'{k}={v}' for k, v in impact.key.items())}")


def orphans_table(report: OrphanReport, *, only_problems: bool = False) -> TableView:
    """Each reference the scan checked with its orphan count and a sample of orphan rows."""
    rows = [(f.reference.child.display_name, ", ".join(f.reference.columns), f.reference.parent.display_name,
             f.orphans, "; ".join(str(s) for s in f.sample), ", ".join(f.notes), f.error or "")
            for f in report.findings if f.orphans or f.error or not only_problems]
    return table(("table", "columns", "parent", "orphans", "sample", "notes", "error"), rows)


# --- embeddings ---------------------------------------------------------------------------------

def plan_lines(plan: list[str]) -> Text:
    return lines(plan)
