"""Tables: the listing of every relation and one page per relation (with its neighbourhood diagram).

Each table on a relation page is built as data (`md_table`) so that columns every row leaves
empty are dropped, and the FK actions sit next to the referenced table.
"""

from __future__ import annotations

from dataclasses import replace

from ...catalog import graph
from ...catalog.model import Catalog, Column, Constraint, ForeignKey, Index, Table, display_name
from ..escape import Md, cell, code, text
from ..names import table_slug
from .base import Context, ref

TITLE = "Tables"
PATH = "tables.md"
LIVE = True  # reads the live figures (Inputs.live)

Key = tuple[str, str]


def _fk_notes(fk: ForeignKey) -> Md:
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


def _constraint_notes(c: Constraint) -> Md:
    notes = []
    if not c.validated:
        notes.append("NOT VALID")
    if c.deferrable:
        notes.append("deferrable" + (" initially deferred" if c.initially_deferred else ""))
    if c.inherited_from:
        notes.append(f"inherited ({text(c.inherited_from)})")
    if c.comment:
        notes.append(cell(c.comment))
    return Md("; ".join(notes))


def _index_notes(i: Index) -> Md:
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


def _default(c: Column) -> str:
    if c.generated:
        return f"GENERATED ALWAYS AS ({c.generated}) STORED"
    if c.identity:
        return f"GENERATED {c.identity.upper()} AS IDENTITY"
    return c.default or ""


def _names(values) -> Md:  # noqa: ANN001
    return Md(", ".join(text(v) for v in values))


class _Types:
    """Enums and domains by (schema, name), for the type column and the 'used' sections."""

    def __init__(self, catalog: Catalog):
        self.enums = {(e.schema, e.name): e for e in catalog.enums}
        self.domains = {(d.schema, d.name): d for d in catalog.domains}

    @staticmethod
    def key(c: Column) -> Key:
        name = c.type_name[1:] if c.is_array and c.type_name.startswith("_") else c.type_name
        return (c.type_schema, name)

    def note(self, c: Column) -> Md:
        k = self.key(c)
        if k in self.enums:
            return Md(" (enum: " + _names(self.enums[k].labels) + ")")
        if k in self.domains:
            return Md(" (domain over " + code(self.domains[k].base_type) + ")")
        return Md("")


def _keys(t: Table, c: Column) -> Md:
    marks = []
    if t.primary_key and c.name in t.primary_key.columns:
        marks.append("PK")
    for fk in t.foreign_keys:
        if c.name in fk.columns:
            marks.append(f"FK → {ref(fk.parent)}")
    for u in t.uniques:
        if c.name in u.columns:
            marks.append("UQ" if len(u.columns) == 1 else f"UQ ({_names(u.columns)})")
    if c.identity:
        marks.append(f"identity {c.identity}")
    if c.generated:
        marks.append("generated")
    return Md(", ".join(dict.fromkeys(marks)))


def partition_tree(catalog: Catalog, parent: Table, depth: int = 0) -> list[tuple[Table, int]]:
    out = []
    for p in catalog.partitions(parent):
        out.append((p, depth))
        out.extend(partition_tree(catalog, p, depth + 1))
    return out


def _reach_summary(r: graph.Reach) -> Md:
    parts = []
    for label_, keys in (("loses rows in", r.deleted), ("sets NULL in", r.nulled), ("sets defaults in", r.defaulted),
                         ("is refused by", r.refused)):
        if keys:
            parts.append(f"{label_} " + ", ".join(text(display_name(*k)) for k in keys))
    return Md("; ".join(parts) if parts else "reaches nothing")


def _columns_table(ctx: Context, t: Table, types: _Types) -> Md:
    from .base import md_table

    rows = []
    for c in t.columns:
        origin = ctx.inheritance.column_origin(ctx.catalog, t, c)
        comment = c.comment
        if origin is not None and not comment:
            oc = origin.column(c.name)
            comment = oc.comment if oc else None
        inherited = Md(f"inherited from {ref(origin.key)}") if origin is not None and not t.is_partition else Md("")
        rows.append([c.position, Md(f"**{text(c.name)}**"), Md(code(c.data_type) + types.note(c)),
                     "yes" if c.nullable else "NOT NULL", code(_default(c)), _keys(t, c),
                     Md(cell(comment) + (("<br>" if comment else "") + inherited if inherited else ""))])
    return md_table(["#", "Column", "Type", "Nullable", "Default", "Keys", "Comment"], rows, right=[0],
                    optional=[4, 5, 6])


