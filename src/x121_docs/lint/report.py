"""Findings and the report: terminal table, Markdown, JSON, SARIF 2.1.0 and GitHub annotations.

Every output is deterministic (sorted findings, sorted keys, no timestamps) so a report can
be committed or diffed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .rules import ERROR, RULES, SEVERITY_RANK

TOOL_NAME = "x121-lint"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
GITHUB_MAX_ANNOTATIONS = 10

#: The PRD's success metrics, in report order: key -> (label, unit).
METRICS: dict[str, tuple[str, str]] = {
    "status_columns_lookup_fk": ("Status columns that are lookup FKs", "%"),
    "fks_explicit_actions": ("FKs with explicit ON DELETE and ON UPDATE", "%"),
    "bigserial_pks": ("Tables with a BIGSERIAL `id` primary key", "%"),
    "fks_indexed": ("FKs covered by an index", "%"),
    "uuid_pks": ("UUID primary keys", "count"),
    "select_star": ("SELECT * occurrences", "count"),
    "comment_coverage": ("Tables and columns with a comment", "%"),
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    object: str
    message: str
    file: str | None = None
    line: int | None = None
    evidence: tuple[str, ...] = ()  # why: the facts the finding rests on
    detail: str | None = None  # a sub-kind within the rule (e.g. 'type-mismatch'), stable for tooling
    fix: str | None = None  # the DDL, where the fix is mechanical
    doc: str = ""  # link to the rule's page

    def __post_init__(self) -> None:
        if not self.doc and self.rule in RULES:
            object.__setattr__(self, "doc", RULES[self.rule].doc_url)

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: what the baseline stores."""
        import hashlib

        return hashlib.sha256(f"{self.rule}\0{self.object}\0{self.detail or ''}".encode()).hexdigest()[:16]

    @property
    def location(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def sort_key(self) -> tuple:
        return (self.file is None, self.file or "", self.line or 0, self.rule, self.object, self.message)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule": self.rule, "severity": self.severity, "object": self.object,
                             "message": self.message, "fingerprint": self.fingerprint}
        if self.file:
            d["file"] = self.file
        if self.line:
            d["line"] = self.line
        if self.evidence:
            d["evidence"] = list(self.evidence)
        if self.detail:
            d["detail"] = self.detail
        if self.fix:
            d["fix"] = self.fix
        if self.doc:
            d["doc"] = self.doc
        return d


def metric(numerator: int, denominator: int) -> dict[str, Any]:
    """A percentage figure; null when there is nothing to measure."""
    value = round(100.0 * numerator / denominator, 1) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def count_metric(n: int) -> dict[str, Any]:
    return {"value": n}


def format_metric(key: str, m: dict[str, Any]) -> str:
    unit = METRICS[key][1]
    if m.get("value") is None:
        return "n/a"
    if unit == "%":
        return f"{m['value']:.1f}% ({m['numerator']}/{m['denominator']})"
    return str(m["value"])


