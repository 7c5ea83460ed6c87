"""The main job (`make docs`): one command from a fresh machine to the published state.

Stages run in data-flow order: server -> bootstrap -> migrate -> status -> docs (the site,
whose path is printed last); the lint stage joins before docs.
"""

from __future__ import annotations

import argparse

from .config import Settings, load_settings
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
    report = stage_lint(runtime.settings)
    if report is not None:
        c = report.counts()
        out.print(f"Lint of {report.target}: {c['error']} error(s), {c['warning']} warning(s), "
                  f"{c['suppressed']} suppressed, {c['baselined']} baselined (details: x121-docs lint).")
    code = cmd_status(args)
    return code or docs_stage(runtime.settings, report)


def stage_lint(settings: Settings):  # noqa: ANN201 (LintReport | None; lazy import keeps start-up light)
    """The lint stage: the migrations folder linted on a throwaway database; the report object is
    handed to the docs stage, which publishes it.  None when there is no migrations folder."""
    from .lint import lint_migrations, load_config

    if not settings.migrations_dir.is_dir():
        return None
    return lint_migrations(settings, settings.migrations_dir, load_config())


def docs_stage(settings: Settings, lint_report=None) -> int:  # noqa: ANN001 (LintReport | None)
    """Regenerate docs/generated/ and build the site; print where it is."""
    from pathlib import Path

    from .docs.build import build
    from .docs.commands import report

    report(build(settings, Path.cwd(), lint_report=lint_report))
    return 0
