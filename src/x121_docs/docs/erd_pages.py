"""The diagram pages: the Diagrams page (whole schema, overview of groups or names-only map), one
page per group, and the neighbourhood diagrams on each table page.

Kept apart from `pages.py` so that what a diagram folds, and what its page says about it, are
decided in one place: the page text is generated from the same sets the drawing used (a table
the text calls folded is never drawn with edges, and the other way round).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from ..catalog import graph
from ..catalog.model import Catalog, Table, display_name
from . import erd
from .config import DocsConfig
from .groups import HUBS, LOOKUPS, UNLINKED, domain_groups, hubs, infrastructure, lookups, prefix_groups
from .names import slug, table_slug

Key = tuple[str, str]
Store = Callable[[str, Callable[[], erd.Svg]], "erd.Svg | None"]


@dataclass(frozen=True)
class Schema:
    """The grouping facts every diagram page reads, computed once per build."""

    groups: tuple
    lookups: tuple[Key, ...]
    hubs: tuple[Key, ...]
    infrastructure: tuple[Key, ...]

    @property
    def folded(self) -> set[Key]:
        return set(self.lookups) | set(self.hubs)

    @functools.cached_property
    def size(self) -> int:
        """The tables the diagrams draw (every group's), as the Diagrams page counts them."""
        return len({k for g in self.groups for k in g.tables})


def schema_facts(cat: Catalog, config: DocsConfig) -> Schema:
    return Schema(domain_groups(cat, config), lookups(cat, config), hubs(cat, config), infrastructure(cat, config))


def _names(keys) -> str:
    return ", ".join(display_name(*k) for k in sorted(keys))


def _link(prefix: str) -> Callable[[Key], str]:
    return lambda k: f"{prefix}{slug(*k)}.html"


def inferred_references(cat: Catalog) -> list[tuple[Key, str, Key]]:
    """(child, column, parent) for integer `*_id` columns no FK covers whose name evidently points at a
    table with a one-column integer key (Table.soft_reference_columns + integrity's name rule)."""
    from ..integrity.naming import guess_parent

    out = []
    for t in cat.base_tables:
        if t.is_partition:
            continue
        for col in t.soft_reference_columns():
            parent = guess_parent(cat, t, col.name)
            if parent is None or parent.primary_key is None or len(parent.primary_key.columns) != 1:
                continue
            key_col = parent.column(parent.primary_key.columns[0])
            if key_col is not None and key_col.is_integer and parent.key != t.key:  # a table's own key is no reference
                out.append((t.key, col.name, parent.key))
    return sorted(out)


def table_section(cat: Catalog, config: DocsConfig, facts: Schema, t: Table, store: Store) -> tuple[str, dict]:
    """The neighbourhood diagram of a table page (raw HTML) and what its text says: the default view
    (distance from the config, hubs and lookups folded) plus distance 1 / 2 / with hubs where they differ."""
    s = table_slug(t)
    folded = facts.folded - {t.key}
    infra = set(facts.infrastructure)
    columns_ok = lambda n: n <= config.columns_max_tables  # noqa: E731
    base = max(config.neighbourhood_distance, 1)
    other = 2 if base == 1 else 1
    # label, file, keys, folded, columns, laid out in the browser
    variants: list[tuple[str, str, tuple[Key, ...], set[Key], bool | str, bool]] = []
    seen: set[tuple] = set()
    large = facts.size >= config.browser_layout_min_tables
    for label, name, distance, fold in ((f"distance {base}", f"tables/{s}", base, folded),
                                        (f"distance {other}", f"tables/{s}.d{other}", other, folded),
                                        (f"distance {base} with hubs", f"tables/{s}.hubs", base,
                                         folded - set(facts.hubs))):
        keys = tuple(k for k in graph.neighbourhood(cat, t.key, distance, exclude=fold - {t.key}) if k not in infra)
        # A view that draws the same boxes as an earlier one is left out (with hubs: only where a hub is near),
        # and so is another view larger than neighbourhood_views_max_tables (the default view always stays).
        if keys not in seen and (not variants or len(keys) <= config.neighbourhood_views_max_tables):
            seen.add(keys)
            # Beyond distance 1 the other boxes show their key columns only (erd.KEYS): what links them.
            columns = columns_ok(len(keys)) and (erd.KEYS if distance >= 2 else True)
            # In a large schema the views beyond distance 1 are laid out by the reader's browser, never the first.
            browser = large and distance >= 2 and bool(variants)
            variants.append((f"{label}, key columns" if columns == erd.KEYS else label,
                             name + (erd.BROWSER if browser else ".svg"), keys, fold, columns, browser))
    frames = []
    stored = []
    for label, name, keys, fold, columns, browser in variants:
        svg = store(name, lambda keys=keys, fold=fold, columns=columns, browser=browser: erd.draw(
            cat, keys, link=_link(""), folded=fold, focus=t.key, columns=columns, stubs=False, in_browser=browser))
        if svg is not None and svg.text:
            stored.append((label, name, svg))
    if not stored:
        return "", {}
    label, name, svg = stored[0]
    views = [erd.View(lbl, n.rpartition("/")[2]) for lbl, n, _ in stored[1:]]
    frames.append(svg.frame(name.rpartition("/")[2], views, current=label))
    hubs_near = sorted({k for k in graph.adjacent(cat, t.key) if k in set(facts.hubs) and k != t.key})
    folded_here = sorted({display_name(*fk.parent) for fk in graph.parents(cat, t.key)
                          if fk.parent in folded and fk.parent != t.key})
    return "".join(frames), {"distance": base, "folded_here": folded_here,
                             "hubs_near": [display_name(*k) for k in hubs_near],
                             "views": [lbl for lbl, _, _ in stored]}


def erd_files(cat: Catalog, config: DocsConfig, facts: Schema, render: Callable[..., str], store: Store,
              tidy: Callable[[str], bytes]) -> dict[str, bytes]:
    """erd.md and erd/<group>.md with their diagrams (stored through `store`)."""
    groups = facts.groups
    files: dict[str, bytes] = {}
    drawable = sorted({k for g in groups for k in g.tables})
    n_tables = len(drawable)
    no_fks = n_tables > 0 and not graph.declared_foreign_keys(cat)
    columns_ok = lambda n: n <= config.columns_max_tables  # noqa: E731
    ctx = dict(n_tables=n_tables, max_tables=config.whole_schema_max_tables, group_max=config.group_max_tables,
               groups=groups, no_fks=no_fks, overview="", whole="", names_map="", inferred=0,
               hubs=_names(facts.hubs), lookups_folded=_names(facts.lookups),
               infrastructure=[(display_name(*k), f"tables/{slug(*k)}.md") for k in facts.infrastructure],
               classic=False, classic_note="", kinds={HUBS: "hub tables", LOOKUPS: "lookup tables",
                                                      UNLINKED: "no FK either way"})

    def frame(path: str, fn: Callable[[], erd.Svg]) -> str:
        svg = store(path, fn)
        return svg.frame(path.rpartition("/")[2]) if svg is not None and svg.text else ""

    if no_fks:
        inside = set(drawable)
        inferred = [r for r in inferred_references(cat) if r[0] in inside and r[2] in inside]
        clusters = prefix_groups(drawable, config.group_max_tables)
        ctx["inferred"] = len(inferred)
        ctx["names_map"] = frame("erd-names.svg", lambda: erd.draw_names_map(cat, clusters, link=_link("tables/"),
                                                                             inferred=inferred))
    elif n_tables > config.whole_schema_max_tables:
        ctx["overview"] = frame("erd-overview.svg", lambda: erd.draw_overview(
            cat, groups, link=lambda s: f"erd/{s}.html", hub_link=_link("tables/"), hub_keys=facts.hubs))
    elif n_tables:
        ctx["whole"] = frame("erd-schema.svg", lambda: erd.draw(
            cat, drawable, link=_link("tables/"), folded=facts.lookups, columns=columns_ok(n_tables), stubs=False))
        ctx["whole_folded"] = _names(set(facts.lookups) & set(drawable))
    if 0 < n_tables <= config.classic_max_tables:
        classic = store("erd/schema-eralchemy.svg", lambda: erd.eralchemy_svg(cat, drawable))
        ctx["classic"] = bool(classic is not None and classic.text)
        ctx["classic_note"] = classic.note if classic is not None else ""
    elif n_tables:
        ctx["classic_note"] = (f"The classic eralchemy ERD is drawn up to {config.classic_max_tables} tables "
                               f"(`classic_max_tables` in `docs/erd.yml`); this schema has {n_tables}.")
    files["erd.md"] = tidy(render("erd.md.j2", **ctx))

    for g in groups:
        fold_here = facts.folded - set(g.tables)
        stubs = g.kind not in (HUBS, LOOKUPS, UNLINKED)
        html = frame(f"erd/{g.slug}.svg", lambda g=g, fold_here=fold_here, stubs=stubs: erd.draw(
            cat, g.tables, link=_link("../tables/"), folded=fold_here, columns=columns_ok(len(g.tables)),
            stubs=stubs, focus=None))
        folded_used = sorted({fk.parent for k in g.tables for fk in graph.parents(cat, k)
                              if fk.parent in fold_here and fk.parent != k})
        files[f"erd/{g.slug}.md"] = tidy(render(
            "erd_group.md.j2", group=g, diagram=html, stubs=stubs, folded_used=_names(folded_used),
            tables=[cat.table(k[1], k[0]) for k in g.tables]))
    return files
