"""Settings from the environment, then a `.env` file in the working folder.

Every connection parameter of the workbench comes from here, so nothing else may hard-code
one.  The password is held in a :class:`Secret` so that printing settings, logging them or
putting them in an exception never shows it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")
MASK = "********"


class Secret:
    """A string that never shows itself in str(), repr() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value or None

    def reveal(self) -> str | None:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret(********)" if self._value else "Secret(None)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Setting:
    """One documented setting: the `.env.example` file is generated from this table."""

    name: str
    default: str
    help: str


#: Every setting the workbench reads, in the order `.env.example` lists them.
SETTINGS: tuple[Setting, ...] = (
    Setting("DB_HOST", "", "Server host name, address or unix-socket directory; empty starts the embedded PostgreSQL."),
    Setting("DB_PORT", "5432", "Server port (also names the embedded server's socket file)."),
    Setting("DB_NAME", "x121_x121", "Database the workbench creates and uses."),
    Setting("DB_USER", "", "Role to connect as (the embedded server always uses its superuser 'postgres')."),
    Setting("DB_PASSWORD", "", "Password of DB_USER; never printed, logged or written anywhere."),
    Setting("DB_SSL", "false", "false (no SSL), true (require SSL) or a libpq sslmode: " + ", ".join(SSL_MODES) + "."),
    Setting("DB_POOL_MIN", "1", "Connections the pool keeps open."),
    Setting("DB_POOL_MAX", "10", "Most connections the pool opens (>= DB_POOL_MIN)."),
    Setting("DB_POOL_IDLE_TIMEOUT", "600", "Seconds an idle connection above the minimum is kept."),
    Setting("DB_POOL_MAX_LIFETIME", "1800", "Seconds after which a connection is replaced."),
    Setting("DB_CONNECT_TIMEOUT", "10", "Seconds to wait for a connection."),
    Setting("APP_ENV", "development", "development or production."),
    Setting("DB_AUTO_MIGRATE", "", "Apply pending migrations on start-up; default true in development, false in production."),
    Setting("X121_MIGRATIONS_DIR", "migrations", "Folder of the SQL migrations (e.g. the Rust backend's migrations/)."),
    Setting("X121_PGDATA", ".x121/pgdata", "Data folder of the embedded PostgreSQL (git-ignored)."),
)


@dataclass(frozen=True)
class Settings:
    """The workbench's configuration; `embedded` is set once the embedded server is resolved."""

    host: str | None = None
    port: int = 5432
    name: str = "x121_x121"
    user: str | None = None
    password: Secret = field(default_factory=lambda: Secret(None))
    sslmode: str = "disable"
    pool_min: int = 1
    pool_max: int = 10
    pool_idle_timeout: float = 600.0
    pool_max_lifetime: float = 1800.0
    connect_timeout: int = 10
    app_env: str = "development"
    auto_migrate: bool = True
    migrations_dir: Path = Path("migrations")
    pgdata: Path = Path(".x121/pgdata")
    embedded: bool = False
    data_dir: Path = Path(".x121")  # the workbench's own files (e.g. the delete-token key), never in a database

    @property
    def uses_embedded(self) -> bool:
        """True when no DB_HOST is configured (or the embedded server was already resolved)."""
        return self.embedded or not self.host

    def with_database(self, name: str) -> Settings:
        return replace(self, name=name)

    def url(self, database: str | None = None) -> str:
        """A display URL with the password masked: safe for logs, output and docs."""
        user = self.user or ""
        auth = f"{user}:{MASK}@" if self.password else (f"{user}@" if user else "")
        db = database or self.name
        host = self.host or ""
        if host.startswith("/"):
            return f"postgresql://{auth}/{db}?host={host}&port={self.port}"
        return f"postgresql://{auth}{host}:{self.port}/{db}?sslmode={self.sslmode}"


def _read_dotenv(path: Path) -> dict[str, str]:
    """The `.env` file's settings; a file that cannot be read or parsed is an error naming it and the line.

    python-dotenv only warns about a line it cannot parse and goes on without it, which would
    silently drop a setting (a password, a production host): here it stops.
    """
    if not path.exists():
        return {}
    if not path.is_file():
        raise ConfigError(f"The settings file {path} is not a file (a directory?).",
                          "Remove it or make it a file of NAME=value lines.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"The settings file {path} cannot be read: {exc.strerror or exc}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"The settings file {path} is not UTF-8 text (line {line}, byte {exc.start}).",
                          "Save it as UTF-8.") from None
    import io

    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:  # the line's text is not shown: it may hold a password
            raise ConfigError(f"The settings file {path} has a line that is not NAME=value at line "
                              f"{binding.original.line}.",
                              "Fix that line (quote values with spaces or #, close every quote).")
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    from dotenv.main import resolve_variables

    return {k: v for k, v in resolve_variables(values.items(), override=True).items() if v is not None}


