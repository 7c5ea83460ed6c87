"""Helpers for the docs tests: load a fixture schema, read the generated Markdown tables."""

from __future__ import annotations

from pathlib import Path

import psycopg

from x121_docs.database.connect import conn_params

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_sql(settings, text: str) -> None:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute(text)


def load_everything(settings) -> None:  # noqa: ANN001
    load_sql(settings, (FIXTURES / "everything.sql").read_text())


def md_rows(text: str, header_starts: str) -> list[list[str]]:
    """Cells of the Markdown table whose header row starts with `header_starts` (no header, no rule)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header_starts))
    rows = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in ln.strip().strip("|").split(" | ")])
    return rows


def section(text: str, heading: str) -> str:
    """The text of one `## heading` / `### heading` section (up to the next heading of that level)."""
    level = heading.split(" ", 1)[0]
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(heading))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(level + " ")), len(lines))
    return "\n".join(lines[start:end])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
