"""Benchmark: fixed start-up of `x121-docs` commands, next to the interpreter's own start-up.

Targets (issue 18): `x121-docs --help` <= 0.12 s; every command's fixed start-up (its
`--help`, which imports the command's module but touches no database) <= 0.3 s.  The peers,
measured interleaved in the same run: `python -c pass` (the floor any Python CLI pays) and
`squawk --help` when squawk is installed (a native linter).  Medians of interleaved runs.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchlib

EXE = Path(sys.executable).with_name("x121-docs")


def commands() -> list[list[str]]:
    from x121_docs.cli import COMMANDS

    return [["--help"]] + [[name, "--help"] for name, _, _ in COMMANDS]


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = benchlib.parser(__doc__)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    repeat = 1 if args.smoke else args.repeat
    cases: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    squawk = shutil.which("squawk") or (str(Path(sys.executable).with_name("squawk"))
                                        if Path(sys.executable).with_name("squawk").exists() else None)
    if squawk:
        cases["squawk --help"] = [squawk, "--help"]
    for argv in commands()[:2] if args.smoke else commands():  # smoke: the top level and one command
        cases["x121-docs " + " ".join(argv)] = [str(EXE), *argv]
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):  # interleaved: every case sees the same machine load
        for name, argv in cases.items():
            times[name].append(timed(argv))
    floor = statistics.median(times["python -c pass"])
    lines = [f"Machine: {benchlib.machine_note()}; {repeat} interleaved runs, medians.", "",
             "| command | median s | best s | / python -c pass | target |", "|---|---:|---:|---:|---|"]
    for name, values in times.items():
        med = statistics.median(values)
        target = "<= 0.12 s" if name == "x121-docs --help" else ("<= 0.3 s" if name.startswith("x121-docs") else "peer")
        lines.append(f"| `{name}` | {med:.3f} | {min(values):.3f} | {med / floor:.2f}x | {target} |")
    benchlib.publish(args, "startup", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
