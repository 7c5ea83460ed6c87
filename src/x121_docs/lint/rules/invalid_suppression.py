"""invalid-suppression: a suppression comment names known rule ids and gives a reason."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit
from . import ERROR, SAFETY, SOURCE, Rule

RULE = Rule(
    "invalid-suppression", ERROR, SAFETY, SOURCE,
    "A suppression comment names known rule ids and gives a reason.",
    rationale="A suppression without a reason cannot be reviewed, and one with a misspelt id silently "
              "suppresses nothing.",
    bad="-- x121-lint: disable=text-not-varchar\nCREATE TABLE t (id BIGSERIAL PRIMARY KEY, v VARCHAR(9));",
    good="-- x121-lint: disable=text-not-varchar reason: mirrors the vendor's fixed-width export\n"
         "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v VARCHAR(9));")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for f in m.files:
        yield from f.bad_directives
