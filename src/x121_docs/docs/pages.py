"""Markdown pages (and their diagrams) from the catalog model, through Jinja2 templates.

`generate()` is a pure function of its inputs: the same catalog and data give byte-identical
files, which is what lets `docs check` compare the committed pages with the live schema.
Values that change with the data rather than the schema (row estimates, status usage, ledger
times) are wrapped in `<span class="x121-live">`: the site shows them, the committed
docs/generated/ holds the span empty (`check.blank_live`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import PurePosixPath

import jinja2

from ..catalog import graph
from ..catalog.model import (CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL, Catalog, Column, Constraint,
                             ForeignKey, Index, Table, display_name)
from . import erd, escape
from .config import DocsConfig
from .data import LedgerRow, LookupData
from .escape import Md, cell, code, fence, link, paragraphs, text
from .groups import domain_groups, hubs, lookups
from .names import anchor, slug, table_slug

Key = tuple[str, str]
LIVE_OPEN, LIVE_CLOSE = '<span class="x121-live">', "</span>"
CASCADE_ROWS_MAX = 30  # path rows per entity on the Cascades page
LIVE_SPAN = re.compile(re.escape(LIVE_OPEN) + r"[^<]*" + re.escape(LIVE_CLOSE))


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


@dataclass
class Generated:
    files: dict[str, bytes]  # path under docs/generated/ -> content
    timings: dict[str, float]  # seconds: 'pages', 'diagrams'
    diagrams: int = 0


# --- Markdown helpers ------------------------------------------------------------------------

def live(value: object) -> Md:
    """A value that follows the data, not the schema (shown in the site, blanked in docs/generated/)."""
    return Md(f"{LIVE_OPEN}{text(value)}{LIVE_CLOSE}")


def first_sentence(value: str | None) -> str:
    if not value:
        return ""
    text = " ".join(value.split())
    m = re.match(r"(.+?[.!?])(\s+[A-Z]|$)", text)
    out = m.group(1) if m else text
    return out if len(out) <= 160 else out[:157] + "..."


def pct(have: int, total: int) -> str:
    return "n/a" if not total else f"{100.0 * have / total:.1f} %"


def shift_headings(markdown: str, by: int = 1) -> str:
    """Demote ATX headings outside fenced code so an included document nests under our title."""
    out, fence = [], None
    for line in markdown.splitlines():
        m = re.match(r"^(```+|~~~+)", line.strip())
        if m:
            fence = None if fence and m.group(1)[0] == fence[0] else (fence or m.group(1))
        elif not fence and re.match(r"^#{1,6}\s", line):
            line = "#" * by + line
        out.append(line)
    return "\n".join(out).strip() + "\n"


def ref(key: Key, prefix: str = "") -> Md:
    """A link to a relation's page: its name as inert text, a target built from its slug only."""
    return Md(f"[{text(display_name(*key))}]({link(f'{prefix}{slug(*key)}.md')})")


def _anchor(value: str) -> Md:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        raise ValueError(f"not an anchor the generator builds: {value!r}")
    return Md(value)


def _env() -> jinja2.Environment:
    """Templates print through `escape.finalize`: any value not already `Md` is escaped as inline text."""
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("x121_docs.docs").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True, trim_blocks=False,
                             undefined=jinja2.StrictUndefined, finalize=escape.finalize)
    env.filters.update(text=text, cell=cell, code=code, fence=fence, paragraphs=paragraphs, join=escape.join,
                       live=live, first_sentence=first_sentence, label=lambda k: display_name(*k))
    env.globals.update(pct=pct, slug=table_slug, slug_key=lambda k: slug(*k), label=lambda k: display_name(*k),
                       ref=ref, link=link,
                       anchor_of=lambda t: _anchor(anchor(t.display_name if isinstance(t, Table) else display_name(*t))))
    return env


def _tidy(text: str) -> bytes:
    """Collapse runs of blank lines and end with one newline: stable, diff-friendly files."""
    text = re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"
    return text.encode("utf-8")


