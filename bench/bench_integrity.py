"""Benchmark: orphan scan vs `SELECT count(*)`, and the delete preview of a big project.

    .venv/bin/python bench/bench_integrity.py [--rows 10000000] [--parents 100000] [--descendants 1000000]
                                              [--repeats 3] [--command-repeats 7] [--keep]

Targets (issue 7): the orphan scan of a 10-million-row child table takes at most 2x the time
of `SELECT count(*)` over the same table, measured in the same run (interleaved); the delete
preview of a project owning 1,000,000 descendant rows takes under 2 s.  Issue 18: as whole
commands, `x121-docs delete-preview projects 1` takes at most 2x a hand-written count per level
of the same rows (PER_LEVEL: one count per table the delete reaches, joined up to the project),
run by `psql` and by a plain psycopg script; the three commands interleaved, medians, ratios.

Uses the configured server (the embedded one by default) and a throwaway database it drops
(unless --keep).  Data is loaded with generate_series into ordinary logged tables (the
measured tables are never UNLOGGED); the load runs with synchronous_commit = off and, for
the platform schema, session_replication_role = replica (FK triggers off: the data is
consistent by construction), then VACUUM ANALYZE, as autovacuum would leave the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from psycopg import sql

import benchlib

from x121_docs.catalog.reflect import reflect
from x121_docs.database.connect import connect
from x121_docs.integrity.impact import preview
from x121_docs.integrity.orphans import OrphanScanner, foreign_key_references

ROOT = Path(__file__).resolve().parent.parent
DB = "x121_bench_integrity"
EXE = Path(sys.executable).with_name("x121-docs")

#: The hand-written peer of `delete-preview projects 1`: what a person would type to see what deleting
#: project 1 cascades to, one count per level of the schema's CASCADE tree, each joined up to the project.
PER_LEVEL = (
    ("characters", "SELECT count(*) FROM characters c WHERE c.project_id = 1"),
    ("character_images", "SELECT count(*) FROM character_images i JOIN characters c ON c.id = i.character_id "
                         "WHERE c.project_id = 1"),
    ("scenes", "SELECT count(*) FROM scenes s JOIN characters c ON c.id = s.character_id WHERE c.project_id = 1"),
    ("video_segments", "SELECT count(*) FROM video_segments v JOIN scenes s ON s.id = v.scene_id "
                       "JOIN characters c ON c.id = s.character_id WHERE c.project_id = 1"),
    ("generation_jobs", "SELECT count(*) FROM generation_jobs j JOIN video_segments v ON v.id = j.video_segment_id "
                        "JOIN scenes s ON s.id = v.scene_id JOIN characters c ON c.id = s.character_id "
                        "WHERE c.project_id = 1"),
    ("segment_approvals", "SELECT count(*) FROM segment_approvals a JOIN video_segments v ON v.id = a.video_segment_id "
                          "JOIN scenes s ON s.id = v.scene_id JOIN characters c ON c.id = s.character_id "
                          "WHERE c.project_id = 1"),
)
#: The same counts from a plain psycopg script (one connection, one query per level), run as a command.
PSYCOPG_SCRIPT = """
import json, sys
import psycopg
with psycopg.connect(sys.argv[1]) as conn:
    print(json.dumps({name: conn.execute(query).fetchone()[0] for name, query in json.loads(sys.argv[2])}))
