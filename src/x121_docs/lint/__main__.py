"""`x121-lint` / `python -m x121_docs.lint`: the `lint` command alone, for editors and pre-commit.

Same options, output and exit codes as `x121-docs lint`; it builds only this command's parser,
so `x121-lint --static` starts without importing the rest of the workbench (database drivers,
the docs generator).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import WorkbenchError
    from . import commands

    parser = argparse.ArgumentParser(prog="x121-lint")
    sub = parser.add_subparsers(dest="command")
    commands.register(sub)
    try:
        args = parser.parse_args(["lint", *(sys.argv[1:] if argv is None else argv)])
        return int(args.func(args) or 0)
    except WorkbenchError as err:
        from ..output import err_console, scrub

        err_console().print(f"[bold red]error:[/] {scrub(err.render())}", highlight=False, soft_wrap=True)
        return err.exit_code


def run() -> None:
    """The console entry (pre-commit's `x121-lint`): `main()`, then the process's end (collector.exit_with)."""
    from ..collector import exit_with

    exit_with(main())


if __name__ == "__main__":
    run()
