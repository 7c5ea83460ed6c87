"""An ERD of the changed neighbourhood: added green, removed red, changed amber, neighbours grey.

Drawn from both catalogs at once (a removed table or FK only exists in the base), with Graphviz
through pygraphviz and the docs' own `erd.layout` (same normalisation, so the SVG is byte-stable
and the site's viewer shows it).  Every name goes through `html.escape` into Graphviz's HTML-like
labels and is backslash-safe in plain attributes: a hostile table name is text, never markup.
Each box and edge carries an SVG class (`x121_added`, ...; Graphviz would escape a hyphen) besides its colour, for tools and tests.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from ..catalog import graph
from ..catalog.model import Catalog, ForeignKey, Table, display_name
from ..docs.erd import FONT, Svg, layout
from .diff import ADDED, CHANGED, REMOVED, RENAMED, SchemaDiff

Key = tuple[str, str]

UNCHANGED = "unchanged"
#: status -> (line colour, fill colour)
COLOURS = {ADDED: ("#2e7d32", "#e8f5e9"), REMOVED: ("#c62828", "#ffebee"), CHANGED: ("#b26a00", "#fff3d6"),
           UNCHANGED: ("#9e9e9e", "#f5f5f5")}
MAX_NEIGHBOURS = 40
MAX_DETAILED = 80  # above this many changed tables, boxes show names only (a readable, fast layout)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _attr(text: str) -> str:
    """A plain Graphviz attribute value: no escape sequences (\\N, \\G, ...) from names."""
    return text.replace("\\", "\\\\")


def _status_of_tables(d: SchemaDiff) -> dict[Key, str]:
    status: dict[Key, str] = {}
    for k in d.changed_tables:
        status[k] = CHANGED
    for old, new in d.renamed_tables:
        status[new] = CHANGED
    for k in d.added_tables:
        status[k] = ADDED
    for k in d.removed_tables:
        status[k] = REMOVED
    return status


def _column_status(d: SchemaDiff, key: Key) -> dict[str, str]:
    out: dict[str, str] = {}
    prefix = display_name(*key) + "."
    for c in d.by_table.get(key, ()):
        if c.kind == "column" and c.name.startswith(prefix):
            out[c.name[len(prefix):]] = CHANGED if c.action == RENAMED else c.action
        elif c.kind == "comment" and c.name.startswith("column " + prefix):
            out.setdefault(c.name[len("column " + prefix):], CHANGED)
    return out


def _label(base_t: Table | None, head_t: Table | None, status: str, col_status: dict[str, str], detail: bool) -> str:
    t = head_t or base_t
    line, fill = COLOURS[status]
    word = "" if status == UNCHANGED else f" ({status})"
    rows = [f'<TR><TD BGCOLOR="{line}" COLSPAN="2" ALIGN="LEFT"><FONT COLOR="white"><B>{_e(t.display_name)}</B>'
            f'{_e(word)}</FONT></TD></TR>']
    if detail:
        cols = list(head_t.columns) if head_t else []
        if base_t is not None:
            present = {c.name for c in cols}
            cols += [c for c in base_t.columns if c.name not in present]  # removed columns, at the end
        for col in cols:
            st = col_status.get(col.name)
            if head_t is None or status == REMOVED:
                st = REMOVED
            name, typ = _e(col.name), _e(col.data_type)
            if st == REMOVED:
                name, typ = f"<S>{name}</S>", f"<S>{typ}</S>"
            bg = f' BGCOLOR="{COLOURS[st][1]}"' if st in COLOURS and status != ADDED and status != REMOVED else ""
            mark = {ADDED: "+ ", REMOVED: "- ", CHANGED: "~ "}.get(st or "", "")
            rows.append(f'<TR><TD ALIGN="LEFT"{bg}>{_e(mark)}{name}</TD><TD ALIGN="LEFT"{bg}>'
                        f'<FONT COLOR="#555555">{typ}{"" if col.nullable else " NN"}</FONT></TD></TR>')
    return ('<<TABLE BORDER="1" COLOR="' + line + '" BGCOLOR="' + fill + '" CELLBORDER="0" CELLSPACING="0" '
            'CELLPADDING="3">' + "".join(rows) + "</TABLE>>")


def _fks(catalog: Catalog, keys: set[Key]) -> dict[tuple[Key, str], ForeignKey]:
    return {(fk.child, fk.name): fk for fk in graph.declared_foreign_keys(catalog)
            if fk.child in keys and fk.parent in keys}


def members(base: Catalog, head: Catalog, d: SchemaDiff) -> tuple[dict[Key, str], tuple[Key, ...]]:
    """(status per drawn table, grey neighbours): touched tables plus one FK hop around them."""
    status = _status_of_tables(d)
    touched = set(d.touched()) - {old for old, _ in d.renamed_tables}  # a renamed table is drawn once, as it is now
    for k in touched:
        status.setdefault(k, CHANGED if k in d.by_table else UNCHANGED)
    near: set[Key] = set()
    for k in sorted(touched):
        for cat in (head, base):
            if cat.get(k[1], k[0]) is not None:
                near |= set(graph.adjacent(cat, k))
    near -= touched
    grey = tuple(sorted(near)[:MAX_NEIGHBOURS])
    for k in grey:
        status[k] = UNCHANGED
    return status, grey


def draw(base: Catalog, head: Catalog, d: SchemaDiff, link: Callable[[Key], str | None] | None = None) -> Svg | None:
    """The diagram of the change, or None when no table changed."""
    import pygraphviz

    status, grey = members(base, head, d)
    if not status:
        return None
    keys = sorted(status)
    g = pygraphviz.AGraph(directed=True, strict=False)
    g.graph_attr.update(rankdir="LR", fontname=FONT, fontsize="10", nodesep="0.3", ranksep="0.7", bgcolor="white",
                        pad="0.2")
    g.node_attr.update(shape="plaintext", fontname=FONT, fontsize="10", target="_top")
    g.edge_attr.update(fontname=FONT, fontsize="8", arrowsize="0.7", dir="both", arrowtail="crow", arrowhead="tee")
    ids = {k: f"n{i}" for i, k in enumerate(keys)}
    grey_set = set(grey)
    detailed = len(keys) - len(grey) <= MAX_DETAILED
    for k in keys:
        b, h = base.get(k[1], k[0]), head.get(k[1], k[0])
        st = status[k]
        attrs = dict(label=_label(b, h, st, _column_status(d, k), detail=detailed and k not in grey_set),
                     tooltip=_attr(f"{display_name(*k)}: {st}"), **{"class": f"x121_{st.replace(' ', '_')}"})
        url = link(k) if link and h is not None else None
        if url:
            attrs["URL"] = _attr(url)
        g.add_node(ids[k], **attrs)
    drawn = set(keys)
    fb, fh = _fks(base, drawn), _fks(head, drawn)
    changed_fks = {(c.table, c.name.split(".")[-1]) for c in d.changes if c.kind == "foreign key" and c.action == CHANGED}
    for ident in sorted(set(fb) | set(fh)):
        old, new = fb.get(ident), fh.get(ident)
        fk = new or old
        if fk.child in grey_set and fk.parent in grey_set:
            continue  # between two neighbours: not part of the change
        if old is None:
            st = ADDED if fk.child not in d.removed_tables else REMOVED
        elif new is None:
            st = REMOVED
        elif ident in changed_fks or (ident[0], fk.name) in changed_fks:
            st = CHANGED
        else:
            st = UNCHANGED
        if st == ADDED and fk.child in d.added_tables:
            st = ADDED
        line, _ = COLOURS[st]
        action = fk.on_delete if old is None or new is None or old.on_delete == new.on_delete \
            else f"{old.on_delete} \u2192 {new.on_delete}"
        g.add_edge(ids[fk.child], ids[fk.parent], color=line, fontcolor=line,
                   style="dashed" if st == REMOVED else ("bold" if st in (ADDED, CHANGED) else "solid"),
                   label=_attr(f"{fk.name}\nON DELETE {action}" if st != UNCHANGED else ""),
                   tooltip=_attr(f"{fk.name}: {display_name(*fk.child)}({', '.join(fk.columns)}) -> "
                                 f"{display_name(*fk.parent)} ON DELETE {action}: {st}"),
                   **{"class": f"x121_fk x121_{st.replace(' ', '_')}"})
    return layout(agraph=g)
