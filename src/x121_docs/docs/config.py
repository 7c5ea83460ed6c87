"""Settings of the docs generator: ERD groups, folding, hubs and size thresholds.

Read from an optional YAML file (`docs/erd.yml` by default) so that a team can name its domain
groups; every key has a default that works on any schema, so the file is never required.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from ..errors import ConfigError

CONFIG_FILE = Path("docs") / "erd.yml"


@dataclass(frozen=True)
class DocsConfig:
    #: Domain groups: group title -> table names ('name' or 'schema.name'; '*' wildcards allowed).
    #: Tables in no group are clustered automatically (FK-connected components, split when large).
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: FK hops shown around a table on its own page.
    neighbourhood_distance: int = 1
    #: The other views of a table page (the other distance, with hubs) are drawn up to this many tables:
    #: a lookup's distance 2 reaches most of a large schema (900 boxes, seconds of layout, unreadable).
    neighbourhood_views_max_tables: int = 150
    #: In a schema of at least this many tables, a table page's views beyond distance 1 (never the one shown
    #: first) are laid out in the reader's browser by Graphviz in WebAssembly, not by the build: they are
    #: almost half of a large build's layout time. 0: always; a number above the schema's size: never.
    browser_layout_min_tables: int = 1000
    #: Lookup tables are folded into the referencing table's columns (`status_id → scene_statuses`).
    lookup_suffixes: tuple[str, ...] = ("_statuses",)
    lookup_tables: tuple[str, ...] = ("roles", "job_types")  # catalog.facts.LookupRule's default
    #: Tables folded like lookups outside their own diagram (e.g. `users` referenced from everywhere).
    hubs: tuple[str, ...] = ()
    #: A table referenced by at least this many FKs (from other tables) counts as a hub too.
    hub_min_references: int = 12
    #: Above this many tables the whole-schema ERD becomes an overview of the groups.
    whole_schema_max_tables: int = 150
    #: Up to this many tables, eralchemy also draws the classic printable ERD (its layout is slow).
    classic_max_tables: int = 60
    #: Above this many tables in a diagram, boxes show the table name only (no columns).
    columns_max_tables: int = 60
    #: Automatic groups are split when larger than this.
    group_max_tables: int = 40
    #: Tables of the tooling rather than the schema (the SQLx migration ledger): listed apart, never drawn.
    infrastructure_tables: tuple[str, ...] = ("_sqlx_migrations",)
    #: Rows of a lookup table shown on the Statuses page.
    status_values_max: int = 200

    @property
    def lookup_rule(self):  # noqa: ANN201 - catalog.facts.LookupRule
        from ..catalog.facts import LookupRule

        return LookupRule(self.lookup_suffixes, self.lookup_tables)

    def is_lookup_name(self, schema: str, name: str) -> bool:
        return self.lookup_rule.matches(schema, name)


def load_config(path: Path | None = None) -> DocsConfig:
    """The config from `path` (default docs/erd.yml); defaults when the file does not exist."""
    path = path or CONFIG_FILE
    if not path.is_file():
        return DocsConfig()
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        raise ConfigError(f"Cannot read the docs configuration {where}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"The docs configuration {path} must be a mapping of settings, not {type(raw).__name__}.")
    known = {f.name: f for f in fields(DocsConfig)}
    values: dict = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"Unknown setting {key!r} in {path}.", "Known settings: " + ", ".join(sorted(known)) + ".")
        default = getattr(DocsConfig(), key)
        if key == "groups":
            if not isinstance(value, dict) or not all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                                                      for v in value.values()):
                raise ConfigError(f"Setting 'groups' in {path} must map each group title to a list of table names.")
            values[key] = {str(k): tuple(v) for k, v in value.items()}
        elif isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise ConfigError(f"Setting {key!r} in {path} must be a list of names, not {value!r}.")
            values[key] = tuple(value)
        elif isinstance(default, int):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"Setting {key!r} in {path} must be a whole number >= 0, not {value!r}.")
            values[key] = value
    return DocsConfig(**values)
