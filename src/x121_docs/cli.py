"""The `x121-docs` command: one argparse tree, one error policy.

Each feature module registers its own sub-commands (`register(subparsers)`), so this file
only wires them together and decides how errors look: an expected error is one paragraph
on stderr and a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .errors import EXIT_USAGE, WorkbenchError
from .output import err_console, scrub

#: Modules that add sub-commands, in the order `--help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "x121_docs.pipeline",
    "x121_docs.database.commands",
    "x121_docs.migrate.commands",
    "x121_docs.lint.commands",
    "x121_docs.docs.commands",
    "x121_docs.integrity.commands",
    "x121_docs.catalog.commands",
    "x121_docs.review.commands",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: one line, exit 2
        self.print_usage(sys.stderr)
        raise WorkbenchError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="x121-docs", description="x121 schema workbench")
    parser.add_argument("--version", action="version", version=f"x121-docs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        return int(args.func(args) or 0)
    except WorkbenchError as err:
        err_console().print(f"[bold red]error:[/] {scrub(err.render())}", highlight=False, soft_wrap=True)
        return err.exit_code
    except KeyboardInterrupt:
        err_console().print("[bold red]interrupted[/]")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
