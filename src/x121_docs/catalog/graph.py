"""The schema's foreign-key graph: who references whom, and what one delete (or key update) reaches.

Schema-level only (no rows): the docs' Cascades page and ERD neighbourhoods use it, and the
row-level delete-impact preview (integrity) uses it to know which tables a delete can touch
before it counts rows.  Everything is computed from the catalog model, is cycle-safe
(self-references and FK cycles), and returns results in a deterministic order.

Partition clones of a foreign key (`ForeignKey.inherited_from` set) are left out: the FK
declared on the partitioned parent is the one rule; PostgreSQL copies it to each partition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from .model import CASCADE, NO_ACTION, RESTRICT, SET_DEFAULT, SET_NULL, Catalog, ForeignKey, Table

Key = tuple[str, str]

#: What happens to a referencing table when a parent row goes away (or its key changes).
DELETED = "deleted"  # ON DELETE CASCADE: its rows are deleted too (and the walk continues from them)
UPDATED = "updated"  # ON UPDATE CASCADE: its FK columns follow the new key value
NULLED = "set null"
DEFAULTED = "set default"
REFUSED = "refused"  # RESTRICT / NO ACTION: the statement fails if a referencing row exists

_ALL: frozenset[str] = frozenset({"*"})  # marker: every column of the start table changed
_OUTCOME = {SET_NULL: NULLED, SET_DEFAULT: DEFAULTED, RESTRICT: REFUSED, NO_ACTION: REFUSED}


def declared_foreign_keys(catalog: Catalog) -> tuple[ForeignKey, ...]:
    """Every FK as declared (no partition clones), sorted by child table then name."""
    return tuple(fk for fk in catalog.foreign_keys if fk.inherited_from is None)


def children(catalog: Catalog, table: Table | Key) -> tuple[ForeignKey, ...]:
    """FKs that reference `table` (its referencing children), declared ones only."""
    return tuple(fk for fk in catalog.referencing(table) if fk.inherited_from is None)


def parents(catalog: Catalog, table: Table | Key) -> tuple[ForeignKey, ...]:
    """FKs of `table` that reference other tables (its parents), declared ones only."""
    t = table if isinstance(table, Table) else catalog.get(table[1], table[0])
    return tuple(fk for fk in (t.foreign_keys if t else ()) if fk.inherited_from is None)


@dataclass(frozen=True)
class Step:
    """One FK the walk crossed: `fk.child` gets `outcome` because `fk.parent` lost / changed rows."""

    fk: ForeignKey
    action: str  # the FK's ON DELETE (or ON UPDATE) action
    outcome: str  # DELETED | UPDATED | NULLED | DEFAULTED | REFUSED
    depth: int  # 1 = directly references the start table
    path: tuple[Key, ...]  # tables from the start to fk.child


@dataclass(frozen=True)
class Reach:
    """What deleting one row of `start` (or updating its key) can do to the rest of the schema."""

    start: Key
    event: str  # 'delete' | 'update'
    steps: tuple[Step, ...]  # breadth-first, then by child table and FK name

    def tables(self, outcome: str) -> tuple[Key, ...]:
        """Tables that get `outcome` by some path, sorted (a table can get several outcomes)."""
        return tuple(sorted({s.fk.child for s in self.steps if s.outcome == outcome}))

    @property
    def deleted(self) -> tuple[Key, ...]:
        return self.tables(DELETED)

    @property
    def nulled(self) -> tuple[Key, ...]:
        return self.tables(NULLED)

    @property
    def defaulted(self) -> tuple[Key, ...]:
        return self.tables(DEFAULTED)

    @property
    def refused(self) -> tuple[Key, ...]:
        """Tables whose referencing rows make the delete fail (RESTRICT / NO ACTION)."""
        return tuple(sorted({s.fk.child for s in self.steps if s.outcome == REFUSED}))

    @property
    def refusing_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.outcome == REFUSED)

    @property
    def max_depth(self) -> int:
        return max((s.depth for s in self.steps), default=0)


def reach(catalog: Catalog, table: Table | Key, event: str = "delete") -> Reach:
    """Walk the FK graph from `table` for a DELETE of one row (or an UPDATE of its key).

    On delete, a CASCADE child loses rows and the walk continues from it; SET NULL / SET
    DEFAULT children are updated and RESTRICT / NO ACTION children refuse when they hold a
    referencing row.  On update, only FKs whose referenced columns are among the changed ones
    follow (CASCADE moves the child's FK columns, which may in turn be referenced).  Each
    (table, changed columns) state is expanded once, so cycles terminate.
    """
    if event not in ("delete", "update"):
        raise ValueError(f"event must be 'delete' or 'update', not {event!r}")
    start = table.key if isinstance(table, Table) else table
    steps: list[Step] = []
    # A state is (table, what happened to its rows): None = rows deleted, a column set = those
    # columns changed value; the update walk starts with every column of the start table changed.
    first: frozenset[str] | None = None if event == "delete" else _ALL
    seen: set[tuple[Key, frozenset[str] | None]] = {(start, first)}
    queue: deque[tuple[Key, frozenset[str] | None, int, tuple[Key, ...]]] = deque([(start, first, 0, (start,))])
    while queue:
        key, changed, depth, path = queue.popleft()
        for fk in children(catalog, key):
            if changed is not None and changed is not _ALL and not changed.intersection(fk.ref_columns):
                continue
            action = fk.on_delete if changed is None else fk.on_update
            if action == CASCADE:
                outcome = DELETED if changed is None else UPDATED
            else:
                outcome = _OUTCOME.get(action, REFUSED)
            steps.append(Step(fk, action, outcome, depth + 1, path + (fk.child,)))
            if outcome == DELETED:
                state: tuple[Key, frozenset[str] | None] = (fk.child, None)
            elif outcome in (UPDATED, NULLED, DEFAULTED):
                state = (fk.child, frozenset(fk.columns))  # child's FK columns change: they may be referenced
            else:
                continue
            if state not in seen:
                seen.add(state)
                queue.append((state[0], state[1], depth + 1, path + (fk.child,)))
    return Reach(start=start, event=event, steps=tuple(steps))


def neighbourhood(catalog: Catalog, table: Table | Key, distance: int = 1,
                  exclude: Iterable[Key] = ()) -> tuple[Key, ...]:
    """Tables within `distance` FK hops of `table` in either direction, sorted, `table` included.

    Tables in `exclude` (hubs, folded lookups) are neither included nor walked through,
    unless they are the start table itself.
    """
    start = table.key if isinstance(table, Table) else table
    excluded = set(exclude) - {start}
    found = {start}
    frontier = [start]
    for _ in range(max(distance, 0)):
        nxt: list[Key] = []
        for key in frontier:
            for other in adjacent(catalog, key):
                if other not in found and other not in excluded:
                    found.add(other)
                    nxt.append(other)
        frontier = sorted(nxt)
    return tuple(sorted(found))


def adjacent(catalog: Catalog, table: Key) -> tuple[Key, ...]:
    """Tables one FK away from `table` (parents and children), sorted, without itself."""
    keys = {fk.parent for fk in parents(catalog, table)} | {fk.child for fk in children(catalog, table)}
    keys.discard(table)
    return tuple(sorted(keys))


def components(catalog: Catalog, tables: Iterable[Key], exclude: Iterable[Key] = ()) -> tuple[tuple[Key, ...], ...]:
    """Connected components of the FK graph restricted to `tables` minus `exclude`.

    Sorted: largest first, then by first table name; each component sorted.
    """
    excluded = set(exclude)
    members = sorted(set(tables) - excluded)
    allowed = set(members)
    seen: set[Key] = set()
    result: list[tuple[Key, ...]] = []
    for key in members:
        if key in seen:
            continue
        comp, queue = {key}, deque([key])
        seen.add(key)
        while queue:
            for other in adjacent(catalog, queue.popleft()):
                if other in allowed and other not in seen:
                    seen.add(other)
                    comp.add(other)
                    queue.append(other)
        result.append(tuple(sorted(comp)))
    return tuple(sorted(result, key=lambda c: (-len(c), c[0])))


def cascade_cycles(edges: dict[Key, set[Key]]) -> list[list[Key]]:
    """The groups of tables that cascade into each other (strongly connected, more than one table).

    networkx's iterative algorithm: no recursion limit to raise, whatever the schema's depth.
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(set(edges) | {c for cs in edges.values() for c in cs})
    g.add_edges_from((p, c) for p, cs in edges.items() for c in cs)
    return sorted(sorted(comp) for comp in nx.strongly_connected_components(g) if len(comp) > 1)


def longest_chains(edges: dict[Key, set[Key]], skip: set[Key]) -> dict[Key, list[Key]]:
    """For every table outside `skip` (the cycles), the longest cascade chain starting at it.

    Computed in reverse topological order (iteratively); ties go to the first child in sorted order,
    so the chain reported is the same on every run.
    """
    import networkx as nx

    g = nx.DiGraph()
    nodes = (set(edges) | {c for cs in edges.values() for c in cs}) - skip
    g.add_nodes_from(nodes)
    g.add_edges_from((p, c) for p, cs in edges.items() if p not in skip for c in cs if c not in skip)
    best: dict[Key, list[Key]] = {}
    for n in reversed(list(nx.lexicographical_topological_sort(g))):
        tail: list[Key] = []
        for c in sorted(g.successors(n)):
            if len(best[c]) > len(tail):
                tail = best[c]
        best[n] = [n, *tail]
    return best
