"""ER diagrams as deterministic SVG: Graphviz through the pygraphviz wheel (no system package).

Our own renderer draws the linked diagrams (every box links to its table page, lookup and hub
tables folded into the referencing columns as `status_id → scene_statuses`, FK edges styled by
ON DELETE).  eralchemy draws the classic printable whole-schema ERD from an SQLAlchemy MetaData
built from the catalog model (no second reflection) where the names allow it.  Every SVG goes
through `normalize_svg`, which strips what Graphviz varies or leaks (version comments, ids).
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from ..catalog import graph
from ..catalog.model import (CASCADE, MATERIALIZED_VIEW, PARTITIONED_TABLE, SET_DEFAULT, SET_NULL, VIEW, Catalog,
                             ForeignKey, Table, display_name)

Key = tuple[str, str]

FONT = "Helvetica,Arial,sans-serif"
_HEADER = {VIEW: "#1e7a4c", MATERIALIZED_VIEW: "#11766f", PARTITIONED_TABLE: "#5b3a8c"}
_HEADER_TABLE = "#1f4e79"
_HEADER_FOCUS = "#b9520f"
_EDGE = {CASCADE: ("#c0392b", "solid"), SET_NULL: ("#b7791f", "dashed"), SET_DEFAULT: ("#b7791f", "dashed")}
_EDGE_OTHER = ("#56606b", "solid")


@dataclass(frozen=True)
class Svg:
    """A normalized SVG and its natural size in px (for the pan/zoom frame)."""

    text: str
    width: float
    height: float

    def frame(self, src: str) -> str:
        """A raw-HTML block for a Markdown page that shows the SVG file `src` (relative to the page).

        The page stays small (MkDocs and its search index never parse the diagram): the vendored
        script fetches the file and inlines it for pan, zoom and links; without script, or from
        file://, the <object> shows it as it is (its links open in the top window).
        """
        # The frame fits the diagram scaled to the content column (~780 px), between 140 and 720 px.
        scale = min(1.0, 780.0 / self.width) if self.width else 1.0
        height = int(min(max(self.height * scale + 24, 140), 720))
        src = html.escape(src)
        return (f'<div class="x121-erd" data-src="{src}" data-width="{self.width:.0f}" '
                f'data-height="{self.height:.0f}" style="height:{height}px">'
                f'<object type="image/svg+xml" data="{src}" aria-label="diagram"></object></div>\n'
                f'<a class="x121-erd-download" href="{src}">open the SVG</a>\n')


@contextmanager
def _quiet_stderr():
    """Graphviz's fontconfig prints warnings about the host's config files on fd 2: hide them."""
    try:
        fd = os.dup(2)
    except OSError:  # pragma: no cover
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)


_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
_PROLOG = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def normalize_svg(raw: bytes | str) -> Svg:
    """Byte-stable SVG: no prolog, comments or generated ids; scales to its frame (viewBox kept)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    text = _PROLOG.sub("", _COMMENT.sub("", text))
    text = re.sub(r'\sid="[^"]*"', "", text)
    m = _SIZE.search(text)
    width, height = (float(m.group(1)) * 4 / 3, float(m.group(2)) * 4 / 3) if m else (800.0, 600.0)
    text = _SIZE.sub('<svg width="100%" height="100%"', text, count=1)
    text = "\n".join(line.rstrip() for line in text.splitlines() if line.strip())
    return Svg(text, width, height)


def layout(dot_source: str | None = None, agraph=None) -> Svg:
    """Lay out with dot and normalize (the one place Graphviz runs)."""
    import pygraphviz

    g = agraph if agraph is not None else pygraphviz.AGraph(string=dot_source)
    with _quiet_stderr():
        raw = g.draw(format="svg", prog="dot")
    return normalize_svg(raw)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _header_color(table: Table, focus: bool) -> str:
    return _HEADER_FOCUS if focus else _HEADER.get(table.kind, _HEADER_TABLE)


def _fk_columns(table: Table) -> dict[str, ForeignKey]:
    """First column of each outgoing FK -> the FK (where the folded target is written)."""
    out: dict[str, ForeignKey] = {}
    for fk in table.foreign_keys:
        if fk.inherited_from is None and fk.columns:
            out.setdefault(fk.columns[0], fk)
    return out