def _relation(ctx: Context, t: Table, types: _Types) -> None:
    from .base import md_table

    cat, config = ctx.catalog, ctx.config
    s = table_slug(t)
    diagram, near = Md(""), {}
    if not t.is_partition:
        from .. import erd_pages

        frames, near = erd_pages.table_section(cat, config, ctx.erd, t, ctx.store)
        diagram = Md(frames)  # SVG frames built (and escaped) by erd.Svg.frame
    fks_in = list(graph.children(cat, t.key))
    used = {types.key(c) for c in t.columns}
    constraints = md_table(
        ["Name", "Kind", "Columns", "Definition", "Notes"],
        [[c.name, c.kind, _names(c.columns), code(c.definition), _constraint_notes(c)]
         for c in t.uniques + t.checks + t.exclusions], optional=[2, 4])
    indexes = md_table(
        ["Name", "Method", "Keys", "Include", "Unique", "Partial predicate", "Notes"],
        [[i.name, i.method, code(", ".join(i.key_columns)), _names(i.include_columns),
          "primary key" if i.primary else ("yes" if i.unique else ""), code(i.predicate), _index_notes(i)]
         for i in t.indexes], optional=[3, 4, 5, 6])
    triggers = md_table(
        ["Name", "Timing", "Events", "Level", "Function", "Enabled"],
        [[tr.name, tr.timing, ", ".join(tr.events), tr.level, code(tr.function),
          "disabled" if tr.disabled else ("yes" if tr.enabled == "O" else tr.enabled)] for tr in t.triggers])
    fks_out = md_table(
        ["Name", "Columns", "References", "On delete", "On update", "Referenced columns", "Notes"],
        [[fk.name, _names(fk.columns), ref(fk.parent), fk.on_delete, fk.on_update, _names(fk.ref_columns),
          _fk_notes(fk)] for fk in t.foreign_keys], optional=[6])
    referenced = md_table(
        ["Table", "Columns", "On delete", "On update", "Constraint", "Notes"],
        [[ref(fk.child), _names(fk.columns), fk.on_delete, fk.on_update, fk.name, _fk_notes(fk)] for fk in fks_in],
        optional=[5])
    partitions = md_table(
        ["Partition", "Bound"] + (["Estimated rows"] if ctx.live else []),
        [[Md("&nbsp;&nbsp;&nbsp;↳ " * d + ref(p.key)), code(p.partition_bound)] + ([ctx.rows(p)] if ctx.live else [])
         for p, d in (partition_tree(cat, t) if t.partition_key else [])], right=[2])
    enums = md_table(["Type", "Values", "Comment"],
                     [[code(display_name(e.schema, e.name)), _names(e.labels), cell(e.comment)]
                      for k, e in sorted(types.enums.items()) if k in used], optional=[2])
    domains = md_table(["Domain", "Base type", "Not null", "Default", "Checks", "Comment"],
                       [[code(display_name(d.schema, d.name)), code(d.base_type), "yes" if d.not_null else "",
                         code(d.default), code("; ".join(d.checks)), cell(d.comment)]
                        for k, d in sorted(types.domains.items()) if k in used], optional=[2, 3, 4, 5])
    children = [k for k in ctx.inheritance.children.get(t.key, ())]
    deps = ctx.inputs.dependencies
    confirmed = md_table(["Finding", "Object", "What the data shows", "Evidence"],
                         [[cell(f.kind), cell(f.object), cell(f.message), cell("; ".join(f.evidence))]
                          for f in (deps.for_table(t.display_name) if deps else ())])
    ctx.page(
        f"tables/{s}.md", "table.md.j2", t=t, diagram=diagram, near=near,
        rows=ctx.rows(t), columns=_columns_table(ctx, t, types),
        constraints=constraints if t.uniques or t.checks or t.exclusions else "",
        indexes=indexes if t.indexes else "", triggers=triggers if t.triggers else "",
        fks_out=fks_out if t.foreign_keys else "", fks_in=referenced if fks_in else "",
        reach_summary=_reach_summary(graph.reach(cat, t.key)) if fks_in else "",
        partitions=partitions if t.partition_key and cat.partitions(t) else "",
        children=children, enums=enums if any(k in types.enums for k in used) else "",
        domains=domains if any(k in types.domains for k in used) else "",
        confirmed=confirmed if deps and deps.for_table(t.display_name) else "")


#: From this many relations on, the relation pages (and their diagrams, most of a build's time) are
#: made by forked worker processes, one per core, each taking every n-th relation.
PARALLEL_MIN_TABLES = 200


