"""allowed-extensions: only allow-listed extensions are installed."""

from __future__ import annotations

from collections.abc import Iterator

from ..scope import Hit, Scope
from . import CATALOG, ERROR, SAFETY, Rule

RULE = Rule(
    "allowed-extensions", ERROR, SAFETY, CATALOG,
    "Only allow-listed extensions are installed.",
    rationale="An extension runs code inside the server and must exist on every server the schema is deployed "
              "to (managed providers offer a fixed list): it is a deployment decision, made once, in the "
              "allow-list (allowed-extensions).",
    bad="-- with allowed-extensions = [\"plpgsql\"]\nCREATE EXTENSION IF NOT EXISTS vector;",
    good="-- with the default allowed-extensions = [\"plpgsql\", \"vector\"]\nCREATE EXTENSION IF NOT EXISTS vector;",
    how="catalog + source")


def check(s: Scope) -> Iterator[Hit]:
    for x in s.catalog.extensions:
        if x.name not in s.config.allowed_extensions:
            yield Hit(RULE.id, x.name,
                      f"extension {x.name} {x.version} is not allow-listed ({', '.join(s.config.allowed_extensions)})",
                      (("extension", x.name),), evidence=(f"installed: {x.name} {x.version}",))