def _label(table: Table, *, focus: bool, columns: bool, folded: set[Key]) -> str:
    color = _header_color(table, focus)
    kind = "" if table.kind == "table" else f' <FONT POINT-SIZE="8">({_e(table.kind)})</FONT>'
    rows = [f'<TR><TD BGCOLOR="{color}" COLSPAN="2" ALIGN="LEFT"><FONT COLOR="white"><B>{_e(table.display_name)}</B>'
            f'{kind}</FONT></TD></TR>']
    if columns:
        pk = set(table.primary_key.columns) if table.primary_key else set()
        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        first = _fk_columns(table)
        for col in table.columns:
            marks = ("PK " if col.name in pk else "") + ("FK " if col.name in fk_cols else "")
            name = _e(col.name)
            fk = first.get(col.name)
            if fk is not None and fk.parent in folded and fk.parent != table.key:
                name += f" &#8594; {_e(display_name(*fk.parent))}"
            null = "" if col.nullable else " NN"
            rows.append(f'<TR><TD ALIGN="LEFT" PORT="c{col.position}">{_e(marks)}{name}</TD>'
                        f'<TD ALIGN="LEFT"><FONT COLOR="#555555">{_e(col.data_type)}{null}</FONT></TD></TR>')
    else:
        folded_fks = sorted({fk.parent for fk in table.foreign_keys if fk.parent in folded and fk.parent != table.key})
        if folded_fks:
            rows.append('<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="8" COLOR="#555555">&#8594; '
                        + _e(", ".join(display_name(*k) for k in folded_fks)) + "</FONT></TD></TR>")
    return ('<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>")


def draw(catalog: Catalog, keys: Iterable[Key], *, link: Callable[[Key], str], folded: Iterable[Key] = (),
         focus: Key | None = None, columns: bool = True, stubs: bool = True) -> Svg:
    """An ERD of `keys`; FKs to tables outside it end at small grey stub boxes (when `stubs`).

    `folded` tables (lookups, hubs) are not drawn (unless in `keys` as the focus) and appear
    in the referencing column instead.  Every box links to its table page through `link`.
    """
    import pygraphviz

    folded_set = set(folded) - ({focus} if focus else set())
    members = sorted(k for k in set(keys) if k not in folded_set)
    member_set = set(members)
    g = pygraphviz.AGraph(directed=True, strict=False)
    g.graph_attr.update(rankdir="LR", fontname=FONT, fontsize="10", nodesep="0.3", ranksep="0.7", bgcolor="white",
                        pad="0.2")
    g.node_attr.update(shape="plaintext", fontname=FONT, fontsize="10", target="_top")
    g.edge_attr.update(fontname=FONT, fontsize="8", arrowsize="0.7", dir="both", arrowtail="crow", arrowhead="tee")
    ids: dict[Key, str] = {}
    for i, key in enumerate(members):
        table = catalog.table(key[1], key[0])
        ids[key] = f"n{i}"
        g.add_node(ids[key], label=_label(table, focus=key == focus, columns=columns, folded=folded_set),
                   URL=link(key), tooltip=f"{table.display_name} ({table.kind})")
    edges: list[tuple[ForeignKey, Key, Key]] = []
    outside: set[Key] = set()
    for key in members:
        for fk in graph.parents(catalog, key):
            if fk.parent in folded_set and fk.parent != key:
                continue
            if fk.parent not in member_set:
                if not stubs:
                    continue
                outside.add(fk.parent)
            edges.append((fk, fk.child, fk.parent))
        if stubs:
            for fk in graph.children(catalog, key):
                if fk.child not in member_set and fk.child not in folded_set:
                    outside.add(fk.child)
                    edges.append((fk, fk.child, fk.parent))
    for j, key in enumerate(sorted(outside)):
        ids[key] = f"s{j}"
        g.add_node(ids[key], label=_e(display_name(*key)), shape="box", style="dashed,rounded", color="#999999",
                   fontcolor="#666666", URL=link(key), tooltip=f"{display_name(*key)} (outside this diagram)")
    for fk, child, parent in sorted(set(edges), key=lambda e: (e[1], e[0].name)):
        color, style = _EDGE.get(fk.on_delete, _EDGE_OTHER)
        attrs = dict(color=color, style=style,
                     tooltip=f"{fk.name}: ({', '.join(fk.columns)}) -> {display_name(*fk.parent)}"
                             f" ON DELETE {fk.on_delete} ON UPDATE {fk.on_update}")
        child_t = catalog.get(child[1], child[0])
        if columns and child in member_set and child_t is not None:
            col = child_t.column(fk.columns[0])
            if col is not None:
                attrs["tailport"] = f"c{col.position}"
        g.add_edge(ids[child], ids[parent], **attrs)
    return layout(agraph=g)


def draw_overview(catalog: Catalog, groups, *, link: Callable[[str], str], folded: Iterable[Key] = ()) -> Svg:
    """The whole schema as one box per group (with its table count), edges = FKs between groups."""
    import pygraphviz

    folded_set = set(folded)
    where = {k: gr.slug for gr in groups for k in gr.tables}
    g = pygraphviz.AGraph(directed=True, strict=True)
    g.graph_attr.update(rankdir="LR", fontname=FONT, fontsize="10", bgcolor="white", pad="0.2")
    g.node_attr.update(shape="box", style="rounded,filled", fillcolor="#eef3f8", fontname=FONT, fontsize="10",
                       target="_top")
    g.edge_attr.update(fontname=FONT, fontsize="8", color="#56606b", arrowsize="0.7")
    for gr in groups:
        g.add_node(gr.slug, label=f"{gr.title}\n{len(gr.tables)} tables", URL=link(gr.slug), tooltip=gr.title)
    counts: dict[tuple[str, str], int] = {}
    for fk in graph.declared_foreign_keys(catalog):
        a, b = where.get(fk.child), where.get(fk.parent)
        if a and b and a != b and fk.parent not in folded_set:
            counts[(a, b)] = counts.get((a, b), 0) + 1
    for (a, b), n in sorted(counts.items()):
        g.add_edge(a, b, label=str(n), tooltip=f"{n} foreign keys")
    return layout(agraph=g)


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def eralchemy_svg(catalog: Catalog, keys: Iterable[Key]) -> Svg | None:
    """The classic ERD drawn by eralchemy from a MetaData built from the model.

    None when a name would break eralchemy's unescaped Graphviz labels (quoted names with
    spaces, quotes or angle brackets): the linked diagrams cover those schemas.
    """
    import sqlalchemy as sa
    from eralchemy.main import intermediary_to_dot
    from eralchemy.sqla import metadata_to_intermediary

    tables = [catalog.table(k[1], k[0]) for k in sorted(keys)]
    names = [t.name for t in tables] + [t.schema for t in tables] + [c.name for t in tables for c in t.columns]
    if not tables or not all(_PLAIN.fullmatch(n) for n in names):
        return None

    class _PgType(sa.types.UserDefinedType):
        cache_ok = True

        def __init__(self, spec: str):
            self.spec = spec

        def get_col_spec(self, **kw) -> str:
            return self.spec

    md = sa.MetaData()
    built: dict[Key, sa.Table] = {}
    for t in tables:
        pk = set(t.primary_key.columns) if t.primary_key else set()
        built[t.key] = sa.Table(t.name, md, *[sa.Column(c.name, _PgType(_e(c.data_type)), primary_key=c.name in pk,
                                                         nullable=c.nullable) for c in t.columns],
                                schema=None if t.schema == "public" else t.schema)
    for t in tables:
        for fk in graph.parents(catalog, t.key):
            parent = built.get(fk.parent)
            if parent is None or not all(c in parent.c for c in fk.ref_columns):
                continue
            built[t.key].append_constraint(sa.ForeignKeyConstraint(
                list(fk.columns), [parent.c[c] for c in fk.ref_columns], name=fk.name))
    ertables, relations = metadata_to_intermediary(md)
    dot = intermediary_to_dot(ertables, sorted(relations, key=lambda r: (r.right_table, r.right_column,
                                                                          r.left_table, r.left_column)))
    return layout(dot_source=dot.decode("utf-8"))
