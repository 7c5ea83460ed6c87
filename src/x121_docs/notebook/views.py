"""Notebook tables of the package's own objects (migration plans, catalogs, reports).

Each function turns one API result into a :class:`TableView`; none of them queries anything,
so a notebook cell reads as "call the API, show the result".
"""

from __future__ import annotations

from datetime import timezone

from ..migrate.plan import Entry, Plan
from .display import TableView, Text, lines, table


def migrations_table(entries: list[Entry]) -> TableView:
    """`x121-docs migrate status` as a table: version, description, state, when, how long."""
    rows = []
    for e in entries:
        when = e.row.installed_on.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC") if e.row else ""
        ms = "" if e.execution_ms is None else f"{e.execution_ms:.1f} ms"
        rows.append((e.version, e.description, e.state.label, when, ms, e.note or ""))
    return table(("version", "description", "state", "applied at", "took", "note"), rows)


def check_lines(plan: Plan) -> Text:
    """What `x121-docs migrate check` decides from the same plan: clean, or each problem and pending file."""
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in plan.counts().items() if n) or "no migrations"
    if plan.clean:
        return lines([f"OK: {len(plan.entries)} migration(s), all applied ({counts})."])
    out = [f"problem: {message} Hint: {hint}" for message, hint in plan.problems(pending=True)]
    out += [f"pending: {e.name}" for e in plan.pending]
    out.append(f"Not up to date: {counts}.")
    return lines(out)
