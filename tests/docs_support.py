"""Helpers for the docs tests: load a fixture schema, read the generated Markdown and built HTML tables."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import psycopg
from psycopg import sql

from x121_docs.database.connect import conn_params

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_sql(settings, text: str) -> None:  # noqa: ANN001
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute(text)


def load_everything(settings) -> None:  # noqa: ANN001
    load_sql(settings, (FIXTURES / "everything.sql").read_text())


def recreate_database(settings) -> None:  # noqa: ANN001
    """Drop the database `settings` names and create it again, empty (another database, same name)."""
    name = sql.Identifier(settings.name)
    with psycopg.connect(autocommit=True, **conn_params(settings, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {} STRATEGY FILE_COPY").format(name))


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


class _Tables(HTMLParser):
    """Every <table> of a built page with the id of the heading before it: [(heading id, body rows)]."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heading: str | None = None
        self.tables: list[tuple[str | None, list[list[str]]]] = []
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3") and dict(attrs).get("id"):
            self.heading = dict(attrs)["id"]
        elif tag == "table":
            self.rows = []
            self.tables.append((self.heading, self.rows))
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag == "td" and self.rows is not None:
            self.cell = []

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.rows and not self.rows[-1]:
            self.rows.pop()  # the header row (th cells only)
        elif tag == "table":
            self.rows = None


def html_rows(page: str, heading_id: str) -> list[list[str]]:
    """Cell texts of the body rows of the first table after the heading with this id, in a built page."""
    parser = _Tables()
    parser.feed(page)
    return next(rows for heading, rows in parser.tables if heading == heading_id)


def md_dicts(text: str, header_starts: str) -> list[dict[str, str]]:
    """The rows of a Markdown table as {header: cell} (columns the generator left out are absent)."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header_starts))
    header = [c.strip() for c in lines[start].strip().strip("|").split(" | ")]
    return [dict(zip(header, r)) for r in md_rows(text, header_starts)]


def same_sections(ours, html: str) -> bool:  # noqa: ANN001 - docs/search_sections' sections
    """Our search sections of `html` are Material's parser's, field by field (tag, depth, id, title, text)."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(html)
    parser.close()
    theirs = [(s.el.tag, s.depth, s.id, s.title, s.text) for s in parser.data if not s.is_excluded()]
    return [(s.tag, s.depth, s.id, s.title, s.text) for s in ours] == theirs
