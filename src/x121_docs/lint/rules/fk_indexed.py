"""fk-indexed: every FK is covered by an index that starts with its columns."""

from __future__ import annotations

from collections.abc import Iterator

from .._lazy import naming
from ..scope import Hit, Scope, c_obj, fk_keys, ident, qual
from . import CATALOG, ERROR, INTEGRITY, Rule

RULE = Rule(
    "fk-indexed", ERROR, INTEGRITY, CATALOG,
    "Every FK is covered by a valid, non-partial btree index whose leading key columns are exactly the FK's columns.",
    rationale="Deleting or updating a parent row looks up its children by the FK columns: without an index that "
              "is a sequential scan of the child table per parent row, under the lock of the delete.",
    bad="CREATE TABLE walks (id BIGSERIAL PRIMARY KEY,\n"
        "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);",
    good="CREATE TABLE walks (id BIGSERIAL PRIMARY KEY,\n"
         "    owner_id BIGINT NOT NULL REFERENCES owners (id) ON DELETE RESTRICT ON UPDATE RESTRICT);\n"
         "CREATE INDEX idx_walks_owner_id ON walks (owner_id);")


def check(s: Scope) -> Iterator[Hit]:
    from ...catalog.facts import covering_index  # the one definition the docs and integrity tools use too

    for t, fk in s.fks():
        if covering_index(t, fk.columns) is None:
            name = naming.template_name("idx", t.name, fk.columns)
            near = [ix.name for ix in t.indexes if set(fk.columns) & set(ix.key_columns)]
            ev = (f"indexes on {t.display_name} touching the FK columns: {', '.join(near)} (none valid, non-partial "
                  "btree with the FK columns leading)",) if near else (f"no index of {t.display_name} has {', '.join(fk.columns)}",)
            fix = f"CREATE INDEX {ident(name)} ON {qual(t)} ({', '.join(ident(c) for c in fk.columns)});"
            yield Hit(RULE.id, c_obj(t, fk.name), f"FK ({', '.join(fk.columns)}) has no covering btree index: {fix}",
                      fk_keys(t, fk), evidence=ev, detail="_".join(fk.columns), fix=fix)
