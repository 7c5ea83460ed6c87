"""identifier-length: no identifier over 63 bytes."""

from __future__ import annotations

from collections.abc import Iterator

from ..source import MigrationSource, SourceHit
from . import ERROR, SAFETY, SOURCE, Rule

RULE = Rule(
    "identifier-length", ERROR, SAFETY, SOURCE,
    "No identifier over 63 bytes (PostgreSQL truncates it silently).",
    rationale="PostgreSQL cuts longer names to 63 bytes with only a NOTICE: two long names can collide, and the "
              "name in the catalog is not the one in the migration.",
    bad="CREATE TABLE long_names (id BIGSERIAL PRIMARY KEY,\n"
        "    a_column_name_that_is_far_too_long_for_postgres_to_keep_it_whole TEXT);",
    good="CREATE TABLE long_names (id BIGSERIAL PRIMARY KEY, short_enough TEXT);")


def check_source(m: MigrationSource) -> Iterator[SourceHit]:
    for f in m.files:
        yield from f.long_identifiers()
