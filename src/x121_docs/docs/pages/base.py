"""What every page module shares: the inputs, the build context, the template environment, helpers.

A page module (one per page under docs/pages/) has `TITLE` and `PATH` (its nav entry, under
docs/generated/) and `write(ctx)`, which renders its template (the `.md.j2` of the same name
beside it) with `ctx.page(...)`; `pages.REGISTRY` lists the modules in nav order.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

import jinja2

from ...catalog import facts
from ...catalog.model import Catalog, Table, display_name
from .. import escape
from ..config import DocsConfig
from ..data import LedgerRow, LookupData
from ..escape import Md, cell, code, fence, link, paragraphs, text
from ..names import anchor, slug, table_slug

Key = tuple[str, str]
LIVE_OPEN, LIVE_CLOSE = '<span class="x121-live">', "</span>"
LIVE_SPAN = re.compile(re.escape(LIVE_OPEN) + r"[^<]*" + re.escape(LIVE_CLOSE))
LIVE_HOWTO = ("Live figures (row estimates, status usage counts, migration times) are left out of this build: "
              "`x121-docs docs build --live` reads them from a read-only connection (`LIVE_DB_*` settings, "
              "see the README).")


@dataclass(frozen=True)
class Notebook:
    slug: str
    title: str
    markdown: str
    files: dict[str, bytes] = field(default_factory=dict)  # outputs (images) relative to notebooks/


@dataclass(frozen=True)
class Finding:
    """One linter finding as the Conventions page shows it (its strings quote catalog names: untrusted)."""

    severity: str
    rule: str
    object: str
    location: str
    message: str


@dataclass(frozen=True)
class Compliance:
    """The linter's report, as data: the page renders it through the escapers, never as Markdown."""

    target: str
    mode: str
    status: str  # passed | failed
    errors: int
    warnings: int
    suppressed: int
    baselined: int
    findings: tuple[Finding, ...] = ()
    metrics: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Live:
    """Figures that follow the data, read from a live database (`docs build --live`)."""

    rows: dict[Key, int | None] = field(default_factory=dict)  # estimated rows; None: never analysed
    usage: dict[Key, dict[str, dict[str, int]]] = field(default_factory=dict)  # lookup -> value key -> via -> n
    ledger: dict[int, tuple[str | None, float | None]] = field(default_factory=dict)  # version -> (at, ms)


@dataclass(frozen=True)
class Migration:
    """A migration file as its page shows it."""

    version: int
    description: str
    path: str  # as shown (relative to the project)
    sql: str
    checksum: str  # SHA-384 hex of the file bytes (what the ledger stores)
    objects: tuple[tuple[str, str, int], ...] = ()  # (kind, object, line) from the linter's source attribution


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads: the catalog plus the optional data and files around it."""

    catalog: Catalog
    lookups: tuple[LookupData, ...] = ()
    ledger: tuple[LedgerRow, ...] | None = None
    migrations_folder: str = "migrations"
    conventions: str | None = None  # text of SCHEMA_CONVENTIONS.md
    compliance: Compliance | None = None  # the linter's report on this catalog
    compliance_note: str = "The compliance report appears here once the migration linter is available."
    lint_metrics: tuple[tuple[str, str], ...] = ()
    notebooks: tuple[Notebook, ...] = ()
    migrations: tuple[Migration, ...] = ()
    live: Live | None = None
    exclude_tables: tuple[str, ...] = facts.TOOLING_TABLES  # left out of the figures (the linter's ignore-tables)
    dependencies: object | None = None  # integrity.dependencies.DependencyFindings (docs build --dependencies)


@dataclass
class Generated:
    files: dict[str, bytes]  # path under docs/generated/ -> content
    timings: dict[str, float]  # seconds: 'pages', 'diagrams'
    diagrams: int = 0
    by_page: dict[str, tuple[str, ...]] = field(default_factory=dict)  # page module PATH -> the files it wrote
    erd: object | None = None  # the schema facts (erd_pages.Schema): domain groups, lookups, hubs


# --- helpers the templates call ----------------------------------------------------------------

def live(value: object) -> Md:
    """A value that follows the data, not the schema (only in builds with live figures)."""
    return Md(f"{LIVE_OPEN}{text(value)}{LIVE_CLOSE}")


def first_sentence(value: str | None) -> str:
    if not value:
        return ""
    t = " ".join(value.split())
    m = re.match(r"(.+?[.!?])(\s+[A-Z]|$)", t)
    out = m.group(1) if m else t
    return out if len(out) <= 160 else out[:157] + "..."


def pct(have: int, total: int) -> str:
    return facts.Share(have, total).percent


def shift_headings(markdown: str, by: int = 1) -> str:
    """Demote ATX headings outside fenced code so an included document nests under our title."""
    out, fence_open = [], None
    for line in markdown.splitlines():
        m = re.match(r"^(```+|~~~+)", line.strip())
        if m:
            fence_open = None if fence_open and m.group(1)[0] == fence_open[0] else (fence_open or m.group(1))
        elif not fence_open and re.match(r"^#{1,6}\s", line):
            line = "#" * by + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


def ref(key: Key, prefix: str = "") -> Md:
    """A link to a relation's page: its name as inert text, a target built from its slug only."""
    return Md(f"[{text(display_name(*key))}]({link(f'{prefix}{slug(*key)}.md')})")


def anchor_id(value: str) -> Md:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise ValueError(f"not an anchor the generator builds: {value!r}")
    return Md(value)


def _header(label: str) -> str:
    """A column title: the generator's own words as they are, anything else (catalog names) as `Md`."""
    if isinstance(label, Md) or re.fullmatch(r"[A-Za-z0-9 #(),./-]*", label):
        return str(label)
    raise ValueError(f"a column title from outside the generator must be escaped: {label!r}")


