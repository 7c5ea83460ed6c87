"""`x121-docs review BASE [--head REF]`: what a change to the migrations does to the schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import EXIT_FINDINGS, EXIT_OK, WorkbenchError

if TYPE_CHECKING:
    from .report import Review

# Registration imports argparse only; the review (pglast, psycopg, the linter, Graphviz) is imported when it runs.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review", help="schema review of a change: what it adds, alters, drops, cascades, locks",
        description="Apply the migrations as of git ref BASE and as of --head (default: the working tree) to two "
                    "throwaway databases and report every schema change with before and after, the cascade reach "
                    "that changed, lint findings introduced and fixed, the lock each new statement takes on an "
                    "existing table, and an SVG diagram of the change. BASE and --head may instead be two "
                    "`x121-docs catalog dump` files. Exit 0, or 1 with --fail-on when it finds that; 2 bad input.")
    p.add_argument("base", metavar="BASE", help="git ref of the base (e.g. origin/main), or a catalog dump .json file")
    p.add_argument("--head", metavar="REF", help="git ref of the head, or a catalog dump (default: the working tree)")
    p.add_argument("--migrations", type=Path, metavar="DIR", help="migrations folder (default: X121_MIGRATIONS_DIR)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE (default: stdout)")
    p.add_argument("--json-output", type=Path, metavar="FILE", help="also write the JSON report to FILE")
    p.add_argument("--diagram", type=Path, metavar="FILE.svg", help="write the diagram of the change to this SVG file")
    p.add_argument("--diagram-url", metavar="URL", help="link the Markdown report to the diagram at URL (a CI artifact)")
    p.add_argument("--fail-on", choices=("high-risk", "lint"), action="append", default=[],
                   help="exit 1 when a statement is high-risk on an existing table / the change adds lint errors")
    p.add_argument("--config", type=Path, metavar="PYPROJECT", help="pyproject.toml with [tool.x121-lint]")
    p.set_defaults(func=cmd_review)


def _is_dump(value: str) -> bool:
    return value.endswith(".json") and Path(value).is_file()


def run_review(args: argparse.Namespace) -> Review:
    from ..config import load_settings
    from ..lint.config import load_config
    from .report import from_dumps, from_refs

    config = load_config(args.config)
    if _is_dump(args.base) or (args.head and _is_dump(args.head)):
        if not (args.head and _is_dump(args.base) and _is_dump(args.head)):
            raise WorkbenchError("Comparing catalog dumps needs two dump files: BASE and --head both name a "
                                 f"`catalog dump` .json file (got {args.base!r} and {args.head!r}).",
                                 "Write them with `x121-docs catalog dump -o FILE`, or give two git refs.")
        return from_dumps(Path(args.base), Path(args.head), config=config)
    settings = load_settings()
    folder = args.migrations or settings.migrations_dir
    return from_refs(settings, folder, args.base, args.head, config=config, root=Path.cwd())


def cmd_review(args: argparse.Namespace) -> int:
    from ..output import console, esc, scrub
    from .locks import HIGH
    from .render import to_json, to_markdown

    review = run_review(args)
    if args.diagram and review.svg is not None:
        args.diagram.write_text(review.svg.text + "\n", encoding="utf-8")
    diagram_ref = args.diagram_url or (str(args.diagram) if args.diagram and review.svg is not None else None)
    if args.format == "json":
        text = to_json(review, diagram_ref)
    else:
        text = to_markdown(review, diagram_ref)
    text = scrub(text)
    if args.json_output:
        args.json_output.write_text(scrub(to_json(review, diagram_ref)), encoding="utf-8")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        console().print(f"wrote the review to {esc(args.output)}")
    else:
        sys.stdout.write(text)
    failing = ("high-risk" in args.fail_on and any(s.risk == HIGH for s in review.risky_locks)) or \
        ("lint" in args.fail_on and any(f.severity == "error" for f in review.lint.introduced))
    return EXIT_FINDINGS if failing else EXIT_OK
