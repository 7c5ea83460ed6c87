"""Conventions: SCHEMA_CONVENTIONS.md and the linter's report, as a summary per rule (count, severity,
the objects with most findings) with the full list of each rule on its own page."""

from __future__ import annotations

from collections import Counter

from ..escape import Md, code, link
from .base import Context, md_table, shift_headings

TITLE = "Conventions"
PATH = "conventions.md"
LIVE = False  # reads no live figure: a second generation reuses its files
TOP = 5  # objects named per rule in the summary


def rule_page(rule: str) -> str:
    return "conventions/" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in rule) + ".md"


def write(ctx: Context) -> None:
    comp = ctx.inputs.compliance
    summary = Md("")
    by_rule: dict[str, list] = {}
    if comp:
        for f in comp.findings:
            by_rule.setdefault(f.rule, []).append(f)
        rows = []
        for rule, found in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            severities = Counter(f.severity for f in found)
            worst = Counter(f.object for f in found).most_common(TOP)
            rows.append([Md(f"[{code(rule)}]({link(rule_page(rule))})"), len(found),
                         ", ".join(f"{n} {s}" for s, n in sorted(severities.items())),
                         Md(", ".join(code(o) + (f" ({n})" if n > 1 else "") for o, n in worst))])
        summary = md_table(["Rule", "Findings", "Severity", "Objects (most findings first)"], rows, right=[1])
    ctx.page(PATH, "conventions.md.j2",
             conventions=Md(shift_headings(ctx.inputs.conventions)) if ctx.inputs.conventions else None,
             compliance=comp, summary=summary, compliance_note=ctx.inputs.compliance_note)
    for rule, found in by_rule.items():
        table = md_table(["Severity", "Object", "Location", "Message"],
                         [[f.severity, code(f.object), f.location or "-", f.message] for f in found])
        ctx.page(rule_page(rule), "conventions_rule.md.j2", rule=rule, findings=found, table=table)
