"""What one delete (or key update) reaches, before and after the change, for every table it differs.

`catalog.graph.reach` walks each side's FK graph; a table whose set of (reached table, outcome)
pairs differs between the sides is reported with the pairs it gains and loses, each with the
path that leads there ("deleting a project now also deletes its render presets").  Outcomes are
said as a reviewer reads them: lose rows, set NULL, set default, refuse, follow the new key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog import graph
from ..catalog.model import Catalog, display_name

Key = tuple[str, str]

OUTCOME_WORDS = {graph.DELETED: "lose rows", graph.NULLED: "set NULL", graph.DEFAULTED: "set default",
                 graph.REFUSED: "refuse", graph.UPDATED: "follow the new key"}


@dataclass(frozen=True)
class Reached:
    table: Key
    outcome: str  # OUTCOME_WORDS value
    path: tuple[Key, ...]  # from the start table to `table` (the shortest found)
    via: str  # the FK that gives the outcome, 'child.fk_name'

    def as_dict(self) -> dict[str, Any]:
        return {"table": display_name(*self.table), "outcome": self.outcome,
                "path": [display_name(*k) for k in self.path], "via": self.via}


@dataclass(frozen=True)
class ReachChange:
    start: Key
    event: str  # 'delete' | 'update'
    gained: tuple[Reached, ...]  # newly reached (table, outcome)
    lost: tuple[Reached, ...]  # no longer reached

    def as_dict(self) -> dict[str, Any]:
        return {"table": display_name(*self.start), "event": self.event,
                "newly_reached": [r.as_dict() for r in self.gained], "no_longer_reached": [r.as_dict() for r in self.lost]}


def _pairs(catalog: Catalog, start: Key, event: str) -> dict[tuple[Key, str], Reached]:
    if catalog.get(start[1], start[0]) is None:
        return {}
    out: dict[tuple[Key, str], Reached] = {}
    for step in graph.reach(catalog, start, event).steps:
        word = OUTCOME_WORDS.get(step.outcome, step.outcome)
        pair = (step.fk.child, word)
        if pair not in out:  # breadth first: the first is the shortest path
            out[pair] = Reached(step.fk.child, word, step.path, f"{display_name(*step.fk.child)}.{step.fk.name}")
    return out


def reach_changes(base: Catalog, head: Catalog, starts: tuple[Key, ...] | None = None,
                  events: tuple[str, ...] = ("delete", "update")) -> tuple[ReachChange, ...]:
    """Per start table (default: every table holding rows on either side), the reach that differs."""
    if starts is None:
        starts = tuple(sorted({t.key for t in base.base_tables} | {t.key for t in head.base_tables}))
    out = []
    for start in starts:
        for event in events:
            before, after = _pairs(base, start, event), _pairs(head, start, event)
            gained = tuple(after[p] for p in sorted(set(after) - set(before)))
            lost = tuple(before[p] for p in sorted(set(before) - set(after)))
            if gained or lost:
                out.append(ReachChange(start, event, gained, lost))
    return tuple(out)
