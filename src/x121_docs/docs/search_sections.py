"""A page's search sections as Material's search parser makes them, without `html.parser`.

Material's search plugin splits each page's HTML into sections (a heading, its text) with an
`html.parser.HTMLParser` subclass: 13.8 s for the 2,123 pages of a 2,000-table site on one core, the
biggest single cost of rendering them. `sections` does the same on the HTML our pages are made of:
one regular expression tokenizes it and the handlers are Material's own logic (`Parser` in
material/plugins/search/plugin.py) over tag names instead of `Element` objects. Anything outside that
subset (a comment, a declaration, a `<` that opens no plain tag, a single-quoted or unquoted attribute,
script/style/raw-text elements, `data-search-exclude`, code line numbers) gives None and the page goes
to Material's parser. The entries are then made by Material's `create_entry_for_section`.
tests/test_docs_render_pool.py compares whole sites' search indexes with Material's, and
tests/test_docs_search_sections.py compares sections of hand-picked and random HTML.
"""

from __future__ import annotations

import re
from itertools import islice
from html import escape, unescape

_TOKEN = re.compile(
    r"([^<]+)"  # text
    r"|<(/?)([a-zA-Z][a-zA-Z0-9-]*)"  # a tag's name
    r'((?:[ \t\n\r\f]+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:="[^"<>]*")?)*)'  # attributes: double-quoted values
    r"[ \t\n\r\f]*(/?)>"  # (ASCII white space only: html.parser reads any other as part of a name)
    r"|(<)"  # anything else that starts with `<`: not ours to read
)
_ATTR = re.compile(r'[ \t\n\r\f]+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?')
_HEADINGS = frozenset(f"h{x}" for x in range(1, 7))
_KEEP = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})
#: Void elements: never on the context stack (Material's `void`).
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
#: Elements Material skips or html.parser reads as raw text: their pages go to Material's parser.
_NOT_OURS = frozenset({"script", "style", "object", "textarea", "title", "xmp", "iframe", "noembed",
                       "noframes", "noscript", "plaintext"})


class Section:
    """Material's `Section`, its heading by tag name (Material compares its elements by tag only)."""

    __slots__ = ("depth", "id", "tag", "text", "title")

    def __init__(self, tag: str, depth: float = 0) -> None:
        self.tag, self.depth = tag, depth
        self.text: list[str] = []
        self.title: list[str] = []
        self.id: str | None = None

    def is_excluded(self) -> bool:  # a page with data-search-exclude never gets here
        return False


def sections(html: str) -> list[Section] | None:
    """The page's sections, as Material's `Parser` returns them in `data`; None when the HTML is not ours."""
    if "data-search-exclude" in html or "linenodiv" in html:
        return None
    data: list[Section] = []
    context: list[str] = []  # open elements' tags
    headerlinks: list[bool] = []  # per open element: an `<a class="headerlink">` (a permalink)
    count: dict[str, int] = {}  # open elements by tag
    open_links = 0
    section: Section | None = None
    for text, slash, tag, attrs, self_closing, stray in _TOKEN.findall(html):
        if stray:
            return None
        if text:
            text = unescape(text)
            if not count.get("pre"):
                text = " " if text.isspace() else text.replace("\n", " ")
            if section is None:
                section = Section("hx")
                data.append(section)
            if count.get(section.tag):
                if not open_links:
                    section.title.append(escape(text, quote=False))
            elif text.isspace():
                if not section.text or not section.text[-1].isspace() or count.get("pre"):
                    section.text.append(text)
            else:
                section.text.append(escape(text, quote=False))
            continue
        tag = tag.lower()
        if tag in _NOT_OURS:
            return None
        if slash:
            if attrs or self_closing:
                return None
        else:  # a start tag
            if tag in _VOID:
                continue
            context.append(tag)
            count[tag] = count.get(tag, 0) + 1
            link = False
            if tag in _HEADINGS or tag == "a":
                # html.parser's values: unescaped, "" for `=""`, None without `=`; the last of a name wins
                values = {m[1].lower(): unescape(m[2]) if m[2] else m[2] for m in _ATTR.finditer(attrs)}
                if tag == "a":
                    link = values.get("class") == "headerlink"
                elif "id" in values:
                    depth = len(context)
                    if tag != "h1" and not data:
                        data.append(Section("hx", depth))
                    section = Section(tag, depth)
                    if data:
                        section.id = values["id"]
                    data.append(section)
            headerlinks.append(link)
            open_links += link
            if section is None:
                section = Section("hx")
                data.append(section)
            if tag in _KEEP:
                (section.title if count.get(section.tag) else section.text).append(f"<{tag}>")
            if not self_closing:
                continue
        # an end tag (or the end of a self-closing start tag, as html.parser's handle_startendtag)
        if not context or context[-1] != tag:
            continue
        if section.depth > len(context):
            for earlier in reversed(data):
                if earlier.depth <= len(context):
                    section.depth = float("inf")
                    section = earlier
                    break
        context.pop()
        count[tag] -= 1
        open_links -= headerlinks.pop()
        if tag in _KEEP:
            out = section.title if count.get(section.tag) else section.text
            try:
                index = out.index(f"<{tag}>")
            except ValueError:  # Material's parser raises here: let it, with its own message
                return None
            if any(not s.isspace() for s in islice(out, index + 1, None)):  # no copy: sections get long
                out.append(f"</{tag}>")
            else:
                del out[index:]
    return data


def add_entries(index, page) -> bool:  # noqa: ANN001 - Material's SearchIndex, an MkDocs Page
    """Material's `SearchIndex.add_entry_from_context` for a page whose HTML is ours; False when it is not."""
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return True
    found = sections(page.content or "")
    if found is None:
        return False
    for section in found:
        index.create_entry_for_section(section, page.toc, page.url, page)
    return True
