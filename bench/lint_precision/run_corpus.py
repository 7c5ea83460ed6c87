"""Lint the public corpus schemas (../shared/corpus) and draw the seeded review sample.

    .venv/bin/python bench/lint_precision/run_corpus.py [--corpus DIR] [--seed 17] [--per-rule 8]

Starts a private embedded PostgreSQL in a temporary folder, loads every corpus file with the
corpus's own load.sh (Debian psql), runs the catalog rules on each database (`lint --db`, the
default profile) and the source rules on each file as one migration (`lint --static`), writes
every finding to findings.jsonl and a stratified random sample (up to --per-rule findings of
each rule, seeded) to sample.jsonl beside this script. The verdicts are recorded by hand in
sample_reviewed.md (see bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from x121_docs.config import Settings
    from x121_docs.database.embedded import SUPERUSER, EmbeddedServer
    from x121_docs.lint import LintConfig, lint_database, lint_static

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=HERE.parents[2] / "shared" / "corpus")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--per-rule", type=int, default=8)
    ap.add_argument("--contrib-server", metavar="SOCKET_DIR:PORT",
                    help="a PostgreSQL with the contrib extensions, for the schemas the embedded server cannot load "
                         "(e.g. Debian's postgresql-15 started by hand)")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        args.corpus = Path("/work/shared/corpus")
    work = Path(tempfile.mkdtemp(prefix="x121_corpus_"))
    server = EmbeddedServer(work / "pgdata", 5432)
    server.ensure_running()
    try:
        base = Settings(host=str(server.socket_dir), port=server.port, name="postgres", user=SUPERUSER,
                        sslmode="disable", pgdata=server.pgdata)
        dsn = f"postgresql://{SUPERUSER}@/postgres?host={server.socket_dir}&port={server.port}"
        env = {**os.environ, "PSQL": shutil.which("psql") or "/usr/bin/psql"}
        load = subprocess.run(["bash", str(args.corpus / "load.sh"), dsn], capture_output=True, text=True, env=env)
        print(load.stdout)
        where = {}
        for line in load.stdout.splitlines():
            parts = line.split()
            if len(parts) > 2 and parts[1].startswith("corpus_"):
                where[parts[0]] = base if line.rstrip().endswith(" ok") else None
        if args.contrib_server:
            sock, port = args.contrib_server.rsplit(":", 1)
            other = replace(base, host=sock, port=int(port), pgdata=None)
            missing = [n for n, s in where.items() if s is None]
            if missing:
                dsn2 = f"postgresql://{SUPERUSER}@/postgres?host={sock}&port={port}"
                load2 = subprocess.run(["bash", str(args.corpus / "load.sh"), dsn2, *missing], capture_output=True,
                                       text=True, env=env)
                print(load2.stdout)
                for line in load2.stdout.splitlines():
                    parts = line.split()
                    if len(parts) > 2 and parts[1].startswith("corpus_") and line.rstrip().endswith(" ok"):
                        where[parts[0]] = other
        findings = []
        for sql_file in sorted(args.corpus.glob("*.sql")):
            name = sql_file.stem
            if where.get(name) is None:
                print(f"{name}: not loaded, skipped")
                continue
            report = lint_database(replace(where[name], name=f"corpus_{name}"), LintConfig())
            for f in report.findings:
                findings.append({"schema": name, "mode": "db", **f.as_dict()})
            mig = work / "mig" / name
            mig.mkdir(parents=True)
            shutil.copy(sql_file, mig / "20260101000000_corpus.sql")
            try:
                static = lint_static(mig, LintConfig())
            except Exception as exc:  # noqa: BLE001 - a file pglast cannot parse (psql meta-commands)
                print(f"{name}: static lint skipped: {exc}")
                continue
            for f in static.findings:
                findings.append({"schema": name, "mode": "static", **f.as_dict()})
        by_rule: dict[str, list[dict]] = defaultdict(list)
        for f in findings:
            by_rule[f["rule"]].append(f)
        rng = random.Random(args.seed)
        sample = []
        for rule in sorted(by_rule):
            pool = sorted(by_rule[rule], key=lambda f: (f["schema"], f["object"], f.get("detail") or "", f["message"]))
            sample += rng.sample(pool, min(args.per_rule, len(pool)))
        (HERE / "findings.jsonl").write_text("".join(json.dumps(f, sort_keys=True) + "\n" for f in findings))
        (HERE / "sample.jsonl").write_text("".join(json.dumps(f, sort_keys=True) + "\n" for f in sample))
        print(f"{len(findings)} findings; sample of {len(sample)}")
        for rule in sorted(by_rule):
            print(f"  {rule}: {len(by_rule[rule])}")
    finally:
        server.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
