"""The cold full docs build of 2,000 tables at a reference commit and at the work tree, interleaved.

Issue 18's target (a full build of 2,000 tables in at most 20 s) is a wall time on the machine the
issue was measured on, and the machines that sessions get differ by 2-3x and drift within the hour.
This runs the same build, from an empty folder, with REF's code and with the work tree's in turn
(ABBA order, each a new process) and reports the ratio of the medians. Multiplied by REF's full
build on the reference machine (`REFERENCE`, from a `bench:docs` block recorded there), it estimates
the work tree's build on that machine. Run: .venv/bin/python bench/bench_docs_against.py [--ref REF]
[--pairs N] [TABLES] (--smoke: 12 tables, one pair, REF=HEAD, RESULTS.md untouched).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import benchlib

HERE = Path(__file__).resolve().parent
#: REF's full build of 2,000 tables on the reference machine: the `bench:docs` block of 76e400b
#: (2026-12-02 17:24, pg_dump --schema-only 0.594 s, load 1.31), the last one recorded there.
REFERENCE = ("76e400b", 2000, 31.02)
TARGET_S = 20.0


def export(ref: str, into: Path) -> Path:
    """REF's `src/` (git archive, so the work tree is never touched); returns the folder to put on sys.path."""
    tar = subprocess.run(["git", "-C", str(HERE.parent), "archive", "--format=tar", ref, "src"], check=True,
                         capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def child(db: str, root: Path) -> None:
    """One cold full build with whichever x121_docs is first on sys.path; its figures as JSON on stdout."""
    import time

    import x121_docs
    from x121_docs.docs.build import build

    settings = benchlib.admin_settings("docs").with_database(db)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)

    c0, t0 = benchlib.cpu_seconds(), time.perf_counter()
    result = build(settings, root)
    wall, used = time.perf_counter() - t0, benchlib.cpu_seconds() - c0
    print(json.dumps({"source": x121_docs.__file__, "wall": wall, "cpu": used, "load": os.getloadavg()[0],
                      "stages": result.timings}))


def one(src: Path, db: str, root: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(HERE)]))
    proc = subprocess.run([sys.executable, __file__, "--child", db, str(root)], env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        sys.exit(f"the build with {src} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not out["source"].startswith(str(src)):
        sys.exit(f"the build meant for {src} imported {out['source']}")
    return out


def main() -> None:
    ap = benchlib.parser(__doc__)
    ap.add_argument("tables", nargs="?", type=int, default=REFERENCE[1])
    ap.add_argument("--ref", default=REFERENCE[0], help=f"the commit to compare with (default {REFERENCE[0]})")
    ap.add_argument("--pairs", type=int, default=3, help="pairs of builds, in ABBA order (default 3)")
    ap.add_argument("--child", nargs=2, metavar=("DB", "ROOT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child[0], Path(args.child[1]))
    n, ref, pairs = (12, "HEAD", 1) if args.smoke else (args.tables, args.ref, args.pairs)

    import psycopg

    from bench_docs import create_database
    from x121_docs.database.connect import conn_params

    admin = benchlib.admin_settings("docs")
    db = f"bench_docs_against_{n}" + (f"_smoke_{os.getpid()}" if args.smoke else "")
    work = Path(tempfile.mkdtemp(prefix="bench-docs-against-"))
    try:
        create_database(admin, db, n)
        sources = {"ref": export(ref, work / "ref"), "tree": HERE.parent / "src"}
        runs: dict[str, list[dict]] = {"ref": [], "tree": []}
        for i in range(pairs):
            for side in ("ref", "tree") if i % 2 == 0 else ("tree", "ref"):
                runs[side].append(one(sources[side], db, work / f"site-{side}"))
                print(side, json.dumps({k: round(v, 2) for k, v in runs[side][-1].items() if k in ("wall", "cpu", "load")}),
                      file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        with psycopg.connect(autocommit=True, **conn_params(admin)) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    rev = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", ref], capture_output=True, text=True,
                         check=True).stdout.strip()
    tree = subprocess.run(["git", "-C", str(HERE.parent), "describe", "--always", "--dirty=+"], capture_output=True,
                          text=True, check=True).stdout.strip()
    med = {side: statistics.median(r["wall"] for r in runs[side]) for side in runs}
    ratio = med["tree"] / med["ref"]
    out = [f"Machine: {benchlib.machine_note()}", "",
           f"| build | {n:,} tables, full build s (CPU s), in run order | median s |", "|---|---|---:|"]
    for side, label in (("ref", f"{ref} ({rev})"), ("tree", f"work tree ({tree})")):
        out.append(f"| {label} | " + ", ".join(f"{r['wall']:.1f} ({r['cpu']:.0f})" for r in runs[side])
                   + f" | {med[side]:.1f} |")
    out += ["", f"Work tree / {ref}: **{ratio:.2f}x** (medians of {pairs} pair{'s' if pairs > 1 else ''})."]
    if n == REFERENCE[1] and rev.startswith(REFERENCE[0][:7]):
        estimate = ratio * REFERENCE[2]
        verdict = "within" if estimate <= TARGET_S else "over"
        out.append(f"On the reference machine {REFERENCE[0]} built {REFERENCE[1]:,} tables in {REFERENCE[2]} s, so the work "
                   f"tree would take about **{estimate:.1f} s** there: {verdict} issue 18's {TARGET_S:.0f} s.")
    benchlib.publish(args, "docs_against", "\n".join(out))


if __name__ == "__main__":
    main()
