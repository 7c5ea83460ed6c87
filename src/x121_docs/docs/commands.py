"""`x121-docs docs build | serve | check`: the schema docs site from the live database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_FINDINGS, EXIT_OK, WorkbenchError
from .config import CONFIG_FILE, load_config

if TYPE_CHECKING:
    from .build import BuildResult

# Registration imports argparse and the settings file's name only; each action imports what it runs
# (the builder pulls in psycopg, Jinja, networkx, MkDocs).


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="the schema docs site: build, serve, check for drift")
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION", parser_class=type(p))
    b = dsub.add_parser("build", help="regenerate docs/generated/ from the live database and build site/")
    b.add_argument("--no-site", action="store_true", help="write the Markdown and SVG only (no mkdocs build)")
    b.add_argument("--config", type=Path, default=None, help=f"docs settings file (default {CONFIG_FILE})")
    b.add_argument("--since", metavar="REF", help="add a Changes page: the schema review of the migrations since "
                                                  "this git ref (site only)")
    b.add_argument("--dependencies", type=Path, metavar="FILE",
                   help="JSON of `scan dependencies`: table pages show its findings as confirmed on data")
    b.add_argument("--live", action="store_true", help="show live figures (row estimates, status usage, migration "
                   "times) read from a read-only connection to LIVE_DB_* (default: the documented database)")
    b.set_defaults(func=cmd_build)
    s = dsub.add_parser("serve", help="build, then serve site/ on http://HOST:PORT until Ctrl-C")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-build", action="store_true", help="serve the existing site/ as it is")
    s.add_argument("--config", type=Path, default=None)
    s.add_argument("--live", action="store_true", help="build with live figures (see docs build --live)")
    s.set_defaults(func=cmd_serve)
    c = dsub.add_parser("check", help="fail when the committed docs/generated/ differs from the live schema")
    c.add_argument("--config", type=Path, default=None)
    c.set_defaults(func=cmd_check)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _settings():
    from ..config import load_settings
    from ..output import err_console
    from ..startup import start_read_only

    # The docs describe the database as it is, pending migrations flagged; they never migrate it
    # (`x121-docs build` and `migrate run` do), and a database that is behind is still documented.
    runtime = start_read_only(load_settings())
    for note in runtime.notes:
        err_console().print(note, highlight=False, markup=False, soft_wrap=True)
    return runtime.settings


def _live(args: argparse.Namespace, settings):  # noqa: ANN001, ANN202
    from .data import live_settings

    return live_settings(settings) if getattr(args, "live", False) else None


def report(result: BuildResult) -> None:
    from ..output import console, esc
    from . import site

    out = console()
    for path in result.created:
        out.print(f"created {esc(path)} (default; edit it freely)")
    g = result.generated
    out.print(f"docs: {result.tables} relations, {len(g.files)} files in {site.GENERATED} "
              f"({result.written} written, {result.removed} removed), {g.diagrams} diagrams")
    if result.index_html:
        # search and the diagrams' controls need http:// (opened from disk, the browser blocks their fetches)
        out.print("view it with `x121-docs docs serve --no-build` (http://127.0.0.1:8000/)", highlight=False)
        out.print(f"site: {esc(result.index_html)}")


def cmd_build(args: argparse.Namespace) -> int:
    root = Path.cwd()
    config = load_config(args.config or root / CONFIG_FILE)
    dependencies = None
    if args.dependencies:
        from ..integrity.dependencies import load_dependency_findings
        dependencies = load_dependency_findings(args.dependencies)
    settings = _settings()
    from .build import build  # the generator (Jinja, networkx, MkDocs) once the database answers

    report(build(settings, root, with_site=not args.no_site, config=config, live=_live(args, settings),
                 dependencies=dependencies, since=args.since))
    from ..collector import leave_to_the_os

    leave_to_the_os()  # connections closed, workers joined, files written: the catalog and pages need no freeing
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from ..output import console
    from . import site

    root = Path.cwd()
    if not args.no_build:
        settings = _settings()
        from .build import build

        report(build(settings, root, config=load_config(args.config or root / CONFIG_FILE), live=_live(args, settings)))
    folder = root / "site"
    if not (folder / "index.html").is_file():
        raise WorkbenchError(f"No built site in {folder}.", "Run `x121-docs docs build` first.")
    try:
        server = site.serve(folder, args.host, args.port)
    except OSError as exc:
        raise WorkbenchError(f"Cannot serve on {args.host}:{args.port}: {exc.strerror or exc}.",
                             "Pick another port with --port.") from None
    console().print(f"serving {folder} on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..output import console, err_console
    from . import site

    root = Path.cwd()
    folder = root / site.GENERATED
    settings = _settings()
    from .build import produce
    from .check import compare

    generated, _ = produce(settings, root, load_config(args.config or root / CONFIG_FILE))
    drift = compare(site.read_tree(folder), generated.files)
    if drift.clean:
        console().print(f"{site.GENERATED} matches the live schema ({len(generated.files)} files).")
        return EXIT_OK
    err_console().print(drift.summary(str(site.GENERATED)), highlight=False, markup=False)
    err_console().print("Run `x121-docs docs build` and commit docs/generated/.", highlight=False)
    return EXIT_FINDINGS