# --- Page facts ------------------------------------------------------------------------------

def _rows(t: Table) -> str:
    if t.is_view and t.kind != "materialized view":
        return ""
    return "never analysed" if t.estimated_rows is None or t.estimated_rows < 0 else f"{t.estimated_rows:,}"


def _fk_notes(fk: ForeignKey) -> str:
    notes = []
    if fk.match != "SIMPLE":
        notes.append(f"MATCH {fk.match}")
    if fk.deferrable:
        notes.append("deferrable" + (" initially deferred" if fk.initially_deferred else ""))
    if not fk.validated:
        notes.append("NOT VALID")
    if fk.is_self_reference:
        notes.append("self-reference")
    if fk.inherited_from:
        notes.append(f"copy of the parent's {text(fk.inherited_from)}")
    if fk.comment:
        notes.append(cell(fk.comment))
    return Md("; ".join(notes))


def _constraint_notes(c: Constraint) -> str:
    notes = []
    if not c.validated:
        notes.append("NOT VALID")
    if c.deferrable:
        notes.append("deferrable" + (" initially deferred" if c.initially_deferred else ""))
    if c.comment:
        notes.append(cell(c.comment))
    return Md("; ".join(notes))


def _index_notes(i: Index) -> str:
    notes = []
    if not i.valid:
        notes.append("**invalid** (failed concurrent build)")
    if i.constraint:
        notes.append(f"backs {text(i.constraint)}")
    if any(i.opclasses):
        notes.append("opclass " + ", ".join(text(o or "default") for o in i.opclasses))
    if i.comment:
        notes.append(cell(i.comment))
    return Md("; ".join(notes))