"""


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def load_orphan_tables(conn, rows: int, parents: int, orphans: int) -> None:  # noqa: ANN001
    conn.execute("SET synchronous_commit = off")
    conn.execute("CREATE TABLE bench_parents (id bigint PRIMARY KEY, name text NOT NULL)")
    conn.execute("INSERT INTO bench_parents SELECT g, 'parent ' || g FROM generate_series(1, %s::bigint) g", (parents,))
    conn.execute("CREATE TABLE bench_children (id bigint NOT NULL, parent_id bigint NOT NULL, "
                 "payload integer NOT NULL, note text)")
    conn.execute("INSERT INTO bench_children SELECT g, (g %% %s) + 1, g %% 1000, 'row' "
                 "FROM generate_series(1, %s::bigint) g", (parents, rows - orphans))
    # Orphans of the kind NOT VALID / disabled triggers leave behind: parents that never existed.
    conn.execute("INSERT INTO bench_children SELECT g, %s + (g %% 97) + 1, 0, 'orphan' "
                 "FROM generate_series(%s::bigint, %s::bigint) g", (parents, rows - orphans + 1, rows))
    conn.execute("ALTER TABLE bench_children ADD PRIMARY KEY (id)")
    conn.execute("CREATE INDEX idx_bench_children_parent_id ON bench_children (parent_id)")
    conn.execute("ALTER TABLE bench_children ADD CONSTRAINT fk_bench_children_parent FOREIGN KEY (parent_id) "
                 "REFERENCES bench_parents (id) NOT VALID")
    conn.execute("VACUUM ANALYZE bench_parents")
    conn.execute("VACUUM ANALYZE bench_children")


def load_project(conn, descendants: int) -> dict[str, int]:  # noqa: ANN001
    """Project 1 owns exactly `descendants` rows below it; project 2 owns a tenth as many."""
    for path in sorted((ROOT / "migrations").glob("*.sql")):
        with conn.transaction():
            conn.execute(path.read_text())
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET session_replication_role = replica")
    conn.execute("INSERT INTO users (id, email, display_name, role_id) VALUES (1, 'a@x.io', 'A', 2)")
    conn.execute("INSERT INTO scene_types (id, name, label) VALUES (1, 'idle', 'Idle')")
    expected = {}
    for project, size in ((1, descendants), (2, descendants // 10)):
        chars, images, scenes = 10, 100, 1000
        segments = (size - chars - images - scenes) // 4
        jobs = 2 * segments
        approvals = size - chars - images - scenes - segments - jobs
        base = project * 10_000_000
        conn.execute("INSERT INTO projects (id, name, project_status_id, created_by_user_id) VALUES (%s, %s, 2, 1)",
                     (project, f"P{project}"))
        conn.execute("INSERT INTO characters (id, project_id, name, character_status_id) "
                     "SELECT %s + g, %s, 'C' || g, 1 FROM generate_series(1, %s::bigint) g", (base, project, chars))
        conn.execute("INSERT INTO character_images (id, character_id, file_path, file_size_bytes, file_sha256) "
                     "SELECT %s + g, %s + 1 + g %% %s, 'img/' || %s || '/' || g, 10, repeat('e', 64) "
                     "FROM generate_series(1, %s::bigint) g", (base, base, chars, project, images))
        conn.execute("INSERT INTO scenes (id, character_id, name, scene_type_id, scene_status_id) "
                     "SELECT %s + g, %s + 1 + g %% %s, 'S' || g, 1, 1 FROM generate_series(1, %s::bigint) g",
                     (base, base, chars, scenes))
        conn.execute("INSERT INTO video_segments (id, scene_id, sequence_index, segment_status_id, file_path) "
                     "SELECT %s + g, %s + 1 + g %% %s, g / %s, 1, 'seg/' || %s || '/' || g "
                     "FROM generate_series(1, %s::bigint) g", (base, base, scenes, scenes, project, segments))
        conn.execute("INSERT INTO generation_jobs (id, video_segment_id, job_type_id, job_status_id, "
                     "requested_by_user_id) SELECT %s + g, %s + 1 + g %% %s, 1, 3, 1 FROM generate_series(1, %s::bigint) g",
                     (base, base, segments, jobs))
        conn.execute("INSERT INTO segment_approvals (id, video_segment_id, reviewer_user_id, approval_status_id) "
                     "SELECT %s + g, %s + 1 + g %% %s, 1, 2 FROM generate_series(1, %s::bigint) g",
                     (base, base, segments, approvals))
        if project == 1:
            expected = {"projects": 1, "characters": chars, "character_images": images, "scenes": scenes,
                        "video_segments": segments, "generation_jobs": jobs, "segment_approvals": approvals}
    conn.execute("SET session_replication_role = origin")
    conn.execute("VACUUM ANALYZE")
    return expected


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU (user + system) seconds of one whole command, and its stdout; it must exit 0."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, done.stdout


def whole_commands(settings, repeats: int, expected: dict[str, int] | None) -> dict[str, tuple[list, list]]:  # noqa: ANN001
    """`x121-docs delete-preview projects 1` vs the per-level counts by psql and by psycopg, interleaved.

    Each command starts from nothing (a new process, a new connection); the workbench's runs from an
    empty folder (no .env, no migrations folder), settings from the environment as a user would give them.
    """
    from x121_docs.database.connect import conninfo

    benchlib.compile_workbench()
    from x121_docs.database.embedded import install_dir

    own = install_dir() / "bin" / "psql"  # the server's own client, else the PATH's
    psql = str(own) if own.is_file() else shutil.which("psql")
    work = Path(tempfile.mkdtemp(prefix="x121-bench-preview-"))
    (work / "per_level.sql").write_text("".join(f"{q};\n" for _, q in PER_LEVEL), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "X121_", "PG"))}
    env.update({"DB_HOST": str(settings.host), "DB_PORT": str(settings.port), "DB_NAME": settings.name,
                "DB_USER": settings.user or "", "COLUMNS": "200"})
    if settings.password:
        env["DB_PASSWORD"] = env["PGPASSWORD"] = settings.password.reveal()
    info = conninfo(settings)
    cases = {"x121-docs delete-preview": [str(EXE), "delete-preview", "projects", "1", "--format", "json"],
             "psycopg script, per-level counts": [sys.executable, "-c", PSYCOPG_SCRIPT, info, json.dumps(PER_LEVEL)]}
    if psql:
        cases["psql, per-level counts"] = [psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(settings.host),
                                           "-p", str(settings.port), "-U", settings.user or "postgres",
                                           "-d", settings.name, "-f", "per_level.sql"]
    times: dict[str, tuple[list, list]] = {name: ([], []) for name in cases}
    try:
        for _ in range(repeats):
            for name, argv in cases.items():
                wall, cpu, out = _run(argv, env, work)
                times[name][0].append(wall)
                times[name][1].append(cpu)
                if name.startswith("x121"):
                    counts = {k: v for k, v in json.loads(out)["deleted"].items() if k != "projects"}
                elif name.startswith("psql"):
                    counts = dict(zip((n for n, _ in PER_LEVEL), map(int, out.split())))
                else:
                    counts = json.loads(out)
                if expected is not None:  # every command counted the same rows
                    assert counts == {k: v for k, v in expected.items() if k != "projects"}, (name, counts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return times


def main() -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--parents", type=int, default=100_000)
    parser.add_argument("--orphans", type=int, default=1_000)
    parser.add_argument("--descendants", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--command-repeats", type=int, default=7, help="runs of each whole command (interleaved)")
    parser.add_argument("--keep", action="store_true", help="keep the database (re-runs skip the load)")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.parents, args.orphans, args.descendants, args.repeats = 20_000, 200, 20, 5_000, 1
        args.command_repeats = 1
    db = f"{DB}_smoke_{os.getpid()}" if args.smoke else DB

    settings = benchlib.admin_settings("integrity")
    bench = replace(settings, name=db)
    with connect(settings, "postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
        if exists and not args.keep:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(db)))
            exists = None
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    try:
        with connect(bench, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            if not exists:
                load_s, _ = timed(lambda: load_orphan_tables(conn, args.rows, args.parents, args.orphans))
                print(f"loaded {args.rows:,} child rows in {load_s:.1f} s", flush=True)
                load_s, expected = timed(lambda: load_project(conn, args.descendants))
                print(f"loaded the platform schema and {args.descendants:,} descendants in {load_s:.1f} s", flush=True)
            else:
                expected = None
            catalog = reflect(conn)
            ref = next(r for r in foreign_key_references(catalog) if r.constraint == "fk_bench_children_parent")
            counts, scans, blocks = [], [], []
            for _ in range(args.repeats):  # interleaved, so both see the same machine load
                t, n = timed(lambda: conn.execute("SELECT count(*) FROM bench_children").fetchone()[0])
                counts.append(t)
                t, finding = timed(lambda: OrphanScanner(conn, catalog).scan(ref))
                scans.append(t)
                assert finding.orphans == args.orphans and n == args.rows, (finding.orphans, n)
            t, finding = timed(lambda: OrphanScanner(conn, catalog, strategy="blocks").scan(ref))
            blocks.append(t)
            assert finding.orphans == args.orphans
            previews = []
            for _ in range(args.repeats):
                t, impact = timed(lambda: preview(conn, catalog, "projects", "1"))
                previews.append(t)
            if expected is not None:
                assert impact.deleted == expected, (impact.deleted, expected)
            owned = impact.total_deleted - 1
        commands = whole_commands(bench, args.command_repeats, expected)
        machine = benchlib.machine_note()
    finally:
        if not args.keep:
            with connect(settings, "postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))

    c, s = statistics.median(counts), statistics.median(scans)
    lines = []
    lines.append(f"machine: {machine}, PostgreSQL {catalog.server_version}")
    lines.append(f"count(*) of {args.rows:,} rows: best {min(counts):.3f} s, median {c:.3f} s  "
          f"({', '.join(f'{x:.3f}' for x in counts)})")
    lines.append(f"orphan scan (values strategy): best {min(scans):.3f} s, median {s:.3f} s  "
          f"({', '.join(f'{x:.3f}' for x in scans)}); ratio median {s / c:.2f}x, best {min(scans) / min(counts):.2f}x")
    lines.append(f"orphan scan (blocks fallback, once): {blocks[0]:.3f} s = {blocks[0] / c:.2f}x count(*)")
    lines.append(f"delete preview, project owning {owned:,} rows: best {min(previews):.3f} s, "
          f"median {statistics.median(previews):.3f} s ({', '.join(f'{x:.3f}' for x in previews)}); "
          f"{impact.rounds} rounds")
    peer = "psql, per-level counts" if "psql, per-level counts" in commands else "psycopg script, per-level counts"
    ours = statistics.median(commands["x121-docs delete-preview"][0])
    table = ["", f"Whole commands, {args.command_repeats} interleaved runs each (new process and connection every "
             f"run; project 1 owns {owned:,} rows; every command's counts checked equal):", "",
             "| command | median wall s | best wall s | median CPU s | x121 / this |", "|---|---:|---:|---:|---:|"]
    for name, (walls, cpus) in commands.items():
        table.append(f"| `{name}` | {statistics.median(walls):.3f} | {min(walls):.3f} | {statistics.median(cpus):.3f} | "
                     f"{ours / statistics.median(walls):.2f}x |")
    ratio = ours / statistics.median(commands[peer][0])
    table += ["", f"`delete-preview` / {peer}: **{ratio:.2f}x** (target <= 2x: {'met' if ratio <= 2 else 'not met'})."]
    benchlib.publish(args, "integrity", "```\n" + "\n".join(lines) + "\n```\n" + "\n".join(table))
    if args.smoke:
        return 0
    ok = s / c <= 2.0 and statistics.median(previews) < 2.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
