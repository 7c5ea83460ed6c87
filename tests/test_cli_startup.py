"""Start-up cost of the command: `--help` imports no heavy library, and the manifest tells the truth.

The top-level parser is built from a manifest so that a command imports only its own module.
A manifest that drifts from what the modules register would hide or misdescribe a command, so
the first test compares them; the others pin what `--help` may import and how long it may take.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import subprocess
import sys
import tempfile

import pytest
from conftest import subprocess_env

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
    up to five runs: the best total, and each module's best time (a load spike lands on whichever
    module is importing then, so the worst module of the best run could still be a spike: gettext
    at 50.8 ms once under the full suite); the interpreter's own start-up modules (those
    `python -c pass` imports) are not ours.
    """
    bare = set(_importtime(code="pass")[0])
    best_total, best_each = None, {}
    for _ in range(5):
        times, _ = _importtime("--help")
        ours = {name: t for name, t in times.items() if name not in bare}
        total = sum(ours.values())
        best_total = total if best_total is None else min(best_total, total)
        for name, t in ours.items():
            best_each[name] = min(t, best_each.get(name, t))
        if best_total < 150_000 and max(best_each.values()) < 50_000:
            break
    worst = max(best_each, key=best_each.get)
    assert best_each[worst] < 50_000, f"{worst} took {best_each[worst] / 1000:.1f} ms to import"
    assert best_total < 150_000, f"--help imported modules for {best_total / 1000:.1f} ms"


#: Runs `x121-docs ARGV` in process and writes what it imported (sys.modules) and its exit code as JSON.
#: `--bare` writes the modules of the interpreter alone (plus json), the baseline every list is taken from.
_IMPORTS = """
import json, sys
out, argv, code = sys.argv[1], sys.argv[2:], None
if argv != ["--bare"]:
    from x121_docs import cli
    try:
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code
with open(out, "w", encoding="utf-8") as f:
    json.dump({"modules": sorted(sys.modules), "exit": code}, f)
"""


def _imports(tmp_path, *argv: str, env: dict[str, str] | None = None) -> tuple[set[str], int, str]:
    """The modules `x121-docs ARGV` imports beyond a bare interpreter, its exit code and its stderr."""
    out = tmp_path / "imports.json"
    proc = subprocess.run([sys.executable, "-c", _IMPORTS, str(out), *argv], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=subprocess_env(**(env or {})))
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    return set(data["modules"]) - _bare_modules(), data["exit"], proc.stderr


@functools.cache
def _bare_modules() -> frozenset[str]:
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bare.json"
        subprocess.run([sys.executable, "-c", _IMPORTS, str(out), "--bare"], check=True, timeout=60,
                       env=subprocess_env())
        return frozenset(json.loads(out.read_text(encoding="utf-8"))["modules"])


def _packages(modules: set[str]) -> set[str]:
    """Top-level names of the third-party modules among `modules` (not the standard library, not ours)."""
    return {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - {"x121_docs"}


def _ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "x121_docs" or m.startswith("x121_docs.")}


#: Every command's `--help`, and each sub-command's: what a person types to learn the tool.
HELP_ARGV = [[name] for name, _, _ in cli.COMMANDS] + [
    ["db", "status"], ["migrate", "run"], ["migrate", "status"], ["migrate", "new"], ["docs", "build"],
    ["docs", "serve"], ["docs", "check"], ["scan", "orphans"], ["scan", "files"], ["scan", "dependencies"],
    ["catalog", "dump"], ["lint", "--static"]]
#: Stdlib-only modules a registration may load: the docs settings file's name, the migration file names,
#: the catalog package's model and reflection (whose driver is the caller's connection).
LIGHT = {"x121_docs.docs.config", "x121_docs.migrate.files", "x121_docs.catalog.model", "x121_docs.catalog.reflect"}


@pytest.mark.parametrize("argv", HELP_ARGV, ids=" ".join)
def test_a_commands_help_imports_the_standard_library_and_its_own_module_only(argv, tmp_path):
    """`CMD --help` imports argparse and the command's module: no driver, no rich, no other command's code."""
    module = next(m for name, m, _ in cli.COMMANDS if name == argv[0])
    modules, code, _ = _imports(tmp_path, *argv, "--help")
    assert code == 0
    assert not _packages(modules), sorted(_packages(modules))
    parents = {module.rsplit(".", n)[0] for n in range(module.count(".") + 1)}
    allowed = {"x121_docs", "x121_docs.cli", "x121_docs.errors", *parents} | LIGHT
    assert _ours(modules) <= allowed, sorted(_ours(modules) - allowed)


