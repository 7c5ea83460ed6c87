"""Benchmark: fixed start-up of `x121-docs` commands, next to the interpreter's and the driver's own.

Targets (issue 18): `x121-docs --help` <= 0.12 s; every command's fixed start-up <= 0.3 s, measured
two ways: its `--help` (argparse and the command's module, no database) and the command run against
a server that is not there (DB_HOST names a folder with no socket: the command imports what it
needs to connect, tries, and exits 2 with its one-paragraph error).  The peers, measured interleaved
in the same run: `python -c pass` (the floor any Python CLI pays), `python -c "import psycopg"`
(the floor of any Python command that talks to PostgreSQL) and `squawk --help` when squawk is
installed (a native linter).  Medians of interleaved runs, wall and CPU (user + system) seconds.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchlib

EXE = Path(sys.executable).with_name("x121-docs")

#: Commands run against a server that is not there: each fails at its first connection.
FAIL_FAST = (["db", "status"], ["migrate", "status"], ["lint", "--db"], ["docs", "build"], ["scan", "orphans"],
             ["delete-preview", "projects", "1"], ["delete", "projects", "1", "--yes"], ["catalog", "dump"],
             ["build"])


def help_commands() -> list[list[str]]:
    from x121_docs.cli import COMMANDS

    return [["--help"]] + [[name, "--help"] for name, _, _ in COMMANDS] + [
        ["docs", "build", "--help"], ["scan", "orphans", "--help"], ["catalog", "dump", "--help"]]


def timed(argv: list[str], env: dict[str, str], cwd: Path, expect: int | None) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `argv` (CPU: user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if expect is not None and done.returncode != expect:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}, not {expect}: {done.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = benchlib.parser(__doc__)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    repeat = 1 if args.smoke else args.repeat
    benchlib.compile_workbench()
    work = Path(tempfile.mkdtemp(prefix="x121-bench-startup-"))
    (work / "nosocket").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "X121_", "APP_ENV"))}
    env.update({"COLUMNS": "120", "DB_HOST": str(work / "nosocket"), "DB_PORT": "5432"})

    cases: dict[str, tuple[list[str], int | None, str]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], 0, "peer"),
        "python -c 'import psycopg'": ([sys.executable, "-c", "import psycopg"], 0, "peer"),
    }
    squawk = shutil.which("squawk") or (str(Path(sys.executable).with_name("squawk"))
                                        if Path(sys.executable).with_name("squawk").exists() else None)
    if squawk:
        cases["squawk --help"] = ([squawk, "--help"], None, "peer")
    helps = help_commands()
    for argv in helps[:2] if args.smoke else helps:  # smoke: the top level and one command
        cases["x121-docs " + " ".join(argv)] = ([str(EXE), *argv], 0, "<= 0.12 s" if argv == ["--help"] else "<= 0.3 s")
    for argv in FAIL_FAST[:1] if args.smoke else FAIL_FAST:
        cases["x121-docs " + " ".join(argv) + " (no server)"] = ([str(EXE), *argv], 2, "<= 0.3 s")

    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for _ in range(repeat):  # interleaved: every case sees the same machine load
            for name, (argv, expect, _) in cases.items():
                wall, cpu = timed(argv, env, work, expect)
                walls[name].append(wall)
                cpus[name].append(cpu)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(walls["python -c pass"])
    lines = [f"`python bench/bench_startup.py --repeat {repeat}`. Machine: {benchlib.machine_note()} (at the end of "
             f"the run); {repeat} interleaved runs per command, medians. \"no server\": DB_HOST names a folder with no "
             "socket, so the command imports what it needs, tries to connect and exits 2.", "",
             "| command | median wall s | best wall s | median CPU s | wall / python -c pass | target | met |",
             "|---|---:|---:|---:|---:|---|---|"]
    for name, (_, _, target) in cases.items():
        med = statistics.median(walls[name])
        met = "" if target == "peer" else ("yes" if med <= float(target.split()[1]) else "no")
        lines.append(f"| `{name}` | {med:.3f} | {min(walls[name]):.3f} | {statistics.median(cpus[name]):.3f} | "
                     f"{med / floor:.2f}x | {target} | {met} |")
    benchlib.publish(args, "startup", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
