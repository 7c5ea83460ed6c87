"""The `x121-docs` command: one argparse tree, one error policy, imports paid only by the command run.

Each feature module registers its own sub-commands (`register(subparsers)`).  Importing every
module to build the tree would cost each invocation the whole workbench (psycopg, rich, pglast,
Jinja...), so the top level is a manifest: command name, the module that registers it, and its
one-line help.  Only the module of the command being run is imported; the others appear in
`--help` from the manifest.  A test checks that the manifest says what the modules register.
An expected error is one paragraph on stderr and a non-zero exit; anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import EXIT_USAGE, WorkbenchError

#: (command, module that registers it, one-line help), in the order `--help` lists them.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("build", "x121_docs.pipeline",
     "the main job: start the database, bootstrap, migrate, lint, report status and build the docs site"),
    ("db", "x121_docs.database.commands", "the database server: start, stop, bootstrap, status"),
    ("migrate", "x121_docs.migrate.commands",
     "SQL migrations (SQLx-compatible ledger): run, status, check, new, baseline"),
    ("lint", "x121_docs.lint.commands",
     "check the schema conventions: migrations (default), --static, --db, or --code PATHS"),
    ("docs", "x121_docs.docs.commands", "the schema docs site: build, serve, check for drift"),
    ("scan", "x121_docs.integrity.commands", "integrity scans: orphaned rows, file drift, data dependencies"),
    ("delete-preview", "x121_docs.integrity.commands",
     "what deleting one row would delete, clear or be refused by"),
    ("delete", "x121_docs.integrity.commands", "delete one row; a delete that cascades needs the preview's token"),
    ("catalog", "x121_docs.catalog.commands", "the catalog model of the live database: dump it as JSON"),
    ("review", "x121_docs.review.commands",
     "schema review of a change: what it adds, alters, drops, cascades, locks"),
)

#: Every module that registers commands (each once, in manifest order).
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(module for _, module, _ in COMMANDS))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2
        self.print_usage(sys.stderr)
        raise WorkbenchError(f"{self.prog}: {message}")


def requested_command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line: the first word that is not an option.

    The top level has no option that takes a value, so the first non-option word is the command.
    """
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: Sequence[str] | None = None, *, full: bool = False) -> argparse.ArgumentParser:
    """The argparse tree: the requested command's module registers it for real, the rest are named only.

    `full=True` imports every module (for tests and tools that walk the whole tree).
    """
    parser = _Parser(prog="x121-docs", description="x121 schema workbench")
    parser.add_argument("--version", action="version", version=f"x121-docs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    wanted = requested_command(sys.argv[1:] if argv is None else argv)
    owner = next((module for name, module, _ in COMMANDS if name == wanted), None)
    loaded: set[str] = set()
    for name, module, help_text in COMMANDS:
        if full or module == owner:
            if module not in loaded:
                importlib.import_module(module).register(sub)
                loaded.add(module)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except WorkbenchError as err:
        from .output import err_console, esc, scrub

        err_console().print(f"[bold red]error:[/] {esc(scrub(err.render()))}", highlight=False, soft_wrap=True)
        return err.exit_code
    except KeyboardInterrupt:
        from .output import err_console

        err_console().print("[bold red]interrupted[/]")
        return 130


def run() -> None:
    """The console entry: `main()`, then the process's end (collector.exit_with)."""
    from .collector import exit_with

    exit_with(main())


if __name__ == "__main__":  # pragma: no cover
    run()
