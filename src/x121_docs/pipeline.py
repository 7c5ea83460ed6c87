"""The main job (`make docs`): one command from a fresh machine to the published state.

Stages run in data-flow order: server -> bootstrap -> migrate -> status -> docs (the site,
whose path is printed last); the lint stage joins before docs.
"""

from __future__ import annotations

import argparse

from .config import load_settings
from .database.commands import cmd_status, describe_server
from .output import console
from .startup import start


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="the main job: start the database, bootstrap it, migrate it, report status and build the docs site")
    p.set_defaults(func=cmd_build, format="table")


def cmd_build(args: argparse.Namespace) -> int:
    out = console()
    runtime = start(load_settings(), create=True)
    out.print(describe_server(runtime.settings))
    for line in runtime.bootstrap.lines():
        out.print(line)
    for line in runtime.migrations.lines() if runtime.migrations else ():
        out.print(line)
    code = cmd_status(args)
    return code or docs_stage(runtime.settings)


def docs_stage(settings) -> int:  # noqa: ANN001 (Settings)
    """Regenerate docs/generated/ and build the site; print where it is."""
    from pathlib import Path

    from .docs.commands import report
    from .docs.build import build

    report(build(settings, Path.cwd()))
    return 0
