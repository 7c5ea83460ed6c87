"""Each escaper of x121_docs.docs.escape against hostile strings, through Python-Markdown configured as the
site is (mkdocs.yml's extensions plus MkDocs' defaults): the rendered HTML holds no element the
string asked for, and its text is exactly the original string."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml
from hostile_support import COMMENTS, ENUM_LABELS, LOOKUP_VALUES, NAMES

from x121_docs.docs import escape
from x121_docs.docs.pages import _env

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = sorted(set(NAMES + COMMENTS + ENUM_LABELS + LOOKUP_VALUES))


def _site_markdown() -> markdown.Markdown:
    exts = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["markdown_extensions"]
    names, configs = [], {}
    for e in exts:
        name, cfg = (next(iter(e.items())) if isinstance(e, dict) else (e, {}))
        names.append(name)
        configs[name] = cfg or {}
    for default in ("toc", "tables", "fenced_code"):  # MkDocs always adds these
        if default not in names:
            names.append(default)
    return markdown.Markdown(extensions=names, extension_configs=configs)


class _Dom(HTMLParser):
    """Tags (with attributes) and text of a fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.skip = False

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "a" and dict(attrs).get("class") == "headerlink":  # the toc's permalink (ours)
            self.skip = True
            return
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):  # noqa: ANN001
        self.skip = False

    def handle_startendtag(self, tag, attrs):  # noqa: ANN001
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):  # noqa: ANN001
        if not self.skip:
            self.text.append(data)


def _render(md_text: str) -> _Dom:
    dom = _Dom()
    dom.feed(_site_markdown().convert(md_text))
    return dom


def _assert_inert(dom: _Dom, allowed: set[str]) -> None:
    for tag, attrs in dom.tags:
        assert tag in allowed, (tag, attrs)
        for k, v in attrs.items():
            assert not k.startswith("on"), (tag, attrs)
            assert not (v or "").strip().lower().startswith("javascript:"), (tag, attrs)


@pytest.mark.parametrize("s", HOSTILE)
def test_text_in_a_paragraph_heading_and_cell_is_the_original_string(s):
    dom = _render(f"x {escape.text(s)} y")
    _assert_inert(dom, {"p"})
    assert "".join(dom.text) == f"x {s} y"
    dom = _render(f"## {escape.text(s)}")
    _assert_inert(dom, {"h2"})
    assert "".join(dom.text) == s
    dom = _render(f"| a | b |\n|---|---|\n| {escape.text(s)} | z |\n")
    _assert_inert(dom, {"table", "thead", "tbody", "tr", "th", "td"})
    assert "".join(dom.text).split("\n") .count("z") == 1
    cells = [t for t in dom.text if t.strip()]
    assert cells[2:] == [s, "z"] if s.strip() else cells[2:] == ["z"]


@pytest.mark.parametrize("s", HOSTILE)
def test_code_span_shows_the_string_on_one_line(s):
    dom = _render(f"| a |\n|---|\n| see {escape.code(s)} |\n")
    _assert_inert(dom, {"table", "thead", "tbody", "tr", "th", "td", "code"})
    assert "".join(dom.text).split("a", 1)[1].strip() == ("see " + " ".join(s.split())).strip()


@pytest.mark.parametrize("s", HOSTILE)
def test_fenced_block_holds_every_line(s):
    dom = _render(f"before\n\n{escape.fence(s, 'sql')}\n\nafter {escape.text(s)}\n")
    _assert_inert(dom, {"p", "pre", "code"})
    body = "".join(dom.text)
    assert body.startswith("before\n") and body.endswith(f"\nafter {s}")
    assert body[len("before\n"):-len(f"\nafter {s}")].strip("\n") == s.strip("\n")