def _bad(name: str, value: str, accepted: str) -> ConfigError:
    return ConfigError(f"Invalid setting {name}={value!r}: {accepted}.")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    # ASCII digits only: Python's int() also takes "5_432" and non-ASCII digits such as "５４３２"
    digits = raw[1:] if raw[:1] in "+-" else raw
    value = int(raw) if digits and digits.isascii() and digits.isdigit() else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise _bad(name, raw, f"expected a whole number of at least {minimum}{upper}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value != value or value == float("inf"):
        raise _bad(name, raw, "expected a positive number of seconds")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise _bad(name, env[name], "expected true or false (also 1/0, yes/no, on/off)")


def _sslmode(env: Mapping[str, str]) -> str:
    raw = env.get("DB_SSL", "").strip().lower()
    if not raw or raw in _FALSE:
        return "disable"
    if raw in _TRUE:
        return "require"
    if raw in SSL_MODES:
        return raw
    raise _bad("DB_SSL", env["DB_SSL"], "expected false, true or a libpq sslmode (" + ", ".join(SSL_MODES) + ")")


def _host(env: Mapping[str, str]) -> str | None:
    """DB_HOST: a host name, address or socket folder; a connection URL is refused, unshown
    (it may carry a password, and libpq would take it as a host name)."""
    raw = env.get("DB_HOST", "").strip()
    if "://" in raw or "@" in raw:
        raise ConfigError(
            "Invalid setting DB_HOST: it looks like a connection URL (its value is not shown, it may hold a "
            "password); DB_HOST takes a host name, an address or a unix-socket folder.",
            "Put the host in DB_HOST and the rest in DB_PORT, DB_NAME, DB_USER and DB_PASSWORD.")
    return raw or None


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Read the settings: the process environment wins over `.env` in `cwd`.

    Raises :class:`ConfigError` naming the variable, its value and what is accepted.
    """
    cwd = cwd or Path.cwd()
    merged: dict[str, str] = _read_dotenv(cwd / ".env")
    merged.update(os.environ if env is None else env)

    app_env = merged.get("APP_ENV", "").strip().lower() or "development"
    if app_env not in ("development", "production"):
        raise _bad("APP_ENV", merged["APP_ENV"], "expected development or production")

    name = merged.get("DB_NAME", "").strip() or "x121_x121"
    if len(name.encode()) > 63:
        raise _bad("DB_NAME", name, "a database name has at most 63 bytes")

    pool_min = _int(merged, "DB_POOL_MIN", 1, 0)
    pool_max = _int(merged, "DB_POOL_MAX", 10, 1)
    if pool_max < pool_min:
        raise ConfigError(
            f"Invalid setting DB_POOL_MAX={pool_max}: it must be at least DB_POOL_MIN={pool_min}."
        )

    def path(var: str, default: str) -> Path:
        p = Path(merged.get(var, "").strip() or default).expanduser()
        return p if p.is_absolute() else cwd / p

    pgdata = path("X121_PGDATA", ".x121/pgdata")  # checked where the embedded server uses it (embedded.py)
    return Settings(
        host=_host(merged),
        port=_int(merged, "DB_PORT", 5432, 1, 65535),
        name=name,
        user=merged.get("DB_USER", "").strip() or None,
        password=Secret(merged.get("DB_PASSWORD") or None),
        sslmode=_sslmode(merged),
        pool_min=pool_min,
        pool_max=pool_max,
        pool_idle_timeout=_seconds(merged, "DB_POOL_IDLE_TIMEOUT", 600.0),
        pool_max_lifetime=_seconds(merged, "DB_POOL_MAX_LIFETIME", 1800.0),
        connect_timeout=_int(merged, "DB_CONNECT_TIMEOUT", 10, 1),
        app_env=app_env,
        auto_migrate=_bool(merged, "DB_AUTO_MIGRATE", app_env == "development"),
        migrations_dir=path("X121_MIGRATIONS_DIR", "migrations"),
        pgdata=pgdata,
        data_dir=cwd / ".x121",
    )


def env_example() -> str:
    """The text of `.env.example`: every setting, its default and one line of help."""
    lines = ["# x121 workbench settings. The environment wins over this file.", ""]
    for s in SETTINGS:
        lines.append(f"# {s.help}")
        lines.append(f"{s.name}={s.default}")
        lines.append("")
    return "\n".join(lines)