class _TableFacts:
    """Per-table lookups the table template needs (keys, types, enums), computed once per catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.enums = {(e.schema, e.name): e for e in catalog.enums}
        self.domains = {(d.schema, d.name): d for d in catalog.domains}

    def type_key(self, c: Column) -> Key:
        name = c.type_name[1:] if c.is_array and c.type_name.startswith("_") else c.type_name
        return (c.type_schema, name)

    def type_link(self, c: Column) -> str:
        key = self.type_key(c)
        if key in self.enums:
            return Md("enum: " + ", ".join(text(x) for x in self.enums[key].labels))
        if key in self.domains:
            return Md("domain over " + code(self.domains[key].base_type))
        return ""

    def keys(self, t: Table, c: Column) -> str:
        marks = []
        if t.primary_key and c.name in t.primary_key.columns:
            marks.append("PK")
        for fk in t.foreign_keys:
            if c.name in fk.columns:
                marks.append(f"FK → {ref(fk.parent)}")
        for u in t.uniques:
            if c.name in u.columns:
                marks.append("UQ" if len(u.columns) == 1 else f"UQ ({', '.join(text(x) for x in u.columns)})")
        if c.identity:
            marks.append(f"identity {c.identity}")
        if c.generated:
            marks.append("generated")
        return Md(", ".join(dict.fromkeys(marks)))


def _default(c: Column) -> str:
    if c.generated:
        return f"GENERATED ALWAYS AS ({c.generated}) STORED"
    if c.identity:
        return f"GENERATED {c.identity.upper()} AS IDENTITY"
    return c.default or ""


def _partition_tree(catalog: Catalog, parent: Table, depth: int = 0) -> list[tuple[Table, int]]:
    out = []
    for p in catalog.partitions(parent):
        out.append((p, depth))
        out.extend(_partition_tree(catalog, p, depth + 1))
    return out


def _reach_summary(r: graph.Reach) -> str:
    parts = []
    for label_, keys in (("loses rows in", r.deleted), ("sets NULL in", r.nulled), ("sets defaults in", r.defaulted),
                         ("is refused by", r.refused)):
        if keys:
            parts.append(f"{label_} " + ", ".join(text(display_name(*k)) for k in keys))
    return Md("; ".join(parts) if parts else "reaches nothing")


# --- The generator ---------------------------------------------------------------------------

def generate(inputs: Inputs, config: DocsConfig, *, progress: Callable[[str], None] | None = None) -> Generated:
    """All files under docs/generated/ for these inputs (pure: no database, no clock in the output)."""
    env = _env()
    cat = inputs.catalog
    files: dict[str, bytes] = {}
    timings = {"pages": 0.0, "diagrams": 0.0}
    facts = _TableFacts(cat)
    lookup_keys = lookups(cat, config)
    hub_keys = hubs(cat, config)
    groups = domain_groups(cat, config)
    folded = set(lookup_keys) | set(hub_keys)
    n_diagrams = 0

    def render(name: str, **ctx) -> str:
        t0 = time.perf_counter()
        out = env.get_template(name).render(**ctx)
        timings["pages"] += time.perf_counter() - t0
        return out

    def diagram(path: str, fn: Callable[[], erd.Svg | None]) -> str:
        nonlocal n_diagrams
        t0 = time.perf_counter()
        svg = fn()
        timings["diagrams"] += time.perf_counter() - t0
        if svg is None:
            return ""
        n_diagrams += 1
        files[path] = (svg.text + "\n").encode("utf-8")
        return Md(svg.frame(PurePosixPath(path).name))

    def link_from(folder: str) -> Callable[[Key], str]:
        prefix = "" if folder == "tables" else ("tables/" if folder == "" else "../tables/")
        return lambda k: f"{prefix}{slug(*k)}.html"

    columns_ok = lambda n: n <= config.columns_max_tables  # noqa: E731

    # Table pages with their neighbourhood diagrams.
    for t in cat.tables:
        s = table_slug(t)
        if t.is_partition:
            svg_html, near = "", ()
        else:
            near = graph.neighbourhood(cat, t.key, config.neighbourhood_distance, exclude=folded - {t.key})
            svg_html = diagram(f"tables/{s}.svg", lambda: erd.draw(
                cat, near, link=link_from("tables"), folded=folded, focus=t.key, columns=columns_ok(len(near)),
                stubs=False))
        fks_out = [fk for fk in t.foreign_keys]
        fks_in = list(graph.children(cat, t.key))
        used_types = {facts.type_key(c) for c in t.columns}
        folded_here = sorted({display_name(*fk.parent) for fk in graph.parents(cat, t.key)
                              if fk.parent in folded and fk.parent != t.key})
        page = render(
            "table.md.j2", t=t, diagram=svg_html, distance=config.neighbourhood_distance,
            folded_here=folded_here, rows_of=_rows,
            type_link=facts.type_link, column_default=_default, keys=lambda c, t=t: facts.keys(t, c),
            constraint_notes=_constraint_notes, index_notes=_index_notes, fk_notes=_fk_notes,
            fks_out=fks_out, fks_in=fks_in,
            reach_summary=_reach_summary(graph.reach(cat, t.key)) if fks_in else "",
            partitions=_partition_tree(cat, t) if t.partition_key else [],
            enums=[facts.enums[k] for k in sorted(used_types) if k in facts.enums],
            domains=[facts.domains[k] for k in sorted(used_types) if k in facts.domains],
        )
        files[f"tables/{s}.md"] = _tidy(page)
        if progress:
            progress(t.display_name)

    # Listing of relations: partitions under their parent.
    by_schema: list[tuple[str, list[tuple[Table, int]]]] = []
    for schema in sorted({t.schema for t in cat.tables}):
        items: list[tuple[Table, int]] = []
        for t in cat.tables:
            if t.schema == schema and not t.is_partition:
                items.append((t, 0))
                if t.partition_key:
                    items.extend((p, d + 1) for p, d in _partition_tree(cat, t))
        orphans = [(t, 1) for t in cat.tables if t.schema == schema and t.is_partition
                   and (cat.get(t.partition_of[1], t.partition_of[0]) is None)]
        by_schema.append((schema, items + orphans))
    files["tables.md"] = _tidy(render("tables.md.j2", rows=cat.tables, schemas=cat.schemas, by_schema=by_schema,
                                      schema_comments={s.name: s.comment for s in cat.schemas if s.comment},
                                      rows_of=_rows))

    # ERDs: whole schema (or the overview of groups), groups, eralchemy's classic.
    drawable = [k for g in groups for k in g.tables]
    n_tables = len(drawable)
    overview_html = whole_html = ""
    if n_tables > config.whole_schema_max_tables:
        overview_html = diagram("erd-overview.svg", lambda: erd.draw_overview(
            cat, groups, link=lambda s: f"erd/{s}.html", folded=folded))
    elif n_tables:
        whole_html = diagram("erd-schema.svg", lambda: erd.draw(
            cat, drawable, link=link_from(""), folded=lookup_keys, columns=columns_ok(n_tables), stubs=False))
    classic = False
    if 0 < n_tables <= config.classic_max_tables:
        classic = bool(diagram("erd/schema-eralchemy.svg", lambda: erd.eralchemy_svg(cat, drawable)))
    files["erd.md"] = _tidy(render("erd.md.j2", overview=overview_html, whole=whole_html, classic=classic,
                                   groups=groups, hubs=[display_name(*k) for k in hub_keys],
                                   n_tables=n_tables, max_tables=config.whole_schema_max_tables,
                                   group_max=config.group_max_tables))
    for g in groups:
        fold_here = folded - set(g.tables)
        svg_html = diagram(f"erd/{g.slug}.svg", lambda g=g, fold_here=fold_here: erd.draw(
            cat, g.tables, link=link_from("erd"), folded=fold_here, columns=columns_ok(len(g.tables))))
        files[f"erd/{g.slug}.md"] = _tidy(render("erd_group.md.j2", group=g, diagram=svg_html,
                                                 tables=[cat.table(k[1], k[0]) for k in g.tables]))

    # Cascades.
    fks = graph.declared_foreign_keys(cat)
    entities = []
    leaves = []
    for t in cat.base_tables:
        if t.is_partition:
            continue
        if not graph.children(cat, t.key):
            leaves.append(t.display_name)
            continue
        r = graph.reach(cat, t.key)
        # One row per (table, outcome) by its shortest path (the walk is breadth-first), capped:
        # the bullet lists above the table name every table reached.
        first: dict[tuple[Key, str], graph.Step] = {}
        for step in r.steps:
            first.setdefault((step.fk.child, step.outcome), step)
        steps = list(first.values())
        entities.append(dict(key=t.key, anchor=anchor(t.display_name), steps=steps[:CASCADE_ROWS_MAX],
                             more=max(len(steps) - CASCADE_ROWS_MAX, 0),
                             deleted=[display_name(*k) for k in r.deleted],
                             nulled=[display_name(*k) for k in r.nulled],
                             defaulted=[display_name(*k) for k in r.defaulted],
                             refused=[display_name(*k) for k in r.refused]))
    actions = [(a, sum(1 for fk in fks if fk.on_delete == a)) for a in (CASCADE, SET_NULL, SET_DEFAULT, RESTRICT, NO_ACTION)]
    files["cascades.md"] = _tidy(render("cascades.md.j2", fks=fks, clones=len(cat.foreign_keys) - len(fks),
                                        action_counts=[(a, n) for a, n in actions if n], entities=entities,
                                        leaves=leaves))

    # Statuses.
    def breakdown(l: LookupData, key: str) -> str:
        return ", ".join(f"{via}: {n:,}" for via, n in sorted(l.usage.get(key, {}).items()))

    files["statuses.md"] = _tidy(render(
        "statuses.md.j2", lookups=inputs.lookups, suffixes=[code(s) for s in config.lookup_suffixes],
        extra=[code(s) for s in config.lookup_tables], breakdown=breakdown, max_rows=config.status_values_max,
        comment_of=lambda k: cat.table(k[1], k[0]).comment or ""))

    # Migrations, conventions, notebooks.
    rows = inputs.ledger
    files["migrations.md"] = _tidy(render(
        "migrations.md.j2", rows=rows, folder=inputs.migrations_folder,
        applied=sum(1 for r in rows or () if r.state == "applied"),
        pending=sum(1 for r in rows or () if r.state in ("pending", "out of order")),
        problems=sum(1 for r in rows or () if r.state in ("modified", "missing", "dirty"))))
    files["conventions.md"] = _tidy(render(
        "conventions.md.j2", conventions=Md(shift_headings(inputs.conventions)) if inputs.conventions else None,
        compliance=inputs.compliance,
        compliance_note=inputs.compliance_note))
    files["notebooks.md"] = _tidy(render("notebooks.md.j2", notebooks=inputs.notebooks))
    for nb in inputs.notebooks:
        files[f"notebooks/{nb.slug}.md"] = _tidy(nb.markdown)  # nbconvert output of the stored notebook (project content)
        for rel, content in nb.files.items():
            files[f"notebooks/{rel}"] = content

    # Overview last: it counts what the other pages hold.
    files["index.md"] = _tidy(render("overview.md.j2", catalog=cat, groups=groups, **_overview(cat, lookup_keys),
                                     lint_metrics=inputs.lint_metrics))
    return Generated(dict(sorted(files.items())), timings, n_diagrams)


def _fk_indexed(t: Table, fk: ForeignKey) -> bool:
    """An index whose leading keys are the FK columns (in any order) serves the FK's lookups."""
    n = len(fk.columns)
    return any(set(i.key_columns[:n]) == set(fk.columns) and i.valid for i in t.indexes)


