"""Review rendering from two catalog models (no database): the size cap and the escaping of values."""

from __future__ import annotations

from x121_docs.catalog.model import Catalog, Column, Table
from x121_docs.review.escape import code
from x121_docs.review.render import MARKER, to_markdown
from x121_docs.review.report import compare


def _table(name: str, *cols: str, comment: str | None = None) -> Table:
    return Table("public", name, "table", 1, comment=comment, columns=tuple(
        Column(c, i + 1, "text", "text", "pg_catalog", True) for i, c in enumerate(cols)))


def test_a_comment_too_long_for_github_drops_the_long_sections():
    base = Catalog("d", "18", tables=tuple(_table(f"t{i:03d}", "a") for i in range(300)))
    head = Catalog("d", "18", tables=tuple(_table(f"t{i:03d}", "a", "b", comment="x" * 300) for i in range(300)))
    review = compare(base, head, "main", "pr")
    full = to_markdown(review, limit=None)
    capped = to_markdown(review)
    assert len(full) > 60000 >= len(capped)
    assert capped.startswith(MARKER) and "too long for a comment" in capped and "Before and after" not in capped
    assert "and 540 more (see the JSON report)" in capped  # 600 changes, 60 rows shown
    assert "t299" in review.svg.text and ">a<" not in review.svg.text  # 300 changed tables: names only


def test_code_spans_hold_any_value():
    assert code("a`b") == "`` a`b ``" and code("``x") == "``` ``x ```"
    assert code("a|b", table=True) == "`a\\|b`" and code("a|b") == "`a|b`"
    assert code("line1\n\nline2") == "`line1 line2`"
    assert code(None) == "*null*" and code("   ") == "*empty*"
    assert code("x" * 10, limit=5) == "`xxxx\u2026`"
