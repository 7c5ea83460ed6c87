"""soft-reference: an integer *_id column has an FK constraint."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_key, c_obj, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "soft-reference", WARNING, INTEGRITY, CATALOG,
    "An integer *_id column has an FK constraint (no soft references).",
    rationale="A reference the database does not enforce collects orphans; the orphan scan finds them later, "
              "the FK prevents them.",
    bad="CREATE TABLE audits (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL);",
    good="CREATE TABLE audits (id BIGSERIAL PRIMARY KEY,\n"
         "    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE RESTRICT ON UPDATE RESTRICT);")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for c in t.soft_reference_columns():
            if c.inherited:
                continue
            yield Hit(RULE.id, c_obj(t, c.name), f"{c.name} looks like a reference but has no FK constraint",
                      (c_key(t, c.name), t_key(t)), evidence=(f"{c.name} {c.data_type}, no FOREIGN KEY on it",))
