"""The review as a pull-request comment (Markdown), as JSON for tools, and as a site page.

The comment is compact: a summary line, one table row per change, then collapsible <details> with
before/after, cascade reach, locks and lint, and a link to the diagram (uploaded as a CI artifact).
It starts with a marker comment so the workflow updates its one comment instead of adding more.
Every catalog value goes through `escape.code`; the HTML elements hold only our own words.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from ..catalog.model import display_name
from .diff import ADDED, CHANGED, REMOVED, RENAMED, Change
from .escape import code
from .locks import HIGH
from .report import Review

MARKER = "<!-- x121-review -->"
SIGN = {ADDED: "+", REMOVED: "\u2212", CHANGED: "~", RENAMED: "\u21c4"}
TABLE_VALUE_MAX = 60
MAX_ROWS = 60  # change rows in the summary table before "and N more"
COMMENT_LIMIT = 60000  # GitHub refuses comments over 65,536 characters


def to_json(review: Review, diagram: str | None = None) -> str:
    data = review.as_dict()
    data["diagram"] = diagram
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _what(c: Change) -> str:
    """The short description of one change, for the summary table."""
    if c.action == RENAMED:
        return f"possible rename: {code(c.before.get('name'), TABLE_VALUE_MAX, True)} \u2192 " \
               f"{code(c.after.get('name'), TABLE_VALUE_MAX, True)} (same type; dropped and added in one change)"
    if c.action == CHANGED:
        parts = [f"{f}: {code(c.before.get(f), TABLE_VALUE_MAX, True)} \u2192 {code(c.after.get(f), TABLE_VALUE_MAX, True)}"
                 for f in c.fields]
        return "; ".join(parts)
    desc = c.after if c.action == ADDED else c.before
    if c.kind == "column" and desc:
        null = "null" if desc.get("nullable") else "not null"
        default = f", default {code(desc.get('default'), TABLE_VALUE_MAX, True)}" if desc.get("default") else ""
        return f"{c.action}: {code(desc.get('type'), TABLE_VALUE_MAX, True)}, {null}{default}"
    if c.kind == "foreign key" and desc:
        return (f"{c.action}: ({code(', '.join(desc['columns']), TABLE_VALUE_MAX, True)}) \u2192 "
                f"{code(desc['references'], TABLE_VALUE_MAX, True)} ON DELETE {code(desc['on_delete'], None, True)} "
                f"ON UPDATE {code(desc['on_update'], None, True)}")
    if c.kind == "table" and desc:
        n = len(desc.get("columns", []))
        fks = len(desc.get("foreign_keys", []))
        return f"{c.action}: {n} column{'s' if n != 1 else ''}" + (f", {fks} FK{'s' if fks != 1 else ''}" if fks else "")
    if c.kind == "lookup value" and desc:
        return f"{c.action}: " + ", ".join(f"{k} {code(v, TABLE_VALUE_MAX, True)}" for k, v in desc.items())
    if c.kind == "comment" and desc:
        return f"{c.action}: {code(desc.get('comment'), TABLE_VALUE_MAX, True)}"
    if desc and "definition" in desc:
        return f"{c.action}: {code(desc['definition'], TABLE_VALUE_MAX, True)}"
    return c.action


def _v(value: Any, table: bool = False) -> str:
    """One described value: booleans as yes/no, lists joined, the rest as code."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and all(not isinstance(x, (dict, list)) for x in value):
        return code(", ".join("" if x is None else str(x) for x in value), None, table) if value else "*none*"
    return code(value, None, table)


def _value_lines(desc: dict[str, Any] | None) -> list[str]:
    """A described object as a list; unset (null) attributes are left out."""
    if desc is None:
        return ["- *absent*"]
    out = []
    for k, v in desc.items():
        if v is None:
            continue
        if isinstance(v, list) and v and isinstance(v[0], dict):
            out.append(f"- {k}:")
            out += ["    - " + ", ".join(f"{ik} {_v(iv)}" for ik, iv in item.items() if iv is not None) for item in v]
        elif isinstance(v, list) and v and isinstance(v[0], list):
            out.append(f"- {k}:")
            out += [f"    - {_v(row)}" for row in v]
        elif isinstance(v, dict):
            out.append(f"- {k}:")
            for ik, iv in v.items():
                if isinstance(iv, list) and iv and isinstance(iv[0], list):  # rows of lookup values
                    out.append(f"    - {ik}:")
                    out += [f"        - {_v(row)}" for row in iv]
                else:
                    out.append(f"    - {ik}: {_v(iv)}")
        else:
            out.append(f"- {k}: {_v(v)}")
    return out


def _details(title: str, body: list[str], open_: bool, details: bool) -> list[str]:
    if not details:
        return [f"### {title}", "", *body, ""]
    return [f"<details{' open' if open_ else ''}><summary>{title}</summary>", "", *body, "", "</details>", ""]


def _before_after(review: Review) -> list[str]:
    lines: list[str] = []
    for c in review.diff.changes:
        lines.append(f"**{c.kind} {code(c.name)}** \u2014 {c.action}")
        lines.append("")
        if c.action in (CHANGED, RENAMED):
            keys = ["name"] if c.action == RENAMED else list(c.fields)
            lines.append("| | before | after |")
            lines.append("|---|---|---|")
            for k in keys:
                lines.append(f"| {k} | {_v(c.before.get(k), True)} | {_v(c.after.get(k), True)} |")
        else:
            lines += _value_lines(c.after if c.action == ADDED else c.before)
        lines.append("")
    return lines


