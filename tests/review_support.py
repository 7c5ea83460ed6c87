"""Test support for the catalog dump and the review: corpus schemas loaded with psql, temporary git repos.

The corpus loader is the corpus's own `load.sh` run with the embedded installation's psql (same
major version as the server); each schema gets its database `corpus_<name>` on the test server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

from x121_docs.config import Settings
from x121_docs.database.embedded import install_dir

CORPUS = Path(os.environ.get("X121_CORPUS", "/work/shared/corpus"))
CORPUS_NAMES = ("chinook", "northwind", "pagila", "openstreetmap", "adventureworks", "musicbrainz")


def corpus_available() -> bool:
    return (CORPUS / "load.sh").is_file() and shutil.which("bc") is not None


class MissingExtension(Exception):
    """The server lacks an extension the corpus file creates (load.sh loads nothing then)."""


def load_corpus(server: Settings, name: str, psql: Path | None = None) -> Settings:
    """Load `name`.sql into corpus_<name> on `server` (replacing it); settings of that database."""
    dsn = f"host={server.host} port={server.port} user={server.user} dbname=postgres"
    env = dict(os.environ, PSQL=str(psql or install_dir() / "bin" / "psql"))
    done = subprocess.run(["bash", str(CORPUS / "load.sh"), dsn, name], capture_output=True, text=True, env=env,
                          timeout=900)
    if "NOT LOADED: server lacks extension" in done.stdout:
        raise MissingExtension(done.stdout.split("lacks extension(s):", 1)[1].splitlines()[0].strip())
    assert done.returncode == 0, f"load.sh {name} failed:\n{done.stdout}\n{done.stderr}"
    return replace(server, name=f"corpus_{name}")


def contrib_install() -> Path | None:
    """A system PostgreSQL installation with the contrib extensions (Debian's postgresql-contrib), if any.

    The embedded server ships pgvector only; three corpus schemas need contrib extensions
    (btree_gist, cube, earthdistance, unaccent, uuid-ossp, tablefunc)."""
    for root in sorted(Path("/usr/lib/postgresql").glob("*"), reverse=True):
        share = Path("/usr/share/postgresql") / root.name / "extension"
        if (root / "bin" / "postgres").is_file() and all((share / f"{e}.control").is_file()
                                                        for e in ("btree_gist", "cube", "earthdistance", "unaccent",
                                                                  "uuid-ossp", "tablefunc")):
            return root
    return None


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null")
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def init_repo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()