@pytest.mark.parametrize("s", HOSTILE)
def test_cell_and_paragraphs_keep_line_breaks_and_nothing_else(s):
    dom = _render(f"| a |\n|---|\n| {escape.cell(s)} |\n")
    _assert_inert(dom, {"table", "thead", "tbody", "tr", "th", "td", "br"})
    lines = [ln.strip() for ln in s.strip().splitlines()]
    assert "".join(dom.text).split("a", 1)[1].strip() == "".join(lines).strip()
    dom = _render(f"{escape.paragraphs(s)}\n")
    _assert_inert(dom, {"p", "br"})
    assert "".join(dom.text).replace("\n", "") == "".join(ln.strip() for ln in s.strip().splitlines())


@pytest.mark.parametrize("s", HOSTILE)
def test_attribute_and_link(s):
    dom = _Dom()
    dom.feed(f'<a title="{escape.attr(s)}">x</a>')
    assert dom.tags == [("a", {"title": s})]
    with pytest.raises(ValueError):
        escape.link(s)


def test_link_accepts_only_generated_relative_targets():
    for ok in ("tables/users.md", "../tables/audit.useractions-1a2b3c4d.md", "erd/core.md", "#t-users",
               "../cascades.md#t-user_actions", "erd-schema.svg"):
        assert escape.link(ok) == ok
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)//x.md", "/etc/passwd.md", "http://x/y.md", "a b.md",
                "data:text/html,x.md", "x.md?q=1", "x.md#a b", "//evil.example/x.md", ""):
        with pytest.raises(ValueError):
            escape.link(bad)


def test_templates_escape_what_they_print_without_a_filter():
    """The page environment finalises every printed value: a template without an escaper stays inert."""
    env = _env()
    out = env.from_string("# {{ name }}\n\n{{ items | join(', ') }} {{ safe }}").render(
        name="<img src=x onerror=alert(1)>{: onclick=x }", items=["[a](javascript:1)", escape.text("*b*")],
        safe=escape.code("`x`"))
    dom = _render(out)
    _assert_inert(dom, {"h1", "p", "code"})
    assert "".join(dom.text) == "<img src=x onerror=alert(1)>{: onclick=x }\n[a](javascript:1), *b* `x`"


def test_fast_escape_is_the_character_by_character_definition():
    """`_escape` (one regex) replaces exactly what `_escape_slow` (the rule, per character) does: the
    hostile strings, and every character of the first planes alone, around `_` and between spaces."""
    cases = list(HOSTILE) + ["_", "__", "a_b", "_a", "a_", "é_ß", "٣_٣", "a\u0301_b", " ", "  a  b ", "a \n b"]
    for c in range(0x3000):
        ch = chr(c)
        cases += [ch, f"{ch}_{ch}", f"a_{ch}", f"{ch}_a", f" {ch} ", f"{ch}  {ch}"]
    for s in cases:
        assert escape._escape(s) == escape._escape_slow(s), s


def test_the_site_scripts_use_no_html_sink():
    """Our own scripts (the ERD viewer, the theme overrides) put catalog text on the page through
    textContent and attributes only: no innerHTML, outerHTML, insertAdjacentHTML or document.write
    outside comments, so no name or comment can become markup there."""
    import re

    scripts = sorted((ROOT / "src/x121_docs/docs/assets").glob("*.js")) + sorted(
        (ROOT / "src/x121_docs/docs/templates").glob("theme-*.j2")) + sorted((ROOT / "overrides").rglob("*.html"))
    assert any(p.name == "x121-erd.js" for p in scripts)
    sink = re.compile(r"\b(?:innerHTML|outerHTML|insertAdjacentHTML|document\.write(?:ln)?)\b")
    found = []
    for path in scripts:
        code = re.sub(r"/\*.*?\*/|<!--.*?-->", "", path.read_text(encoding="utf-8"), flags=re.S)
        found += [f"{path.name}:{line}" for line in code.splitlines() if sink.search(line)
                  and not line.lstrip().startswith(("//", "{#"))]
    assert found == []