def _reach(review: Review) -> list[str]:
    lines: list[str] = []
    for r in review.reach:
        verb = "Deleting a row of" if r.event == "delete" else "Changing the key of a row of"
        lines.append(f"- {verb} {code(display_name(*r.start))}:")
        for x in r.gained:
            path = " \u2192 ".join(code(display_name(*k)) for k in x.path)
            lines.append(f"    - **now** {code(display_name(*x.table))}: {x.outcome} (via {path})")
        for x in r.lost:
            path = " \u2192 ".join(code(display_name(*k)) for k in x.path)
            lines.append(f"    - **no longer** {code(display_name(*x.table))}: {x.outcome} (was via {path})")
    return lines


def _locks(review: Review) -> list[str]:
    shown = [s for s in review.locks or () if s.existing and s.issues]
    lines = ["| risk | where | statement | lock (blocks) | rewrite | scan | problem and safer way |", "|---|---|---|---|---|---|---|"]
    for s in shown:
        problems = "<br>".join(
            f"{code(i.message, None, True)}" + (f" \u2192 safer: {code(i.alternative, None, True)}" if i.alternative else "")
            + (f" ({code(i.rule, None, True)})" if i.rule else "") for i in s.issues) or "\u2014"
        lines.append(f"| {s.risk} | {code(f'{s.file}:{s.line}', None, True)} | {code(s.statement, 80, True)} | "
                     f"{s.lock or 'none'} ({s.blocks}) | {'yes' if s.rewrite else 'no'} | {'yes' if s.scan else 'no'} | "
                     f"{problems} |")
    rest = len(review.locks or ()) - len(shown)
    if rest:
        lines += ["", f"Not listed: {rest} statement(s) that take only locks blocking nothing, or touch only tables "
                      "this change creates (empty, unused)."]
    missing = sorted({s.file for s in review.risky_locks} - set(review.lock_timeout_files))
    if missing:
        lines += ["", "No `SET lock_timeout` in " + ", ".join(code(f) for f in missing)
                  + ": a statement waiting for its lock queues every query behind it (squawk: require-timeout-settings)."]
    return lines


def _lint(review: Review) -> list[str]:
    lines: list[str] = []
    for label, items in (("Introduced", review.lint.introduced), ("Fixed", review.lint.fixed)):
        if not items:
            continue
        lines.append(f"{label}:")
        lines.append("")
        for f in items:
            where = f" at {code(f.location)}" if f.location else ""
            lines.append(f"- {f.severity} {code(f.rule)} on {code(f.object)}{where}: {code(f.message)}")
        lines.append("")
    return lines


def to_markdown(review: Review, diagram_url: str | None = None, *, details: bool = True, marker: bool = True,
                limit: int | None = COMMENT_LIMIT) -> str:
    """The comment; when it would exceed `limit` characters (GitHub's cap), the long sections are left out."""
    text = _markdown(review, diagram_url, details, marker, full=True)
    if limit is not None and len(text) > limit:
        text = _markdown(review, diagram_url, details, marker, full=False)
    return text


def _markdown(review: Review, diagram_url: str | None, details: bool, marker: bool, full: bool) -> str:
    d = review.diff
    risky = review.risky_locks
    high = [s for s in risky if s.risk == HIGH]
    out: list[str] = [MARKER] if marker else []
    out += [f"### Schema review: {code(review.base_label)} \u2192 {code(review.head_label)}", ""]
    if d.empty:
        out += ["No schema changes.", ""]
    else:
        summary = [f"**{len(d.changes)} change{'s' if len(d.changes) != 1 else ''}**",
                   f"tables: {len(d.added_tables)} added, {len(d.removed_tables)} removed, {len(d.changed_tables)} changed",
                   f"cascade reach changed for {len({r.start for r in review.reach})} table(s)",
                   f"lint: {len(review.lint.introduced)} new, {len(review.lint.fixed)} fixed"]
        if review.locks is not None:
            summary.append(f"locks: {len(high)} high-risk, {len(risky) - len(high)} medium on existing tables"
                           if risky else "locks: nothing blocks an existing table for long")
        out += [" \u00b7 ".join(summary), "", "| | object | change |", "|---|---|---|"]
        for c in d.changes[:MAX_ROWS]:
            out.append(f"| {SIGN.get(c.action, '')} | {c.kind} {code(c.name, TABLE_VALUE_MAX, True)} | {_what(c)} |")
        if len(d.changes) > MAX_ROWS:
            out.append(f"| | | and {len(d.changes) - MAX_ROWS} more (see the JSON report) |")
        out.append("")
    if high:
        out += ["**Warning:** " + "; ".join(f"{code(f'{s.file}:{s.line}')} {code(s.issues[0].message)}"
                                              for s in high[:5]) + (" (and more)" if len(high) > 5 else ""), ""]
    if not full:
        out += ["The full before/after, cascade and lint sections are too long for a comment: see the JSON report "
                "(`x121-docs review --format json`, in CI the run's artifacts).", ""]
    elif not d.empty:
        out += _details(f"Before and after ({len(d.changes)})", _before_after(review), False, details)
    if review.reach and full:
        out += _details(f"Cascade reach ({len(review.reach)})", _reach(review), False, details)
    if review.locks:
        out += _details(f"Locks and rewrites ({len([s for s in review.locks if s.existing and s.issues])} statements "
                        "on existing tables)",
                        _locks(review), bool(high), details)
    if (review.lint.introduced or review.lint.fixed) and full:
        out += _details(f"Lint ({len(review.lint.introduced)} new, {len(review.lint.fixed)} fixed)", _lint(review),
                        False, details)
    if review.svg is not None and diagram_url:
        url = quote(diagram_url, safe=":/?&=#%@+,;~")
        out += [f"Diagram of the change: [schema-changes.svg](<{url}>) (green added, red removed, amber "
                "changed, grey unchanged neighbours)", ""]
    return "\n".join(out).rstrip() + "\n"
