"""The main job (`make docs`): one command from a fresh machine to the published state.

Stages run in data-flow order: server -> bootstrap -> migrate -> status; later stages (lint,
docs) follow.
"""

from __future__ import annotations

import argparse

from .config import load_settings
from .database.commands import cmd_status, describe_server
from .output import console
from .startup import start


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="the main job: start the database, bootstrap it, migrate it, and report status")
    p.set_defaults(func=cmd_build, format="table")


def cmd_build(args: argparse.Namespace) -> int:
    out = console()
    runtime = start(load_settings(), create=True)
    out.print(describe_server(runtime.settings))
    for line in runtime.bootstrap.lines():
        out.print(line)
    for line in runtime.migrations.lines() if runtime.migrations else ():
        out.print(line)
    return cmd_status(args)
