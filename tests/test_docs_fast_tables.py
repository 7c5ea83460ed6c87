"""docs/fast_tables.py cell by cell against Python-Markdown itself: every table it renders is the HTML
Python-Markdown makes of it, and whatever it cannot render the same way it leaves to Python-Markdown.
Hand-picked cells (the generator's constructs and what breaks Markdown) and 10,000 random ones."""

from __future__ import annotations

import random
import re

import markdown
import pytest

from x121_docs.docs import fast_tables
from x121_docs.docs.escape import cell, code, text

CASES = [
    "plain", "a_b", "_a", "a_", "`bigint`", "`a|b`", "`` ` ``", "``a`b``", "`unclosed", "`a` and `b`", "`&lt;`",
    "`<script>`", "`x\\`", "**x** y", "** x**", "***x***", "*No comment.*", "x &#60; y", "&amp;", "& x", "&nbsp;↳",
    "<br>", "<b>x</b>", '<span class="x121-live">12</span>', "[x](t.md)", "[`c`](t.md)", "[**b**](t.md)",
    "![x](y.md)", "x!y", "{: .c}", "a  b", "\\*x", "x\\", "[a [b]](c.md)", '[a](c.md "t")', "<http://x.y>",
    "http://x.y", "a@b.c", "1. x", "- x", "# x", "> x", "~~x~~", "x → y", "FK → [s05](s05.md), UQ",
    "`now()`", "inherited from [p](p.md)", "a<br>b", "[x](../cascades.md#x-y)", "**invalid** (failed build)",
    text("<script>alert(1)</script>"), text("[f](javascript:alert(2))"), text("{{ 7*7 }}"), cell("a\nb|c"),
    code("a`b"), code("` x"), code("a|b") + " | x", text("  spaced  "), text("_x_"), text("x_y z_"),
]
ALPHABET = list("ab _`*[]()<>&#;!{}|\\/.:-~\"'") + ["&#60;", "&amp;", "<br>", "**", "[x](t.md)", "`c`", "→", "\t",
                                                       "word", " ", "x_y"]


class _Links:
    """MkDocs' link rewriting stands aside: Python-Markdown alone leaves hrefs as written."""

    links_to_anchors: dict = {}

    @staticmethod
    def path_to_url(url: str) -> str:
        return url


def _python_markdown(block: str) -> str:
    return markdown.Markdown(extensions=["tables", "attr_list", "admonition", "toc"]).convert(block)


def _ours(block: str) -> str | None:
    t = fast_tables.Tables.__new__(fast_tables.Tables)
    t.links, t.html, t.urls, t.fallbacks = _Links(), [], {}, 0
    md = t.extract(block)
    if not t.html:
        return None
    return t.insert(markdown.Markdown(extensions=["tables", "attr_list", "admonition", "toc"]).convert(md))


def _check(cells: list[str]) -> int:
    """Tables of these cells (one per row), rendered both ways; returns how many we rendered."""
    ours = 0
    for value in cells:
        if "\n" in value:
            continue
        block = f"| # | value |\n|---:|:---|\n| 1 | {value} |\n"
        got = _ours(block)
        if got is not None:
            ours += 1
            assert got == _python_markdown(block), f"{value!r} rendered otherwise"
    return ours


def test_hand_picked_cells_render_as_python_markdown_renders_them():
    assert _check(CASES) >= 35  # most of them are the generator's own constructs


@pytest.mark.parametrize("seed", range(4))
def test_random_cells_render_as_python_markdown_renders_them_or_are_left_to_it(seed):
    rng = random.Random(seed)
    cells = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(2500)]
    assert _check(cells) > 250  # rendered here, each compared; the others were left to Python-Markdown


def test_a_page_with_an_html_block_or_a_placeholder_like_text_is_left_to_python_markdown():
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    for page in (f"<div>\n\n{table}\n</div>\n", f"X121FASTTABLE0X121\n\n{table}", f"intro\n{table}"):
        assert _ours(page) is None
    assert re.search(r"<table>", _ours(f"# t\n\n{table}") or "")