def md_table(header: Sequence[str], rows: Iterable[Sequence[object]], *, right: Iterable[int] = (),
             optional: Iterable[int] = ()) -> Md:
    """A Markdown table; every cell is escaped as inline text unless already `Md` (titles: see `_header`).  Columns in
    `optional` are left out when every row leaves them empty (no always-empty columns)."""
    body = [[str(escape.finalize(v)) for v in r] for r in rows]
    keep = [i for i in range(len(header)) if i not in set(optional) or any(r[i].strip() for r in body)]
    right = set(right)
    lines = ["| " + " | ".join(_header(header[i]) for i in keep) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in keep) + "|"]
    lines += ["| " + " | ".join(r[i] for i in keep) + " |" for r in body]
    return Md("\n".join(lines))


def _loader(name: str) -> str:
    folder = "pages" if not name.startswith("theme-") and name not in ("mkdocs.yml.j2", "index.md.j2") else "templates"
    return resources.files("x121_docs.docs").joinpath(folder, name).read_text(encoding="utf-8")


@functools.cache  # one per process: its templates are compiled once, not on every build
def _env() -> jinja2.Environment:
    """Templates print through `escape.finalize`: any value not already `Md` is escaped as inline text."""
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_loader), autoescape=False, keep_trailing_newline=True,
                             trim_blocks=False, undefined=jinja2.StrictUndefined, finalize=escape.finalize)
    env.filters.update(text=text, cell=cell, code=code, fence=fence, paragraphs=paragraphs, join=escape.join,
                       live=live, first_sentence=first_sentence, label=lambda k: display_name(*k))
    env.globals.update(pct=pct, slug=table_slug, slug_key=lambda k: slug(*k), label=lambda k: display_name(*k),
                       ref=ref, link=link, md_table=md_table, live_howto=Md(LIVE_HOWTO),
                       anchor_of=lambda t: anchor_id(anchor(t.display_name if isinstance(t, Table) else display_name(*t))))
    return env


@functools.cache
def module_env() -> jinja2.Environment:
    """For the templates other modules keep under templates/ (the ERD pages, the Changes page): those
    modules escape what they pass (HTML frames, reviewed Markdown) and the templates apply the escaping
    layer's `cell`/`code` filters to catalog values themselves."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda n: resources.files("x121_docs.docs").joinpath("templates", n)
                                     .read_text(encoding="utf-8")),
        autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters.update(cell=cell, code=code, first_sentence=first_sentence)
    env.globals.update(slug=table_slug)
    return env


def tidy(content: str) -> bytes:
    """Collapse runs of blank lines and end with one newline: stable, diff-friendly files."""
    content = re.sub(r"\n{3,}", "\n\n", content.strip()) + "\n"
    return content.encode("utf-8")


class Context:
    """One build: the inputs, the derived facts every page reads, and the files written so far."""

    def __init__(self, inputs: Inputs, config: DocsConfig, diagrams: dict | None = None, erd: object | None = None):
        from .. import erd_pages

        self.inputs = inputs
        self.config = config
        self.catalog = inputs.catalog
        self.live = inputs.live
        self.files: dict[str, bytes] = {}
        self.timings = {"pages": 0.0, "diagrams": 0.0}
        self.diagrams = 0
        self.drawn = {} if diagrams is None else diagrams
        self.env = _env()
        self.erd_env = module_env()
        # groups, lookups, hubs (the ERD engineer's); `erd`: those of an earlier generation of this catalog
        self.erd = erd if erd is not None else erd_pages.schema_facts(self.catalog, config)
        self.lookup_keys = self.erd.lookups
        self.hub_keys = self.erd.hubs
        self.groups = self.erd.groups
        self.folded = self.erd.folded
        self.tables = facts.documented_tables(self.catalog, inputs.exclude_tables)
        self.coverage = facts.coverage(self.catalog, inputs.exclude_tables)
        self.inheritance = facts.inheritance(self.catalog)

    def rows(self, t: Table) -> str:
        """A relation's estimated rows (live figure); '' for a plain view."""
        if t.is_view and t.kind != "materialized view":
            return ""
        n = (self.live.rows if self.live else {}).get(t.key)
        return "never analysed" if n is None or n < 0 else f"{n:,}"

    def page(self, path: str, template: str, **ctx) -> None:
        t0 = time.perf_counter()
        out = self.env.get_template(template).render(live_figures=self.live is not None, **ctx)
        self.timings["pages"] += time.perf_counter() - t0
        self.files[path] = tidy(out)

    def store(self, path: str, fn: Callable[[], object]):  # noqa: ANN201 - erd.Svg | None
        """Draw one diagram (timed, cached across generations) and keep its SVG file under `path`."""
        t0 = time.perf_counter()
        if path not in self.drawn:
            self.drawn[path] = fn()
        svg = self.drawn[path]
        if svg is not None and svg.key and not svg.text:  # a forked worker's, merged by its cache key
            from .. import erd_cache

            svg = self.drawn[path] = erd_cache.load(svg.key)[0]
        self.timings["diagrams"] += time.perf_counter() - t0
        if svg is not None and svg.text:
            self.diagrams += 1
            self.files[path] = (svg.text + "\n").encode("utf-8")
        return svg

    def render_erd(self, name: str, **ctx) -> str:
        """The ERD pages' own templates (templates/erd*.md.j2, kept by docs/erd_pages.py): they escape
        each catalog value with the `cell`/`code` filters of the escaping layer and print SVG frames."""
        t0 = time.perf_counter()
        out = self.erd_env.get_template(name).render(**ctx)
        self.timings["pages"] += time.perf_counter() - t0
        return out
