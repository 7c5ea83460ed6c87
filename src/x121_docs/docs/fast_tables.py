"""The generated pages' tables as the HTML Python-Markdown makes of them, without Python-Markdown.

Table cells were most of the Markdown time of a 2,000-table site: every cell goes through every
inline pattern. The generator writes them from a handful of constructs only (escaped text, code
spans, `**bold**`, `*em*`, links to generated pages, `<br>`, live-figure spans, entities), so the
render workers (docs/render_pool.py) take each table out of a generated page before MkDocs renders
it and put back the HTML Python-Markdown and MkDocs would have made: the same code-span pairing and
cell splitting (Python-Markdown's own functions), MkDocs' own link rewriting and checks. A cell with
anything else leaves its whole table to Python-Markdown, and so does a page with a raw HTML block.
A full MkDocs build of 2,000 tables: 14.8 s → 8.4–9.0 s. tests/test_docs_render_pool.py compares
whole sites (hostile names and real schemas included) byte for byte with MkDocs' own rendering, and
tests/test_docs_fast_tables.py compares cells, hand-picked and random, with Python-Markdown's.
"""

from __future__ import annotations

import re

from markdown.extensions.tables import PIPE_LEFT, PIPE_RIGHT, TableProcessor
from markdown.inlinepatterns import BACKTICK_RE, BacktickInlineProcessor
from markdown.util import code_escape

#: The pages whose Markdown is the generator's own (hand-written pages and notebooks are left alone).
GENERATED = "generated/"
NOT_GENERATED = "generated/notebooks/"
#: The only raw HTML lines a generated page starts a line with: the diagram frames, each one whole element
#: on its line. Any other would open a raw HTML block, whose extent decides what is Markdown: left alone.
_FRAME_LINE = re.compile(r'(<div class="x121-erd"[^\n]*</div>|<p class="x121-erd-links">[^\n]*</p>)')
_PLACEHOLDER = "X121FASTTABLE{}X121"
_PLACED = re.compile(r"<p>X121FASTTABLE(\d+)X121</p>")
_SEPARATOR_CHARS = set("|:- ")
_BACKTICK = re.compile(BACKTICK_RE)
_CODE = BacktickInlineProcessor(BACKTICK_RE)
_SPLIT = TableProcessor.__new__(TableProcessor)  # only its splitting methods (which read `border`)
_SPLIT.border = PIPE_LEFT | PIPE_RIGHT
_LINK = re.compile(r"\[([^\[\]]*)\]\(([A-Za-z0-9_./#%-]+)\)")
_TAG = re.compile(r'<br>|<span class="x121-live">|</span>')
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")
# emphasis whose asterisks touch no other asterisk (`***x***`, `*a**b*` are Python-Markdown's to untangle)
_STRONG = re.compile(r"(?<!\*)\*\*([^*\s](?:[^*]*[^*\s])?)\*\*(?!\*)")
_EM = re.compile(r"(?<!\*)\*([^*\s](?:[^*]*[^*\s])?)\*(?!\*)")
_HOLD = re.compile("\ue000(\\d+)\ue001")  # a converted piece, by index (a private-use character pair)
#: What may be left of a cell once its constructs are converted: text Python-Markdown passes through.
_PLAIN = re.compile(r"[^`*\[\]<>&\\{}_\ue000\ue001\x00-\x1f\x7f]*")
_INTRAWORD_UNDERSCORE = re.compile(r"(?<=[^\W_])_(?=[^\W_])")
_SPECIAL = re.compile(r"[`*\[\]<>&\\{}!\ue000\ue001\x00-\x1f\x7f]")  # any construct (or refusal) at all


class Unsupported(Exception):
    """A cell this module does not render exactly as Python-Markdown would."""


