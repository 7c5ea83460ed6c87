"""Which tables a diagram folds (lookups, hubs) and how the schema splits into domain groups.

Configured groups come first; the remaining tables are grouped automatically: connected
components of the FK graph once lookups and hubs are taken out (they would join everything),
large components split around their best-connected tables, and FK-less tables collected per
schema.  All of it is deterministic (sorted input, ties broken by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..catalog import facts, graph
from ..catalog.model import Catalog
from .config import DocsConfig
from .names import slug

Key = tuple[str, str]


@dataclass(frozen=True)
class Group:
    title: str
    slug: str
    tables: tuple[Key, ...]
    configured: bool


def diagram_tables(catalog: Catalog) -> tuple[Key, ...]:
    """Relations drawn in ERDs: tables, partitioned tables, foreign tables and views; not partitions."""
    return tuple(t.key for t in catalog.tables if not t.is_partition)


def lookups(catalog: Catalog, config: DocsConfig) -> tuple[Key, ...]:
    """Lookup (status) tables: named by the configured suffixes or names, holding rows, not partitions."""
    return facts.lookup_tables(catalog, config.lookup_rule)


def hubs(catalog: Catalog, config: DocsConfig) -> tuple[Key, ...]:
    """Configured hubs plus tables referenced from at least `hub_min_references` other tables."""
    found = set()
    lookup = set(lookups(catalog, config))
    for t in catalog.base_tables:
        if t.key in lookup or t.is_partition:
            continue
        named = any(fnmatchcase(t.name, p) or fnmatchcase(f"{t.schema}.{t.name}", p) for p in config.hubs)
        referrers = {fk.child for fk in graph.children(catalog, t.key)} - {t.key}
        if named or (config.hub_min_references and len(referrers) >= config.hub_min_references):
            found.add(t.key)
    return tuple(sorted(found))


def _matches(key: Key, patterns: tuple[str, ...]) -> bool:
    schema, name = key
    return any(fnmatchcase(name, p) or fnmatchcase(f"{schema}.{name}", p) for p in patterns)


def _split(catalog: Catalog, comp: tuple[Key, ...], size: int) -> list[tuple[Key, ...]]:
    """Cut a large component into pieces of at most `size`: grow a BFS ball from the best-connected
    remaining table (ties by name) until full, then start the next one."""
    left = set(comp)
    degree = {k: len([o for o in graph.adjacent(catalog, k) if o in left]) for k in comp}
    pieces = []
    while left:
        seed = min(left, key=lambda k: (-degree[k], k))
        piece, frontier = [seed], [seed]
        left.discard(seed)
        while frontier and len(piece) < size:
            nxt = []
            for k in frontier:
                for o in graph.adjacent(catalog, k):
                    if o in left and len(piece) < size:
                        left.discard(o)
                        piece.append(o)
                        nxt.append(o)
            frontier = nxt
        pieces.append(tuple(sorted(piece)))
    return _merge_small(catalog, pieces, size)


def _merge_small(catalog: Catalog, pieces: list[tuple[Key, ...]], size: int) -> list[tuple[Key, ...]]:
    """Fold pieces of a few tables (what is left when BFS balls run dry) into the piece they link to most."""
    small = max(3, size // 8)
    pieces = sorted(pieces, key=lambda p: (-len(p), p[0]))
    while len(pieces) > 1 and len(pieces[-1]) < small:
        piece = pieces.pop()
        members = set(piece)
        links = [sum(1 for k in other for o in graph.adjacent(catalog, k) if o in members) for other in pieces]
        best = max(range(len(pieces)), key=lambda i: (links[i], -i))
        pieces[best] = tuple(sorted(pieces[best] + piece))
        pieces.sort(key=lambda p: (-len(p), p[0]))
    return pieces


def domain_groups(catalog: Catalog, config: DocsConfig) -> tuple[Group, ...]:
    """Every drawable table in exactly one group; configured groups first, in file order."""
    remaining = set(diagram_tables(catalog))
    result: list[Group] = []
    used_slugs: set[str] = set()

    def add(title: str, tables, configured: bool) -> None:
        base = slug("public", title.lower().replace(" ", "_")) or "group"
        s, n = base, 2
        while s in used_slugs:
            s, n = f"{base}-{n}", n + 1
        used_slugs.add(s)
        result.append(Group(title, s, tuple(sorted(tables)), configured))

    for title, patterns in config.groups.items():
        members = sorted(k for k in remaining if _matches(k, patterns))
        remaining.difference_update(members)
        if members:
            add(title, members, True)

    lookup = set(lookups(catalog, config)) & remaining
    hub = set(hubs(catalog, config)) & remaining
    rest = remaining - lookup - hub
    singles: dict[str, list[Key]] = {}
    comps = []
    for comp in graph.components(catalog, rest):
        if len(comp) == 1:
            singles.setdefault(comp[0][0], []).append(comp[0])
            continue
        comps.extend(_split(catalog, comp, config.group_max_tables) if len(comp) > config.group_max_tables else [comp])
    for comp in comps:
        # Named after its best-connected table: readable and stable while the schema grows elsewhere.
        center = min(comp, key=lambda k: (-len([o for o in graph.adjacent(catalog, k) if o in comp]), k))
        add(f"{'.'.join(p for p in center if p != 'public')} and neighbours", comp, False)
    if hub:
        add("Hub tables", hub, False)
    if lookup:
        add("Lookup tables", lookup, False)
    for schema in sorted(singles):
        tables = sorted(singles[schema])
        for i in range(0, len(tables), max(config.group_max_tables, 1)):
            chunk = tables[i:i + config.group_max_tables]
            suffix = f" ({i // config.group_max_tables + 1})" if len(tables) > config.group_max_tables else ""
            add(f"Unlinked tables in {schema}{suffix}", chunk, False)
    return tuple(result)
