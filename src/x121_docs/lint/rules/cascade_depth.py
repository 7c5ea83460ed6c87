"""cascade-depth: ON DELETE CASCADE chains stay short and form no cycle."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .._lazy import model
from ..scope import Hit, Scope
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "cascade-depth", WARNING, INTEGRITY, CATALOG,
    "ON DELETE CASCADE chains stay within the configured depth and form no cycle.",
    rationale="One DELETE that cascades many levels deep locks and removes rows in tables its author never "
              "looked at; a cascade cycle can delete a whole component from any row of it.",
    bad="CREATE TABLE loop_as (id BIGSERIAL PRIMARY KEY, loop_b_id BIGINT);\n"
        "CREATE TABLE loop_bs (id BIGSERIAL PRIMARY KEY,\n"
        "    loop_a_id BIGINT REFERENCES loop_as (id) ON DELETE CASCADE ON UPDATE RESTRICT);\n"
        "ALTER TABLE loop_as ADD FOREIGN KEY (loop_b_id) REFERENCES loop_bs (id) ON DELETE CASCADE ON UPDATE RESTRICT;",
    good="CREATE TABLE loop_as (id BIGSERIAL PRIMARY KEY);\n"
         "CREATE TABLE loop_bs (id BIGSERIAL PRIMARY KEY,\n"
         "    loop_a_id BIGINT NOT NULL REFERENCES loop_as (id) ON DELETE CASCADE ON UPDATE RESTRICT);")


def check(s: Scope) -> Iterator[Hit]:
    children: dict[tuple, set[tuple]] = defaultdict(set)
    has_parent: set[tuple] = set()
    for t, fk in s.fks():
        if fk.on_delete == model.CASCADE and not fk.is_self_reference:
            children[fk.parent].add(t.key)
            has_parent.add(t.key)
    nodes = set(children) | has_parent
    cyclic = _cyclic_components(nodes, children)
    in_cycle = {n for comp in cyclic for n in comp}
    for comp in cyclic:
        first = min(comp)
        yield Hit(RULE.id, model.display_name(*first),
                  "ON DELETE CASCADE cycle: " + " -> ".join(model.display_name(*n) for n in sorted(comp)),
                  (("table", *first),), evidence=tuple(model.display_name(*n) for n in sorted(comp)), detail="cycle")
    longest: dict[tuple, list[tuple]] = {}

    def chain(n: tuple) -> list[tuple]:
        if n not in longest:
            longest[n] = [n]  # guard (cycles are excluded below)
            best: list[tuple] = []
            for c in sorted(children.get(n, ())):
                if c not in in_cycle:
                    cand = chain(c)
                    if len(cand) > len(best):
                        best = cand
            longest[n] = [n, *best]
        return longest[n]

    for root in sorted(nodes - has_parent - in_cycle):
        path = chain(root)
        if len(path) - 1 > s.config.cascade_depth:
            yield Hit(RULE.id, model.display_name(*root),
                      f"deleting a row cascades {len(path) - 1} levels deep (threshold {s.config.cascade_depth}): "
                      + " -> ".join(model.display_name(*n) for n in path),
                      (("table", *root),), evidence=tuple(model.display_name(*n) for n in path), detail="depth")


def _cyclic_components(nodes: set, edges: dict) -> list[list]:
    """Strongly connected components with more than one node (Tarjan, iterative enough for schemas)."""
    import sys

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    index: dict = {}
    low: dict = {}
    stack: list = []
    on: set = set()
    out: list[list] = []
    counter = [0]

    def visit(v):  # noqa: ANN001
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)
