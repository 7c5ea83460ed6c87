"""Start-up cost of the command: `--help` imports no heavy library, and the manifest tells the truth.

The top-level parser is built from a manifest so that a command imports only its own module.
A manifest that drifts from what the modules register would hide or misdescribe a command, so
the first test compares them; the others pin what `--help` may import and how long it may take.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from x121_docs import cli

#: Libraries that cost tens to hundreds of milliseconds to import and that `--help` never needs.
HEAVY = ("psycopg", "psycopg_pool", "rich", "pglast", "jinja2", "inflect", "typeguard", "sqlalchemy", "mkdocs",
         "pygraphviz", "networkx", "yaml", "dotenv", "pgvector", "eralchemy")


def _registered() -> dict[str, str]:
    parser = cli.build_parser([], full=True)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help for choice in sub._choices_actions}


def test_manifest_matches_what_the_modules_register():
    assert _registered() == {name: help_text for name, _, help_text in cli.COMMANDS}


@pytest.mark.parametrize("name", [name for name, _, _ in cli.COMMANDS])
def test_each_command_builds_its_real_parser(name):
    parser = cli.build_parser([name])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    # the real parser has its own --help and options; a manifest stub has none
    assert sub.choices[name]._actions, name
    assert any("-h" in a.option_strings for a in sub.choices[name]._actions), name


def _importtime(*args: str, code: str | None = None) -> tuple[dict[str, int], int]:
    """Self time (µs) per module and the total, from `python -X importtime -m x121_docs ARGS` (or `-c CODE`)."""
    argv = ["-c", code] if code is not None else ["-m", "x121_docs", *args]
    proc = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 2), proc.stderr[-2000:]
    times: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            times[m.group(4)] = int(m.group(1))
    return times, sum(times.values())


def test_help_imports_no_heavy_library():
    times, _ = _importtime("--help")
    loaded = {name.split(".")[0] for name in times}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "x121_docs.cli" in times


def test_help_import_budget():
    """What `--help` imports beyond a bare interpreter: no module over 50 ms, under 150 ms in all.

    Wall-clock import times on a shared 2-core machine jump with its load, so this takes the best of
    five runs; the interpreter's own start-up modules (those `python -c pass` imports) are not ours.
    """
    bare = set(_importtime(code="pass")[0])
    best = None
    for _ in range(5):
        times, _ = _importtime("--help")
        ours = {name: t for name, t in times.items() if name not in bare}
        total, worst = sum(ours.values()), max(ours, key=ours.get)
        if best is None or total < best[0]:
            best = (total, worst, ours[worst])
        if total < 150_000 and ours[worst] < 50_000:
            break
    total, worst, worst_t = best
    assert worst_t < 50_000, f"{worst} took {worst_t / 1000:.1f} ms to import"
    assert total < 150_000, f"--help imported modules for {total / 1000:.1f} ms"


def test_a_command_imports_only_its_own_module():
    # importlib.import_module bypasses -X importtime's own line, so look at what each module imports
    times, _ = _importtime("migrate", "--help")
    assert "x121_docs.migrate.runner" in times
    assert not {"x121_docs.docs.build", "x121_docs.lint.engine", "x121_docs.integrity.impact"} & set(times)
