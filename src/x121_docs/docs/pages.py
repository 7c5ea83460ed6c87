"""Markdown pages (and their diagrams) from the catalog model, through Jinja2 templates.

`generate()` is a pure function of its inputs: the same catalog and data give byte-identical
files, which is what lets `docs check` compare the committed pages with the live schema.
Values that change with the data rather than the schema (row estimates, status usage, ledger
times) are wrapped in `<span class="x121-live">`: the site shows them, the committed
docs/generated/ holds the span empty (`check.blank_live`).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import jinja2

from ..catalog import graph
from ..catalog.model import (CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL, Catalog, Column, Constraint,
                             ForeignKey, Index, Table, display_name)
from . import erd, erd_pages
from .config import DocsConfig
from .data import LedgerRow, LookupData
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
class Inputs:
    """Everything a build reads: the catalog plus the optional data and files around it."""

    catalog: Catalog
    lookups: tuple[LookupData, ...] = ()
    ledger: tuple[LedgerRow, ...] | None = None
    migrations_folder: str = "migrations"
    conventions: str | None = None  # text of SCHEMA_CONVENTIONS.md
    compliance: str | None = None  # the linter's Markdown report
    compliance_note: str = "The compliance report appears here once the migration linter is available."
    lint_metrics: tuple[tuple[str, str], ...] = ()
    notebooks: tuple[Notebook, ...] = ()
    dependencies: object | None = None  # integrity.dependencies.DependencyFindings (docs build --dependencies)


@dataclass
class Generated:
    files: dict[str, bytes]  # path under docs/generated/ -> content
    timings: dict[str, float]  # seconds: 'pages', 'diagrams'
    diagrams: int = 0


# --- Markdown helpers ------------------------------------------------------------------------

def cell(value: object) -> str:
    """Prose in a table cell: HTML-escaped, pipes escaped, newlines as <br>."""
    if value is None:
        return ""
    text = html.escape(str(value), quote=False).replace("|", "&#124;")
    return "<br>".join(line.strip() for line in text.strip().splitlines())


def code(value: object) -> str:
    """Inline code in a table cell (defaults, definitions, predicates), on one line."""
    if value is None or value == "":
        return ""
    text = " ".join(str(value).split()).replace("|", "\\|")
    ticks = "``" if "`" in text else "`"
    pad = " " if ticks == "``" else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def live(value: object) -> str:
    """A value that follows the data, not the schema (shown in the site, blanked in docs/generated/)."""
    text = "" if value is None else html.escape(str(value), quote=False)
    return f"{LIVE_OPEN}{text}{LIVE_CLOSE}"


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


def _env() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("x121_docs.docs").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True, trim_blocks=False,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(cell=cell, code=code, live=live, first_sentence=first_sentence,
                       label=lambda k: display_name(*k))
    env.globals.update(pct=pct, slug=table_slug, slug_key=lambda k: slug(*k), label=lambda k: display_name(*k),
                       anchor_of=lambda t: anchor(t.display_name if isinstance(t, Table) else display_name(*t)))
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
        notes.append(f"copy of the parent's {cell(fk.inherited_from)}")
    if fk.comment:
        notes.append(cell(fk.comment))
    return "; ".join(notes)


def _constraint_notes(c: Constraint) -> str:
    notes = []
    if not c.validated:
        notes.append("NOT VALID")
    if c.deferrable:
        notes.append("deferrable" + (" initially deferred" if c.initially_deferred else ""))
    if c.comment:
        notes.append(cell(c.comment))
    return "; ".join(notes)


def _index_notes(i: Index) -> str:
    notes = []
    if not i.valid:
        notes.append("**invalid** (failed concurrent build)")
    if i.constraint:
        notes.append(f"backs {cell(i.constraint)}")
    if any(i.opclasses):
        notes.append("opclass " + cell(", ".join(o or "default" for o in i.opclasses)))
    if i.comment:
        notes.append(cell(i.comment))
    return "; ".join(notes)


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
            return "enum: " + cell(", ".join(self.enums[key].labels))
        if key in self.domains:
            return "domain over " + cell(self.domains[key].base_type)
        return ""

    def keys(self, t: Table, c: Column) -> str:
        marks = []
        if t.primary_key and c.name in t.primary_key.columns:
            marks.append("PK")
        for fk in t.foreign_keys:
            if c.name in fk.columns:
                marks.append(f"FK → [{cell(display_name(*fk.parent))}]({slug(*fk.parent)}.md)")
        for u in t.uniques:
            if c.name in u.columns:
                marks.append("UQ" if len(u.columns) == 1 else f"UQ ({cell(', '.join(u.columns))})")
        if c.identity:
            marks.append(f"identity {c.identity}")
        if c.generated:
            marks.append("generated")
        return ", ".join(dict.fromkeys(marks))


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
            parts.append(f"{label_} " + ", ".join(cell(display_name(*k)) for k in keys))
    return "; ".join(parts) if parts else "reaches nothing"


# --- The generator ---------------------------------------------------------------------------

def generate(inputs: Inputs, config: DocsConfig, *, progress: Callable[[str], None] | None = None) -> Generated:
    """All files under docs/generated/ for these inputs (pure: no database, no clock in the output)."""
    env = _env()
    cat = inputs.catalog
    files: dict[str, bytes] = {}
    timings = {"pages": 0.0, "diagrams": 0.0}
    facts = _TableFacts(cat)
    erd_facts = erd_pages.schema_facts(cat, config)
    lookup_keys, groups = erd_facts.lookups, erd_facts.groups
    n_diagrams = 0

    def render(name: str, **ctx) -> str:
        t0 = time.perf_counter()
        out = env.get_template(name).render(**ctx)
        timings["pages"] += time.perf_counter() - t0
        return out

    def store(path: str, fn: Callable[[], erd.Svg | None]) -> erd.Svg | None:
        """Draw one diagram (timed) and keep its SVG file under `path` (nothing kept when empty)."""
        nonlocal n_diagrams
        t0 = time.perf_counter()
        svg = fn()
        timings["diagrams"] += time.perf_counter() - t0
        if svg is not None and svg.text:
            n_diagrams += 1
            files[path] = (svg.text + "\n").encode("utf-8")
        return svg

    # Table pages with their neighbourhood diagrams.
    for t in cat.tables:
        s = table_slug(t)
        if t.is_partition:
            svg_html, near = "", {}
        else:
            svg_html, near = erd_pages.table_section(cat, config, erd_facts, t, store)
        fks_out = [fk for fk in t.foreign_keys]
        fks_in = list(graph.children(cat, t.key))
        used_types = {facts.type_key(c) for c in t.columns}
        view_sql = t.view_definition
        text = render(
            "table.md.j2", t=t, diagram=svg_html, near=near, rows_of=_rows,
            type_link=facts.type_link, column_default=_default, keys=lambda c, t=t: facts.keys(t, c),
            constraint_notes=_constraint_notes, index_notes=_index_notes, fk_notes=_fk_notes,
            fks_out=fks_out, fks_in=fks_in,
            reach_summary=_reach_summary(graph.reach(cat, t.key)) if fks_in else "",
            partitions=_partition_tree(cat, t) if t.partition_key else [],
            enums=[facts.enums[k] for k in sorted(used_types) if k in facts.enums],
            domains=[facts.domains[k] for k in sorted(used_types) if k in facts.domains],
            confirmed=inputs.dependencies.for_table(t.display_name) if inputs.dependencies else (),
        )
        if view_sql and "```" in view_sql:
            text = text.replace("```sql", "~~~~sql", 1).replace("```\n", "~~~~\n")
        files[f"tables/{s}.md"] = _tidy(text)
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

    # ERDs: whole schema (or the overview of groups, or the names-only map), groups, eralchemy's classic.
    files.update(erd_pages.erd_files(cat, config, erd_facts, render, store, _tidy))

    # Cascades.
    fks = graph.declared_foreign_keys(cat)
    entities = []
    leaves = []
    for t in cat.base_tables:
        if t.is_partition:
            continue
        if not graph.children(cat, t.key):
            leaves.append(cell(t.display_name))
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
                             deleted=[cell(display_name(*k)) for k in r.deleted],
                             nulled=[cell(display_name(*k)) for k in r.nulled],
                             defaulted=[cell(display_name(*k)) for k in r.defaulted],
                             refused=[cell(display_name(*k)) for k in r.refused]))
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
        "conventions.md.j2", conventions=shift_headings(inputs.conventions) if inputs.conventions else None,
        compliance=shift_headings(inputs.compliance) if inputs.compliance else None,
        compliance_note=inputs.compliance_note))
    files["notebooks.md"] = _tidy(render("notebooks.md.j2", notebooks=inputs.notebooks))
    for nb in inputs.notebooks:
        files[f"notebooks/{nb.slug}.md"] = _tidy(nb.markdown)
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
                missing_table_comments=[cell(t.display_name) for t in rel if not t.comment][:50])
