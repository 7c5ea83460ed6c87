"""Which tables a diagram folds (lookups, hubs) and how the schema splits into domain groups.

Configured groups come first.  The remaining tables are grouped by modularity communities
(networkx) of the FK graph, hubs and lookups included with a light weight so that a table whose
only FKs go to a hub stays beside that hub; hubs and lookups are then taken out into groups of
their own (they would join everything).  A community larger than the cap is split again by
modularity, and by a Kernighan-Lin bisection where modularity finds no cut, so no group ever
exceeds `group_max_tables`.  Only tables with no FK in either direction are "unlinked"; they
are grouped by name prefix.  Infrastructure tables (the migration ledger) are kept apart.
Everything is deterministic: graphs are built in sorted order, ties broken by name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

import networkx as nx

from ..catalog import graph
from ..catalog.model import Catalog, display_name
from .config import DocsConfig

Key = tuple[str, str]

DOMAIN, HUBS, LOOKUPS, UNLINKED = "domain", "hubs", "lookups", "unlinked"
#: Weight of an FK into a hub or a lookup in the community graph (a plain FK weighs 1).
HUB_WEIGHT = 0.25


@dataclass(frozen=True)
class Group:
    title: str
    slug: str
    tables: tuple[Key, ...]
    configured: bool
    kind: str = DOMAIN  # DOMAIN | HUBS | LOOKUPS | UNLINKED
    centre: Key | None = None  # the best-connected member (the diagram opens on it)


def _matches(key: Key, patterns: tuple[str, ...]) -> bool:
    schema, name = key
    return any(fnmatchcase(name, p) or fnmatchcase(f"{schema}.{name}", p) for p in patterns)


def infrastructure(catalog: Catalog, config: DocsConfig) -> tuple[Key, ...]:
    """Tables of the tooling, not of the schema (the SQLx ledger): listed apart, never drawn."""
    return tuple(t.key for t in catalog.tables if not t.is_partition and _matches(t.key, config.infrastructure_tables))


def diagram_tables(catalog: Catalog, config: DocsConfig | None = None) -> tuple[Key, ...]:
    """Relations drawn in ERDs: tables, partitioned tables, foreign tables and views; not partitions
    nor infrastructure tables."""
    infra = set(infrastructure(catalog, config)) if config else set()
    return tuple(t.key for t in catalog.tables if not t.is_partition and t.key not in infra)


def lookups(catalog: Catalog, config: DocsConfig) -> tuple[Key, ...]:
    """Lookup (status) tables: named by the configured suffixes or names, holding rows, not partitions."""
    return tuple(t.key for t in catalog.base_tables if not t.is_partition and config.is_lookup_name(t.schema, t.name))


def hubs(catalog: Catalog, config: DocsConfig) -> tuple[Key, ...]:
    """Configured hubs plus tables referenced from at least `hub_min_references` other tables."""
    found = set()
    lookup = set(lookups(catalog, config))
    infra = set(infrastructure(catalog, config))
    for t in catalog.base_tables:
        if t.key in lookup or t.key in infra or t.is_partition:
            continue
        named = _matches(t.key, config.hubs)
        referrers = {fk.child for fk in graph.children(catalog, t.key)} - {t.key}
        if named or (config.hub_min_references and len(referrers) >= config.hub_min_references):
            found.add(t.key)
    return tuple(sorted(found))


def fk_graph(catalog: Catalog, tables, light=frozenset()) -> nx.Graph:
    """Undirected FK graph over `tables` (sorted insertion: deterministic), weight = FKs between the
    pair, FKs touching a table in `light` count HUB_WEIGHT; self-references left out."""
    members = set(tables)
    g = nx.Graph()
    g.add_nodes_from(sorted(members))
    for fk in graph.declared_foreign_keys(catalog):
        a, b = fk.child, fk.parent
        if a == b or a not in members or b not in members:
            continue
        w = HUB_WEIGHT if (a in light or b in light) else 1.0
        if g.has_edge(a, b):
            g[a][b]["weight"] += w
        else:
            g.add_edge(a, b, weight=w)
    return g


def linked_tables(catalog: Catalog) -> set[Key]:
    """Tables with at least one declared FK in either direction (self-references do not count)."""
    out: set[Key] = set()
    for fk in graph.declared_foreign_keys(catalog):
        if fk.child != fk.parent:
            out.update((fk.child, fk.parent))
    return out


def _int_graph(g: nx.Graph, nodes) -> tuple[nx.Graph, list[Key]]:
    """The subgraph on `nodes` as a new graph with integer labels in sorted order, edges inserted sorted.

    networkx breaks ties by the order it meets nodes and edges, and a subgraph view iterates a Python
    set of table-name tuples (hash-seeded per process): a plain graph built in sorted order makes the
    communities, and so the generated pages, the same in every run."""
    keys = sorted(nodes)
    index = {k: i for i, k in enumerate(keys)}
    h = nx.Graph()
    h.add_nodes_from(range(len(keys)))
    edges = sorted((min(index[a], index[b]), max(index[a], index[b]), d.get("weight", 1.0))
                   for a in keys for b, d in g[a].items() if b in index and index[a] < index[b])
    h.add_weighted_edges_from(edges)
    return h, keys


@functools.cache
def _code_version() -> str:
    from . import erd_cache

    return f"{nx.__version__} {erd_cache.source_digest(__file__)}"


def _communities(g: nx.Graph, nodes, cap: int) -> list[frozenset]:
    """`_split` of the linked tables, kept in the build's cache: 2 s of a 2,000-table rebuild, and the
    same for the same FK graph (its nodes and weighted edges, the cap and this code are the key)."""
    from . import erd_cache

    h, keys = _int_graph(g, nodes)
    source = ["groups", _code_version(), cap, [list(k) for k in keys], [[a, b, d["weight"]] for a, b, d in h.edges(data=True)]]
    return erd_cache.memo(source, lambda: _split(g, nodes, cap),
                          encode=lambda pieces: [sorted(list(k) for k in piece) for piece in pieces],
                          decode=lambda data: [frozenset(tuple(k) for k in piece) for piece in data])


def _split(g: nx.Graph, nodes, cap: int) -> list[frozenset]:
    """Communities of the subgraph on `nodes`, each at most `cap` tables: modularity first, a
    Kernighan-Lin bisection where modularity does not cut, recursively."""
    h, keys = _int_graph(g, nodes)
    if len(keys) <= cap:
        return [frozenset(keys)]
    out: list[frozenset] = []
    comps = sorted((sorted(keys[i] for i in c) for c in nx.connected_components(h)), key=lambda c: (-len(c), c[0]))
    if len(comps) > 1:
        for comp in comps:
            out.extend(_split(g, comp, cap))
        return out
    parts = nx.community.greedy_modularity_communities(h, weight="weight")
    if len(parts) < 2:
        parts = nx.community.kernighan_lin_bisection(h, weight="weight", seed=0)
    for part in sorted((sorted(keys[i] for i in p) for p in parts), key=lambda p: (-len(p), p[0])):
        out.extend(_split(g, part, cap))
    return out


def _merge_small(g: nx.Graph, pieces: list[frozenset], cap: int, folded: set) -> list[frozenset]:
    """Fold pieces of a few tables into the piece they link to most (links through a hub count: the
    hub is still in its piece here), when the result stays within the cap once hubs leave."""
    small = max(3, cap // 8)
    size = lambda p: len(p - folded)  # noqa: E731
    order = lambda p: (-size(p), sorted(p)[0])  # noqa: E731
    pieces = sorted(pieces, key=order)
    changed = True
    while changed:
        changed = False
        for i in range(len(pieces) - 1, -1, -1):
            piece = pieces[i]
            if size(piece) >= small:
                continue
            links = {}
            for j, other in enumerate(pieces):
                if j == i or size(other) + size(piece) > cap:
                    continue
                w = sum(1 for a in piece for b in g[a] if b in other)
                if w > 0:
                    links[j] = w
            if not links:
                continue
            best = max(links, key=lambda j: (links[j], -j))
            pieces[best] = pieces[best] | piece
            del pieces[i]
            changed = True
            break
        pieces.sort(key=order)
    return pieces


def centre(g: nx.Graph, members) -> Key:
    """The member with the most FK links inside the set, then the most links at all (ties by name)."""
    inside = set(members)

    def rank(k: Key):
        near = g[k] if k in g else {}
        return (-sum(1 for o in near if o in inside), -len(near), k)
    return min(inside, key=rank)


def _group_slug(title: str) -> str:
    """A readable file name for a group title ('musicbrainz.medium and neighbours' ->
    'musicbrainz-medium-and-neighbours'); never empty, at most 60 characters."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-")
    return text or "group"


