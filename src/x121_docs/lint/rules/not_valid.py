"""not-valid: no constraint left NOT VALID, no invalid index."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope, c_obj, con_key, fk_keys, i_key, ident, qual, t_key
from . import CATALOG, INTEGRITY, WARNING, Rule

RULE = Rule(
    "not-valid", WARNING, INTEGRITY, CATALOG,
    "No constraint left NOT VALID and no invalid index.",
    rationale="NOT VALID is a step of a safe migration, not a state: until VALIDATE CONSTRAINT runs, old rows "
              "are unchecked. An invalid index (a failed CREATE INDEX CONCURRENTLY) is maintained but never used.",
    bad="ALTER TABLE bowls ADD CONSTRAINT fk_bowls_owner_id FOREIGN KEY (owner_id) REFERENCES owners (id)\n"
        "    ON DELETE RESTRICT ON UPDATE RESTRICT NOT VALID;",
    good="ALTER TABLE bowls ADD CONSTRAINT fk_bowls_owner_id FOREIGN KEY (owner_id) REFERENCES owners (id)\n"
         "    ON DELETE RESTRICT ON UPDATE RESTRICT NOT VALID;\nALTER TABLE bowls VALIDATE CONSTRAINT fk_bowls_owner_id;")


def check(s: Scope) -> Iterator[Hit]:
    for t in s.tables:
        for fk in t.foreign_keys:
            if not fk.validated and fk.inherited_from is None:
                yield Hit(RULE.id, c_obj(t, fk.name), "FK is NOT VALID: run ALTER TABLE ... VALIDATE CONSTRAINT",
                          fk_keys(t, fk), evidence=(fk.definition,), detail="constraint",
                          fix=f"ALTER TABLE {qual(t)} VALIDATE CONSTRAINT {ident(fk.name)};")
        for ck in t.checks:
            if not ck.validated and ck.inherited_from is None:
                yield Hit(RULE.id, c_obj(t, ck.name), "CHECK is NOT VALID: run ALTER TABLE ... VALIDATE CONSTRAINT",
                          (con_key(t, ck.name), t_key(t)), evidence=(ck.definition,), detail="constraint",
                          fix=f"ALTER TABLE {qual(t)} VALIDATE CONSTRAINT {ident(ck.name)};")
    for t in s.indexed:
        for ix in t.indexes:
            if not ix.valid:
                yield Hit(RULE.id, c_obj(t, ix.name), "index is invalid (a failed CREATE INDEX CONCURRENTLY?): "
                          "drop and re-create it", (i_key(t, ix.name), t_key(t)), evidence=(ix.definition,),
                          detail="index")
