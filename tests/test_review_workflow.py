"""The pull-request workflow runs the review with options the command really has, and keeps one comment."""

from __future__ import annotations

import shlex

import yaml

from x121_docs.cli import build_parser

from conftest import PROJECT_ROOT

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "review.yml"


def test_workflow_reviews_pull_requests_touching_migrations():
    wf = yaml.safe_load(WORKFLOW.read_text())
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on` as true
    assert on["pull_request"]["paths"] == ["migrations/**"]
    assert wf["permissions"]["pull-requests"] == "write"
    steps = wf["jobs"]["review"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    run = next(s["run"] for s in steps if "x121-docs review" in s.get("run", ""))
    argv = shlex.split(run.replace("\\\n", " "))
    args = build_parser(argv[1:]).parse_args(argv[1:])  # the command line parses: no stale option names
    assert args.command == "review" and args.head == "HEAD" and args.output.name == "review.md"
    assert args.json_output.name == "review.json" and args.diagram.name == "schema-changes.svg"
    script = next(s["with"]["script"] for s in steps if s.get("uses", "").startswith("actions/github-script@"))
    assert "<!-- x121-review -->" in script and "updateComment" in script and "createComment" in script


def test_comment_marker_matches_the_renderer():
    from x121_docs.review.render import MARKER

    assert MARKER in WORKFLOW.read_text()