_PREFIX = re.compile(r"[^_]+")


def name_prefix(key: Key) -> str:
    """`schema.first_word` of a table name (`film_actor` -> `film`): how legacy schemas group by name."""
    schema, name = key
    m = _PREFIX.match(name.lower())
    word = m.group(0) if m else name
    return display_name(schema, word)


def prefix_groups(keys, cap: int) -> list[tuple[str, tuple[Key, ...]]]:
    """Tables grouped by name prefix; prefixes of one or two tables pooled as "other tables"; chunks <= cap."""
    by: dict[str, list[Key]] = {}
    for k in sorted(keys):
        by.setdefault(name_prefix(k), []).append(k)
    pooled: list[Key] = []
    out: list[tuple[str, list[Key]]] = []
    for p, ks in sorted(by.items()):
        if len(ks) <= 2:
            pooled.extend(ks)
        else:
            out.append((f"{p}_*", ks))
    if pooled:
        out.append(("other tables", sorted(pooled)))
    chunked = []
    cap = max(cap, 1)
    for title, ks in out:
        n = (len(ks) + cap - 1) // cap
        for i in range(n):
            chunked.append((title + (f" ({i + 1})" if n > 1 else ""), tuple(ks[i * cap:(i + 1) * cap])))
    return chunked


def domain_groups(catalog: Catalog, config: DocsConfig) -> tuple[Group, ...]:
    """Every drawable table in exactly one group; configured groups first, in file order."""
    cap = max(config.group_max_tables, 1)
    remaining = set(diagram_tables(catalog, config))
    lookup = set(lookups(catalog, config))
    hub = set(hubs(catalog, config))
    g = fk_graph(catalog, remaining, light=frozenset(lookup | hub))
    result: list[Group] = []
    used_slugs: set[str] = set()

    def add(title: str, tables, configured: bool, kind: str = DOMAIN) -> None:
        base = _group_slug(title)
        s, n = base, 2
        while s in used_slugs:
            s, n = f"{base}-{n}", n + 1
        used_slugs.add(s)
        members = tuple(sorted(tables))
        result.append(Group(title, s, members, configured, kind, centre(g, members) if members else None))

    for title, patterns in config.groups.items():
        members = sorted(k for k in remaining if _matches(k, patterns))
        remaining.difference_update(members)
        pieces = _split(g, members, cap) if len(members) > cap else [frozenset(members)]
        for i, piece in enumerate(pieces):
            if piece:
                add(title + (f" ({i + 1})" if len(pieces) > 1 else ""), piece, True)

    linked = linked_tables(catalog)
    unlinked = {k for k in remaining if k not in linked}
    lookup &= remaining
    hub &= remaining
    community_nodes = sorted(remaining - unlinked)
    folded = lookup | hub
    pieces = _communities(g, community_nodes, cap) if community_nodes else []
    pieces = _merge_small(g, pieces, cap, folded)
    # Hubs and lookups then leave their communities (they get groups of their own); the group keeps
    # the name of the community's centre, which may be the hub it gathers around.
    named: dict[str, frozenset] = {}
    for piece in pieces:
        rest = piece - folded
        if not rest:
            continue
        c = centre(g, piece)
        title = f"Around {display_name(*c)}" if c in folded else f"{display_name(*c)} and neighbours"
        while title in named:  # two communities around one hub: name the second after its own centre
            title = f"{display_name(*centre(g, rest))} and neighbours" if not title.endswith(")") else title + "'"
        named[title] = rest
    for title, piece in sorted(named.items(), key=lambda x: (-len(x[1]), x[0])):
        add(title, piece, False)
    for kind, keys, title in ((HUBS, hub, "Hub tables"), (LOOKUPS, lookup, "Lookup tables")):
        keys = sorted(keys)
        n = (len(keys) + cap - 1) // cap
        for i in range(n):
            add(title + (f" ({i + 1})" if n > 1 else ""), keys[i * cap:(i + 1) * cap], False, kind)
    for title, keys in prefix_groups(unlinked, cap):
        add(f"Unlinked: {title}", keys, False, UNLINKED)
    return tuple(result)


def overview_node(groups: tuple[Group, ...], hub_keys) -> dict[Key, str]:
    """Table -> node of the overview diagram: each hub its own node ('hub:schema.name'), others their group."""
    hub_set = set(hub_keys)
    where = {}
    for gr in groups:
        for k in gr.tables:
            where[k] = f"hub:{display_name(*k)}" if k in hub_set else gr.slug
    return where


def cross_group_counts(catalog: Catalog, groups: tuple[Group, ...], hub_keys) -> dict[tuple[str, str], int]:
    """FKs between overview nodes (child node, parent node) -> count: every declared FK whose ends sit
    in different nodes, those into hubs and lookups included."""
    where = overview_node(groups, hub_keys)
    counts: dict[tuple[str, str], int] = {}
    for fk in graph.declared_foreign_keys(catalog):
        a, b = where.get(fk.child), where.get(fk.parent)
        if a and b and a != b:
            counts[(a, b)] = counts.get((a, b), 0) + 1
    return dict(sorted(counts.items()))