def _overview(cat: Catalog, lookup_keys) -> dict:
    base = [t for t in cat.base_tables if not t.is_partition]
    kinds = {}
    for t in cat.tables:
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    fks = graph.declared_foreign_keys(cat)
    columns = [c for t in cat.tables for c in t.columns if not t.is_partition]
    counts = [
        ("Schemas", len(cat.schemas), None),
        ("Tables", kinds.get("table", 0) - sum(1 for t in cat.tables if t.is_partition and t.kind == "table"), "tables.md"),
        ("Partitioned tables", kinds.get("partitioned table", 0), "tables.md"),
        ("Partitions", sum(1 for t in cat.tables if t.is_partition), "tables.md"),
        ("Views", kinds.get("view", 0), "tables.md"),
        ("Materialized views", kinds.get("materialized view", 0), "tables.md"),
        ("Foreign tables", kinds.get("foreign table", 0), "tables.md"),
        ("Columns", len(columns), None),
        ("Foreign keys", len(fks), "cascades.md"),
        ("Indexes", sum(len(t.indexes) for t in cat.tables if not t.is_partition), None),
        ("Lookup tables", len(lookup_keys), "statuses.md"),
        ("Enum types", len(cat.enums), None),
        ("Domains", len(cat.domains), None),
        ("Sequences", len(cat.sequences), None),
        ("Extensions", len(cat.extensions), None),
    ]
    rel = [t for t in cat.tables if not t.is_partition]
    coverage = [
        ("Tables and views", sum(1 for t in rel if t.comment), len(rel)),
        ("Columns", sum(1 for c in columns if c.comment), len(columns)),
    ]
    fk_tables = {t.key: t for t in cat.tables}
    checks = [
        ("Tables with a primary key", sum(1 for t in base if t.primary_key), len(base)),
        ("Foreign keys with an index on their columns", sum(1 for fk in fks if _fk_indexed(fk_tables[fk.child], fk)),
         len(fks)),
        ("Foreign keys with an ON DELETE other than the default NO ACTION", sum(1 for fk in fks if fk.on_delete != NO_ACTION),
         len(fks)),
        ("Tables with created_at and updated_at", sum(1 for t in base if t.column("created_at") and t.column("updated_at")),
         len(base)),
    ]
    total_rows = sum(t.estimated_rows for t in cat.base_tables
                     if t.estimated_rows and t.estimated_rows > 0 and t.kind == "table")
    return dict(counts=counts, coverage=coverage, checks=checks, total_rows=f"{total_rows:,}",
                missing_table_comments=[t.display_name for t in rel if not t.comment][:50])
