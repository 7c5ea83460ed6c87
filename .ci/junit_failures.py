#!/usr/bin/env python3
"""Every test that failed in any of N runs, from the JUnit XML files `make test-repeat` leaves.

Usage: junit_failures.py [--runs N] FOLDER   (FOLDER holds pytest-I.xml and nbval-I.xml, I = 1..N)

Prints one line per test that failed or errored at least once: in how many runs, its id, and the
first line of its first failure; a run whose XML is missing (the run crashed or was cut off) is
reported as such.  Exit code 0 when every run passed every test, 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def outcomes(xml: Path) -> dict[str, str | None]:
    """test id -> None when it passed or was skipped, else the first line of its failure or error."""
    result: dict[str, str | None] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            result.setdefault(test, None)
        else:
            text = (problem.get("message") or problem.text or problem.tag).strip()
            result[test] = text.splitlines()[0][:160] if text else problem.tag
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=None, help="runs expected (default: as many as found)")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"junit_failures: {args.folder} is not a folder of JUnit XML files", file=sys.stderr)
        return 2
    runs = args.runs or len(list(args.folder.glob("pytest-*.xml")))
    failed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    missing, total = [], 0
    for i in range(1, runs + 1):
        for half in ("pytest", "nbval"):
            xml = args.folder / f"{half}-{i}.xml"
            try:
                found = outcomes(xml)
            except (OSError, ET.ParseError) as exc:
                missing.append(f"run {i}: no {half} results ({xml.name}: {exc.__class__.__name__})")
                continue
            total += len(found)
            for test, problem in found.items():
                if problem is not None:
                    failed[test].append((i, problem))
    for line in missing:
        print(line)
    for test, runs_failed in sorted(failed.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        which = ",".join(str(i) for i, _ in runs_failed)
        print(f"FAILED in {len(runs_failed)} of {runs} runs (run {which}): {test}\n    {runs_failed[0][1]}")
    clean = not failed and not missing
    print(f"test-repeat: {runs} runs, {total} test results, "
          + ("every test passed in every run" if clean else f"{len(failed)} test(s) failed in at least one run"))
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