class Tables:
    """One page's tables: `extract` before MkDocs renders its Markdown, `insert` after."""

    def __init__(self, file, files, config) -> None:  # noqa: ANN001 - MkDocs File, Files, MkDocsConfig
        from mkdocs.structure.pages import _RelativePathTreeprocessor

        self.links = _RelativePathTreeprocessor(file, files, config)  # rewrites and checks links as MkDocs does
        self.html: list[str] = []
        self.urls: dict[str, str] = {}
        self.fallbacks = 0

    @property
    def links_to_anchors(self) -> dict:
        return self.links.links_to_anchors

    @staticmethod
    def applies(src_uri: str) -> bool:
        return src_uri.startswith(GENERATED) and not src_uri.startswith(NOT_GENERATED)

    def extract(self, markdown: str) -> str:
        """The Markdown with each table it can render replaced by a placeholder paragraph."""
        if "X121FASTTABLE" in markdown or "\t" in markdown or "\r" in markdown or "\x02" in markdown \
                or "\x03" in markdown:
            return markdown  # a placeholder could not be told from the text; tabs, STX and ETX are rewritten
        for line in markdown.split("\n"):
            if line.lstrip(" ").startswith("<") and not _FRAME_LINE.fullmatch(line):
                return markdown
        blocks = markdown.split("\n\n")
        for i, block in enumerate(blocks):
            if not block.startswith("|"):
                continue
            core = block.rstrip("\n")  # the file's last block keeps its newline (Markdown's is a block of its own)
            try:
                html = self._table(core)
            except Unsupported:
                self.fallbacks += 1
                continue
            if html is not None:
                blocks[i] = _PLACEHOLDER.format(len(self.html)) + block[len(core):]
                self.html.append(html)
        return "\n\n".join(blocks)

    def insert(self, html: str) -> str:
        """The rendered page with each placeholder paragraph replaced by its table (in one pass)."""
        seen: list[int] = []

        def table(m: re.Match) -> str:
            seen.append(int(m.group(1)))
            return self.html[seen[-1]]

        out = _PLACED.sub(table, html)
        if seen != list(range(len(self.html))):
            raise RuntimeError(f"table placeholders rendered as {seen}, not once each in order")
        return out

    def _table(self, block: str) -> str | None:
        rows = block.split("\n")
        if len(rows) < 2 or not all(r.startswith("|") for r in rows) \
                or TableProcessor.RE_END_BORDER.search(rows[0]) is None:
            return None  # not a block Python-Markdown's table processor takes as we read it: leave it to it
        header = _SPLIT._split_row(rows[0].strip(" "))
        separator = _SPLIT._split_row(rows[1])
        if len(header) < 2 or len(separator) != len(header) or not set("".join(separator)) <= _SEPARATOR_CHARS:
            return None
        align = []
        for c in separator:
            c = c.strip(" ")
            align.append("center" if c.startswith(":") and c.endswith(":") else "left" if c.startswith(":")
                         else "right" if c.endswith(":") else None)
        out = ["<table>", "<thead>", self._row(rows[0].strip(" "), "th", align), "</thead>", "<tbody>"]
        out += [self._row(r.strip(" "), "td", align) for r in rows[2:]] or \
            ["\n".join(["<tr>"] + ["<td></td>"] * len(align) + ["</tr>"])]  # Python-Markdown's empty row
        out += ["</tbody>", "</table>"]
        return "\n".join(out)

    def _row(self, row: str, tag: str, align: list[str | None]) -> str:
        # without backticks or backslashes, Python-Markdown's split is at every pipe
        plain = row.endswith("|") and "`" not in row and "\\" not in row
        cells = row[1:-1].split("|") if plain else _SPLIT._split_row(row)
        if len(cells) != len(align):
            raise Unsupported("a row with another number of cells")
        out = ["<tr>"]
        for cell, a in zip(cells, align):
            style = f' style="text-align: {a};"' if a else ""
            out.append(f"<{tag}{style}>{self._inline(cell.strip(' '))}</{tag}>")
        out.append("</tr>")
        return "\n".join(out)

    def _inline(self, text: str) -> str:
        """A cell's HTML, its constructs taken in Python-Markdown's order (code, links, raw HTML,
        entities, emphasis), each held aside while the others are found."""
        held: list[str] = []

        def hold(html: str) -> str:
            held.append(html)
            return f"\ue000{len(held) - 1}\ue001"

        if _SPECIAL.search(text) is None:  # most cells: text Markdown passes through as it is
            if "_" in text and "_" in _INTRAWORD_UNDERSCORE.sub("", text):
                raise Unsupported("an underscore that may start emphasis")
            return text
        if "\ue000" in text or "\ue001" in text or "![" in text:
            raise Unsupported("a private-use character or an image")
        parts, pos = [], 0
        while (m := _BACKTICK.search(text, pos)) is not None:
            if m.group(1):
                raise Unsupported("escaped backslashes before a backtick")
            begin = m.start(0)
            start, end = _CODE.find_code_spans(begin, text)
            if end is None:
                raise Unsupported("an unpaired backtick")
            parts.append(text[pos:begin])
            parts.append(hold(f"<code>{code_escape(text[start:end].strip())}</code>"))
            pos = end + (start - begin)
        text = "".join(parts) + text[pos:]

        def after_links(part: str) -> str:  # what Python-Markdown does inside a link's label too
            if "<" in part:
                part = _TAG.sub(lambda m: hold(m.group(0)), part)
            if "&" in part:
                part = _ENTITY.sub(lambda m: hold(m.group(0)), part)
            if "*" in part:
                part = _STRONG.sub(lambda m: hold(f"<strong>{self._plain(m.group(1), held)}</strong>"), part)
                part = _EM.sub(lambda m: hold(f"<em>{self._plain(m.group(1), held)}</em>"), part)
            return self._plain(part, held)

        if "[" in text:
            text = _LINK.sub(lambda m: hold(f'<a href="{self._href(m.group(2))}">{after_links(m.group(1))}</a>'),
                             text)
        return after_links(text)

    @staticmethod
    def _plain(text: str, held: list[str]) -> str:
        """Text with held pieces put back; anything Markdown could still act on is refused."""
        rest = _INTRAWORD_UNDERSCORE.sub("", _HOLD.sub("x", text))
        if not _PLAIN.fullmatch(rest):
            raise Unsupported(f"text Markdown may act on: {rest[:40]!r}")
        return _HOLD.sub(lambda m: held[int(m.group(1))], text)

    def _href(self, target: str) -> str:
        url = self.urls.get(target)
        if url is None:  # once per target and page: MkDocs' check (and warning) for the first of its links
            url = self.urls[target] = self.links.path_to_url(target)
        if any(ch in url for ch in '&<>"'):
            raise Unsupported("a link the serializer would escape")
        return url
