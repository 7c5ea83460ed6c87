"""A Markdown page per lint rule, generated from the rule modules themselves (as ruff and sqlfluff do).

`rule_pages()` returns {site-relative path: Markdown} for the docs site: `lint/rules/index.md`
and `lint/rules/<id>.md`, the path every finding's `doc` link points at. The docs site's page
registry (#13/#16) decides where they are written; `write_rule_pages(folder)` is the minimal
hook for a build that wants them on disk. The text is the rules' own (no database content), so
it needs no escaping; the output is deterministic.
"""

from __future__ import annotations

from pathlib import Path

from .rules import CATEGORIES, registry

_CATEGORY_TEXT = {
    "safety": "safety (kept by `--profile legacy`)",
    "integrity": "integrity (kept by `--profile legacy`)",
    "convention": "house convention (off under `--profile legacy`)",
    "naming": "naming style (off under `--profile legacy`)",
}


def rule_page(rule_id: str) -> str:
    rm = registry()[rule_id]
    r = rm.rule
    where = "the migration files (also in `lint --static`)" if r.kind == "source" else \
        "the catalog (the migrations applied to a throwaway database, or `lint --db`)"
    lines = [f"# `{r.id}`", "", r.summary, "",
             f"- **Severity**: {r.severity}", f"- **Category**: {_CATEGORY_TEXT[r.category]}",
             f"- **Reads**: {where}", ""]
    if r.rationale:
        lines += ["## Why", "", r.rationale, ""]
    if r.bad:
        lines += ["## Reported", "", "```sql", r.bad, "```", ""]
    if r.good:
        lines += ["## Accepted", "", "```sql", r.good, "```", ""]
    lines += ["## Suppressing", "", "On the statement, with a reason:", "", "```sql",
              f"-- x121-lint: disable={r.id} reason: ...", "```", ""]
    if r.also:
        lines += ["## See also", "", *(f"- [`{a}`]({a}.md)" for a in r.also), ""]
    return "\n".join(lines)


def index_page() -> str:
    lines = ["# Lint rules", "", "Every rule of `x121-docs lint`, generated from the rule modules.", ""]
    for cat in CATEGORIES:
        rules = [rm.rule for rm in registry().values() if rm.rule.category == cat]
        if not rules:
            continue
        lines += [f"## {_CATEGORY_TEXT[cat].split(' (')[0].capitalize()}", "", "| Rule | Severity | Reads | Summary |",
                  "|---|---|---|---|"]
        lines += [f"| [`{r.id}`]({r.id}.md) | {r.severity} | {r.kind} | {_cell(r.summary)} |" for r in rules]
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rule_pages() -> dict[str, str]:
    """{path relative to the docs root: Markdown}: the index and one page per rule."""
    pages = {"lint/rules/index.md": index_page()}
    for rid, rm in registry().items():
        pages[rm.rule.doc_path] = rule_page(rid)
    return pages


def write_rule_pages(folder: Path) -> list[Path]:
    """Write `rule_pages()` under `folder` (a docs root); returns the files written."""
    out = []
    for rel, text in rule_pages().items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out