@dataclass
class LintReport:
    """The result of one lint run: active findings, what was suppressed or baselined, the figures."""

    mode: str  # migrations | database | code
    target: str
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: str = ERROR

    def __post_init__(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.suppressed.sort(key=lambda fr: fr[0].sort_key())
        self.baselined.sort(key=Finding.sort_key)

    # -- figures --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return {"error": sum(f.severity == "error" for f in self.findings),
                "warning": sum(f.severity == "warning" for f in self.findings),
                "suppressed": len(self.suppressed), "baselined": len(self.baselined)}

    def failing(self, fail_on: str | None = None) -> list[Finding]:
        level = SEVERITY_RANK[fail_on or self.fail_on]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= level]

    def exit_code(self, fail_on: str | None = None) -> int:
        return 1 if self.failing(fail_on) else 0

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return dict(sorted(out.items()))

    # -- JSON -----------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        return {
            "tool": TOOL_NAME, "mode": self.mode, "target": self.target,
            "findings": [f.as_dict() for f in self.findings],
            "suppressed": [{**f.as_dict(), "reason": reason} for f, reason in self.suppressed],
            "baselined": len(self.baselined),
            "counts": self.counts(),
            "metrics": dict(sorted(self.metrics.items())),
        }

    def to_json(self) -> str:
        """`json.dumps(..., indent=2, sort_keys=True)`: written by orjson where that gives the same bytes
        (ASCII but DEL; the only floats are percentages rounded to one decimal), a fifth of the time."""
        data = self.as_dict()
        try:
            import orjson

            text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
        except (ImportError, TypeError):  # TypeError: beyond orjson (an integer over 64 bits)
            text = ""
        if not text or not text.isascii() or "\x7f" in text:  # json escapes these; orjson writes them as they are
            text = json.dumps(data, indent=2, sort_keys=True)
        return text + "\n"

    # -- Markdown (a pull-request comment) -------------------------------------------------
    def to_markdown(self) -> str:
        c = self.counts()
        lines = ["## Schema compliance report", ""]
        status = "passed" if not self.failing() else "failed"
        lines.append(f"**{status}**: {c['error']} error(s), {c['warning']} warning(s) in {_md(self.target)} "
                     f"({self.mode}); {c['suppressed']} suppressed, {c['baselined']} baselined.")
        lines.append("")
        if self.findings:
            lines += ["| Severity | Rule | Object | Location | Message |", "|---|---|---|---|---|"]
            for f in self.findings:
                rule = f"[`{f.rule}`]({f.doc})" if f.doc else f"`{f.rule}`"
                why = f" Evidence: {'; '.join(f.evidence)}." if f.evidence else ""
                fix = f" Fix: `{f.fix}`" if f.fix and "\n" not in f.fix and "`" not in f.fix else ""
                lines.append(f"| {f.severity} | {rule} | `{_md(f.object)}` | {_md(f.location) or '-'} | "
                             f"{_md(f.message + why)}{_md(fix)} |")
            lines.append("")
        else:
            lines += ["No findings.", ""]
        if self.metrics:
            lines += ["### Success metrics", "", "| Metric | Value |", "|---|---|"]
            for key in METRICS:
                if key in self.metrics:
                    lines.append(f"| {METRICS[key][0]} | {format_metric(key, self.metrics[key])} |")
            lines.append("")
        return "\n".join(lines)

    # -- SARIF 2.1.0 ----------------------------------------------------------------------
    def to_sarif(self) -> dict[str, Any]:
        rule_ids = sorted(RULES)
        index = {r: i for i, r in enumerate(rule_ids)}
        docs = {f.rule: f.doc for f in self.findings}
        rules = []
        for r in rule_ids:
            entry = {"id": r, "name": r, "shortDescription": {"text": RULES[r].summary},
                     "defaultConfiguration": {"level": RULES[r].severity}}
            if RULES[r].rationale:
                entry["fullDescription"] = {"text": RULES[r].rationale}
            if docs.get(r, "").startswith(("http://", "https://")):
                entry["helpUri"] = docs[r]
            rules.append(entry)
        results = []
        for f in self.findings:
            result: dict[str, Any] = {
                "ruleId": f.rule, "ruleIndex": index[f.rule], "level": f.severity,
                "message": {"text": f"{f.object}: {f.message}" + (f" Evidence: {'; '.join(f.evidence)}." if f.evidence else "")
                            + (f" Fix: {f.fix}" if f.fix else "")},
                "partialFingerprints": {"x121Lint/v1": f.fingerprint},
            }
            loc: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": f.object}]}
            if f.file:
                region = {"startLine": f.line} if f.line else None
                physical: dict[str, Any] = {"artifactLocation": {"uri": f.file}}
                if region:
                    physical["region"] = region
                loc["physicalLocation"] = physical
            result["locations"] = [loc]
            results.append(result)
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": TOOL_NAME, "rules": rules}}, "results": results}]}

    # -- GitHub workflow annotations ------------------------------------------------------
    def to_github(self) -> str:
        out = []
        for f in self.findings[:GITHUB_MAX_ANNOTATIONS]:
            props = [f"title={_gh_prop(f.rule)}"]
            if f.file:
                props.insert(0, f"file={_gh_prop(f.file)}")
                if f.line:
                    props.insert(1, f"line={f.line}")
            out.append(f"::{f.severity} {','.join(props)}::{_gh_data(f.object + ': ' + f.message)}")
        rest = len(self.findings) - GITHUB_MAX_ANNOTATIONS
        c = self.counts()
        summary = f"x121-lint: {c['error']} error(s), {c['warning']} warning(s)"
        if rest > 0:
            by_rule = ", ".join(f"{r}: {n}" for r, n in self.by_rule().items())
            summary += f"; {rest} more not annotated ({by_rule})"
        out.append(f"::notice title=x121-lint::{_gh_data(summary)}")
        return "\n".join(out) + "\n"

    # -- terminal ------------------------------------------------------------------------
    def print_table(self, console) -> None:  # noqa: ANN001 (rich Console)
        from rich.table import Table

        from ..output import esc as escape

        if self.findings:
            t = Table(title="Schema compliance", show_lines=False)
            for col in ("severity", "rule", "object", "location", "message"):
                t.add_column(col, overflow="fold")
            for f in self.findings:
                style = "red" if f.severity == "error" else "yellow"
                msg = escape(f.message)
                if f.evidence:
                    msg += "\n[dim]evidence: " + escape("; ".join(f.evidence)) + "[/]"
                if f.fix:
                    msg += "\n[green]fix:[/] " + escape(f.fix)
                t.add_row(f"[{style}]{f.severity}[/]", escape(f.rule), escape(f.object), escape(f.location), msg)
            console.print(t)
        if self.metrics:
            m = Table(title="Success metrics")
            m.add_column("metric")
            m.add_column("value", justify="right")
            for key in METRICS:
                if key in self.metrics:
                    m.add_row(METRICS[key][0], format_metric(key, self.metrics[key]))
            console.print(m)
        c = self.counts()
        console.print(f"{c['error']} error(s), {c['warning']} warning(s), {c['suppressed']} suppressed, "
                      f"{c['baselined']} baselined ({self.mode}: {escape(self.target)}).")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")
