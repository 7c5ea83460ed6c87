"""`x121-docs catalog dump`: the live database's catalog model as versioned JSON (read only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_OK

# Registration imports argparse only; psycopg and the catalog model are imported by `dump` when it runs.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="the catalog model of the live database: dump it as JSON")
    csub = p.add_subparsers(dest="catalog_command", metavar="ACTION", parser_class=type(p))
    d = csub.add_parser("dump", help="write the catalog (and lookup-table values) as deterministic, versioned JSON",
                        description="Reflect the configured database (read only) and write its catalog model as "
                                    "JSON: sorted keys, stable order, a format version; `Catalog.from_json` and "
                                    "`x121-docs review A.json --head B.json` read it back.")
    d.add_argument("--format", choices=("json",), default="json", help="output format (json)")
    d.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of standard output")
    d.add_argument("--schema", action="append", metavar="NAME", help="only this schema (repeatable)")
    d.add_argument("--no-lookup-values", action="store_true", help="leave out the lookup tables' rows")
    d.set_defaults(func=cmd_dump)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def dump_settings(settings, schemas=None, lookup_values: bool = True, root: Path | None = None):  # noqa: ANN001
    """The catalog of the database of `settings`, with the lookup values unless told otherwise."""
    from ..database.connect import connect, resolve
    from . import seeds
    from .reflect import reflect

    with connect(resolve(settings), autocommit=True, read_only=True) as conn:
        catalog = reflect(conn, schemas)
        if lookup_values:
            catalog = seeds.with_values(conn, catalog, seeds.configured_lookups(catalog, root or Path.cwd()))
    return catalog


def cmd_dump(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import scrub
    from .serialize import dumps

    catalog = dump_settings(load_settings(), args.schema, not args.no_lookup_values)
    text = scrub(dumps(catalog))
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