def _relations(ctx: Context, types: _Types, tables: list[Table]) -> None:
    for t in tables:
        _relation(ctx, t, types)


def _share(state: tuple, index: int, step: int) -> tuple:
    """In a forked worker: the pages of one share of the relations, and what that share added (a worker
    process takes several shares, so every figure is the share's difference)."""
    from .. import erd_cache

    ctx, types, tables = state
    before_files, before_drawn = set(ctx.files), set(ctx.drawn)
    timings0, diagrams0 = dict(ctx.timings), ctx.diagrams
    cache = erd_cache.current()
    used0, hits0, misses0 = (set(cache.used), cache.hits, cache.misses) if cache is not None else (set(), 0, 0)
    _relations(ctx, types, tables[index::step])
    used = (cache.used - used0, cache.hits - hits0, cache.misses - misses0) if cache is not None else (set(), 0, 0)
    drawn = {k: v for k, v in ctx.drawn.items() if k not in before_drawn}
    # an SVG file is its drawn text (Context.store): sent once, as the Svg, and as its cache key alone
    # when the layout cache holds it (the parent reads the entry's file: erd_cache.file_bytes)
    files = {k: v for k, v in ctx.files.items() if k not in before_files and k not in drawn}
    drawn = {k: replace(v, text="") if v is not None and v.key and v.text else v for k, v in drawn.items()}
    timings = {k: ctx.timings[k] - timings0[k] for k in ctx.timings}
    return files, drawn, timings, ctx.diagrams - diagrams0, used


class _Pending:
    """The relation pages being written by forked workers while the parent writes the other pages."""

    def __init__(self, ctx: Context, shares) -> None:  # noqa: ANN001 - forked.Shares
        self.ctx, self.shares = ctx, shares

    def finish(self) -> None:
        """Wait for the workers and merge their results as if made here (pages are pure)."""
        from .. import erd_cache

        ctx, cache = self.ctx, erd_cache.current()
        for files, drawn, timings, diagrams, (used, hits, misses) in self.shares.results():
            ctx.files.update(files)
            for k, svg in drawn.items():
                if svg is not None and svg.key and not svg.text:  # sent by key: its text is read when needed
                    ctx.files[k] = erd_cache.file_bytes(svg.key)
                elif svg is not None and svg.text:
                    ctx.files[k] = (svg.text + "\n").encode("utf-8")
                ctx.drawn[k] = svg
            for k in ctx.timings:  # summed over the workers: process seconds, not wall
                ctx.timings[k] += timings[k]
            ctx.diagrams += diagrams
            if cache is not None:
                cache.used |= used
                cache.hits += hits
                cache.misses += misses

    def cancel(self) -> None:
        """Stop the workers (when the parent fails before `finish`)."""
        self.shares.cancel()


def _parallel(ctx: Context, types: _Types, tables: list[Table], workers: int) -> _Pending:
    """`_relations` split over forked processes, started (the caller goes on and then calls `finish`)."""
    from ..forked import Shares

    return _Pending(ctx, Shares(_share, (ctx, types, tables), workers))


def start(ctx: Context) -> _Pending | None:
    """From PARALLEL_MIN_TABLES relations on, the relation pages are written by forked workers, started
    before the other pages so that the parent writes those meanwhile; `write` then waits for them."""
    from .. import forked

    workers = forked.cores()
    if len(ctx.catalog.tables) >= PARALLEL_MIN_TABLES and workers > 1:
        return _parallel(ctx, _Types(ctx.catalog), list(ctx.catalog.tables), workers)
    return None


def write(ctx: Context, pending: _Pending | None = None) -> None:
    cat = ctx.catalog
    if pending is not None:
        pending.finish()
    else:
        _relations(ctx, _Types(cat), list(cat.tables))
    by_schema: list[tuple[str, list[tuple[Table, int]]]] = []
    for schema in sorted({t.schema for t in cat.tables}):
        items: list[tuple[Table, int]] = []
        for t in cat.tables:
            if t.schema == schema and not t.is_partition:
                items.append((t, 0))
                if t.partition_key:
                    items.extend((p, d + 1) for p, d in partition_tree(cat, t))
        orphans = [(t, 1) for t in cat.tables if t.schema == schema and t.is_partition
                   and (cat.get(t.partition_of[1], t.partition_of[0]) is None)]
        by_schema.append((schema, items + orphans))
    ctx.page(PATH, "tables.md.j2", rows=cat.tables, schemas=cat.schemas, by_schema=by_schema,
             schema_comments={s.name: s.comment for s in cat.schemas if s.comment}, rows_of=ctx.rows)
