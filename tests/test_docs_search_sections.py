"""docs/search_sections.py against Material's own search parser: the same sections for hand-picked and
random HTML, or None (the page goes to Material's parser) for anything outside the subset it reads.
Whole sites are compared in tests/test_docs_render_pool.py."""

from __future__ import annotations

import random

import pytest
from docs_support import same_sections

from x121_docs.docs.search_sections import sections

HAND_PICKED = [
    "",
    "just text, no heading",
    '<h1 id="t">Title<a class="headerlink" href="#t" title="Permanent link">&para;</a></h1><p>a &amp; b</p>',
    '<h2 id="x">Second first</h2><p>text</p><h1 id="y">Then a first</h1>',
    "<h2>no id</h2><p>stays in the preface</p>",
    '<h2 id="">empty id</h2><h3 id>id without a value</h3><p>x</p>',
    '<div><h2 id="inner">nested</h2><p>in</p></div><p>after the div: back in the preface</p>',
    "<p>   </p><p>\n</p><ul><li> </li><li>kept</li></ul>",
    "<pre><code>line 1\n\n   indented\n</code></pre><p>a\nb</p>",
    '<p>a <code>x &lt; y</code> <sub>2</sub><sup>n</sup> &nbsp; &#39;q&#39; &quot;d&quot;</p>',
    "<table><tr><td>1</td><td> </td></tr></table><br><br/><img src=\"a.png\" alt=\"a\"><hr />",
    '<p>unclosed <b>bold</p><p>mismatch</i> end</p></li>',
    '<H2 ID="Upper">Upper-case names</H2><P>text</P>',
    '<h1 id="a">A</h1><p>one</p><h2 id="b">B <code>code in a title</code></h2><p>two</p><p></p>',
    '<h2 id="a&amp;b">an escaped id</h2><a class="headerlink other">not a permalink</a>',
    '<span/><p/>text after self-closed elements<a-b>dashed</a-b>',
]
NOT_OURS = [
    "<!-- a comment --><p>x</p>",
    "<!DOCTYPE html><p>x</p>",
    "<script>var a = '<p>';</script>",
    "<style>p { color: red }</style>",
    "<p class='single'>x</p>",
    "<p class=unquoted>x</p>",
    "<p>a < b</p>",
    '<div data-search-exclude><p>x</p></div>',
    '<table class="highlighttable"><td class="linenodiv">1</td></table>',
    '<object data="d.svg"></object>',
    "<textarea><p></textarea>",
    "<p\u00a0class=\"x\">a tag name html.parser reads with its no-break space</p>",
    "</p class=\"x\">",
    '<p title="a > b">x</p>',
]


@pytest.mark.parametrize("html", HAND_PICKED)
def test_hand_picked_html_gives_material_parsers_sections(html):
    found = sections(html)
    assert found is not None
    assert same_sections(found, html)


@pytest.mark.parametrize("html", NOT_OURS)
def test_html_outside_the_subset_is_left_to_material(html):
    assert sections(html) is None


_TAGS = ["p", "code", "pre", "li", "ul", "ol", "sub", "sup", "div", "span", "table", "tr", "td", "em",
         "strong", "h1", "h2", "h3", "h4", "a", "br", "img", "hr"]
_TEXTS = ["a", " ", "\n", "  \n ", "x y", "&amp;", "&lt;b&gt;", "&para;", "&nbsp;", "&#39;", "caf\u00e9",
          "a\nb", "&", "&unknown;", "\t"]


def _random_html(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(0, 6)):
        if depth > 4 or rng.random() < 0.4:
            parts.append(rng.choice(_TEXTS))
            continue
        tag = rng.choice(_TAGS)
        attrs = ""
        if tag.startswith("h") and rng.random() < 0.7:
            attrs = f' id="s{rng.randint(0, 3)}"'
        elif tag == "a":
            attrs = rng.choice(['', ' class="headerlink" href="#s1"', ' href="x.html"'])
        if tag in ("br", "img", "hr"):
            parts.append(f"<{tag}{attrs}{rng.choice(['', ' /'])}>")
            continue
        inner = _random_html(rng, depth + 1)
        close = rng.choice([f"</{tag}>"] * 8 + ["", f"</{rng.choice(_TAGS)}>"])  # some unclosed or mismatched
        parts.append(f"<{tag}{attrs}>{inner}{close}")
    return "".join(parts)


@pytest.mark.parametrize("seed", range(4))
def test_random_html_gives_material_parsers_sections(seed):
    rng = random.Random(seed)
    read = 0
    for _ in range(500):
        html = _random_html(rng)
        found = sections(html)
        if found is not None:
            read += 1
            assert same_sections(found, html), html
    assert read >= 450