def test_the_top_level_help_imports_the_manifest_only(tmp_path):
    modules, code, _ = _imports(tmp_path, "--help")
    assert code == 0 and not _packages(modules)
    assert _ours(modules) == {"x121_docs", "x121_docs.cli", "x121_docs.errors"}


#: Libraries a command needs only once the database has answered (the generator, the SQL parser, the
#: data-dependency scan, the pool, the diagrams): none of them may load before the connection fails.
AFTER_CONNECT = {"pglast", "orjson", "jinja2", "markupsafe", "networkx", "mkdocs", "pygraphviz", "yaml", "desbordante",
                 "pandas", "numpy", "pgvector", "psycopg_pool", "nbformat", "IPython"}
#: Commands run against a server that is not there (DB_HOST names a folder with no socket).
FAIL_FAST = [["db", "start"], ["db", "status"], ["db", "bootstrap"], ["migrate", "status"], ["migrate", "check"],
             ["migrate", "run"], ["migrate", "baseline", "20260101000000", "--yes-mark-applied"], ["lint", "--db"],
             ["docs", "build"], ["docs", "check"], ["scan", "orphans"], ["scan", "files", "."],
             ["scan", "dependencies"], ["delete-preview", "projects", "1"], ["delete", "projects", "1", "--yes"],
             ["catalog", "dump"], ["build"]]
#: The workbench's own modules a command may load before its connection fails: the docs generator alone
#: is about 50, the linter's rules about 40, so importing either early breaks the bound.
OWN_MODULES = 35
OWN_MODULES_LINT = 70  # the rule registry (every rule module) settles severities before connecting


@pytest.mark.parametrize("argv", FAIL_FAST, ids=" ".join)
def test_a_command_that_cannot_connect_imports_only_the_driver_and_the_terminal(argv, tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "20260101000000_create_t.sql").write_text("CREATE TABLE t (id bigint);\n")
    # a short folder: the socket path under tmp_path could pass the 107-byte limit of a Unix socket
    with tempfile.TemporaryDirectory(prefix="nosock-") as nosocket:
        modules, code, err = _imports(tmp_path, *argv, env={"DB_HOST": nosocket, "DB_PORT": "5432"})
    assert code == 2 and "Cannot reach the PostgreSQL server" in err, err
    assert not _packages(modules) & AFTER_CONNECT, sorted(_packages(modules) & AFTER_CONNECT)
    assert "psycopg" in _packages(modules)  # it did try to connect
    budget = OWN_MODULES_LINT if argv[0] == "lint" else OWN_MODULES
    assert len(_ours(modules)) <= budget, sorted(_ours(modules))


def test_jsonschema_builds_no_grammar_at_import():
    """nbformat (the notebook pages, nbval) and Jupyter's servers import jsonschema, which from 4.25 on
    imports rfc3987-syntax: ~35 Earley grammars built at import, about 2 CPU-s in every such process.
    pyproject.toml keeps jsonschema below 4.25; this fails if an upgrade brings the grammars back."""
    code = ("import sys, nbformat, jsonschema; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'lark', 'rfc3987_syntax'}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]", proc.stdout


def test_a_dump_to_a_file_runs_without_the_terminal_library(fresh_db, tmp_path):
    """`catalog dump -o FILE` prints nothing: its text is scrubbed (output.scrub) without importing rich
    (about 75 ms of a whole command that pg_dump is measured against)."""
    env = {"DB_HOST": str(fresh_db.host), "DB_PORT": str(fresh_db.port), "DB_NAME": fresh_db.name,
           "DB_USER": fresh_db.user or ""}
    modules, code, err = _imports(tmp_path, "catalog", "dump", "-o", str(tmp_path / "c.json"), env=env)
    assert code == 0, err
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["format"] == "x121-catalog"
    assert "psycopg" in _packages(modules) and "rich" not in _packages(modules), sorted(_packages(modules))
