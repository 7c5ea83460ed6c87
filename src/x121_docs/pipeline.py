"""The main job (`make docs`): one command from a fresh machine to the published state.

Stages run in data-flow order: server -> bootstrap -> migrate -> lint -> status -> docs (the
site, whose path is printed last).  Lint findings do not stop the site from being built (it
publishes them), but they make the job exit 1, as CI's lint step does.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .errors import EXIT_FINDINGS

if TYPE_CHECKING:
    from .config import Settings

# Registration imports argparse only; the stages import what they run.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="the main job: start the database, bootstrap, migrate, lint, report status "
                                     "and build the docs site")
    p.set_defaults(func=cmd_build, format="table")


def cmd_build(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .database.commands import cmd_status, describe_server
    from .output import console, esc
    from .startup import start

    out = console()
    runtime = start(load_settings(), create=True)
    out.print(esc(describe_server(runtime.settings)))
    for line in runtime.bootstrap.lines():
        out.print(esc(line))
    for line in runtime.migrations.lines() if runtime.migrations else ():
        out.print(esc(line))
    report = stage_lint(runtime.settings)
    if report is not None:
        c = report.counts()
        out.print(f"Lint of {esc(report.target)}: {c['error']} error(s), {c['warning']} warning(s), "
                  f"{c['suppressed']} suppressed, {c['baselined']} baselined (details: x121-docs lint).")
    code = cmd_status(args) or docs_stage(runtime.settings)
    if not code and report is not None and report.failing():
        out.print(f"The site is built, but the migrations have {len(report.failing())} compliance finding(s) at or "
                  "above the failing severity: run `x121-docs lint` for the report.")
        return EXIT_FINDINGS
    return code


def stage_lint(settings: Settings):  # noqa: ANN201 (LintReport | None; lazy import keeps start-up light)
    """The lint stage: the migrations folder linted on a throwaway database (what CI checks on every
    pull request).  None when there is no migrations folder."""
    from .lint import lint_migrations, load_config

    if not settings.migrations_dir.is_dir():
        return None
    return lint_migrations(settings, settings.migrations_dir, load_config())


def docs_stage(settings: Settings) -> int:
    """Regenerate docs/generated/ and build the site; print where it is.

    The Conventions page lints the reflected live catalog itself (not this run's migrations report),
    so `docs build` alone, this stage and `docs check` always produce the same pages."""
    from pathlib import Path

    from .docs.build import build
    from .docs.commands import report

    report(build(settings, Path.cwd()))
    return 0
