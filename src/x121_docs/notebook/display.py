"""Rich outputs for notebooks: tables as HTML (plus a plain-text twin), no secrets, no machine paths.

Notebook outputs are stored in git, compared by nbval and published by the docs site, so every
string shown goes through :func:`redact`: the password becomes `********`, the project root
becomes a relative path and the home or temporary folder a placeholder.  Tables keep the order
they are given (callers pass sorted data), so outputs are deterministic.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import MASK, SETTINGS, Settings
from ..database.bootstrap import BootstrapReport
from ..database.health import ServerStatus
from ..output import _dotenv_password
from .scratch import project_root


def _password_values(settings: Settings | None, root: Path) -> list[str]:
    """The passwords in play: the environment's, the project's `.env` one, and the settings' own."""
    values = [os.environ.get("DB_PASSWORD") or "", _dotenv_password(str(root)) or ""]
    if settings is not None and settings.password:
        values.append(settings.password.reveal() or "")
    return [v for v in values if len(v) >= 3]


def redact(text: str, settings: Settings | None = None) -> str:
    """`text` safe to store and publish: password masked, absolute paths of this machine removed."""
    root = project_root()
    for secret in _password_values(settings, root):
        text = text.replace(secret, MASK)
    root = str(root)
    text = text.replace(root + os.sep, "").replace(root, ".")
    replacements = [(tempfile.gettempdir(), "<tmp>"), (str(Path.home()), "~")]
    for prefix, placeholder in sorted(replacements, key=lambda p: -len(p[0])):
        if prefix and prefix != os.sep:
            text = text.replace(prefix, placeholder)
    return text


def display_path(path: Path | str) -> str:
    """A path as shown in outputs: relative to the project root when inside it."""
    path = Path(path)
    try:
        return path.absolute().relative_to(project_root()).as_posix() or "."
    except ValueError:
        return redact(str(path))


@dataclass(frozen=True)
class TableView:
    """A table that Jupyter shows as HTML; `repr()` gives a Markdown version (the text/plain output)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self.rows)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f'<table class="x121-table">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def __repr__(self) -> str:
        """A Markdown pipe table, unpadded: a varying cell (a duration) never shifts the others."""

        def line(values: Sequence[str]) -> str:
            return "| " + " | ".join(v.replace("|", "\\|").replace("\n", " ") for v in values) + " |"

        out = [self.caption, ""] if self.caption else []
        out += [line(self.columns), line(["---"] * len(self.columns))]
        out += [line(r) for r in self.rows]
        return "\n".join(out)

    def __len__(self) -> int:
        return len(self.rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def table(columns: Iterable[str], rows: Iterable[Iterable[object]], caption: str | None = None,
          settings: Settings | None = None) -> TableView:
    """Build a :class:`TableView` from any rows; every cell is stringified and redacted."""
    return TableView(
        tuple(columns),
        tuple(tuple(redact(_cell(v), settings) for v in row) for row in rows),
        redact(caption, settings) if caption else None,
    )


def records(items: Iterable[dict], columns: Sequence[str] | None = None, caption: str | None = None) -> TableView:
    """A table of dicts (e.g. `as_dict()` outputs), columns in the given or first-seen order."""
    items = list(items)
    if columns is None:
        columns = list(dict.fromkeys(k for item in items for k in item))
    return table(columns, ([item.get(c) for c in columns] for item in items), caption)


@dataclass(frozen=True)
class Text:
    """Plain lines shown as a block (bootstrap reports, summaries)."""

    lines: tuple[str, ...]

    def __repr__(self) -> str:
        return "\n".join(self.lines)


def lines(items: Iterable[str], settings: Settings | None = None) -> Text:
    return Text(tuple(redact(str(i), settings) for i in items))


@dataclass(frozen=True)
class SvgView:
    """An SVG image shown inline (ER diagrams); `repr()` names it instead of dumping markup."""

    svg: str
    title: str = "diagram"

    def _repr_svg_(self) -> str:
        return self.svg

    def __repr__(self) -> str:
        return f"<SVG: {self.title}>"


# --- the foundation's objects -------------------------------------------------------------------

def _setting_values(settings: Settings) -> dict[str, object]:
    return {
        "DB_HOST": settings.host or "(empty: the embedded server)",
        "DB_PORT": settings.port,
        "DB_NAME": settings.name,
        "DB_USER": settings.user or "(default)",
        "DB_PASSWORD": MASK if settings.password else "(not set)",
        "DB_SSL": settings.sslmode,
        "DB_POOL_MIN": settings.pool_min,
        "DB_POOL_MAX": settings.pool_max,
        "DB_POOL_IDLE_TIMEOUT": settings.pool_idle_timeout,
        "DB_POOL_MAX_LIFETIME": settings.pool_max_lifetime,
        "DB_CONNECT_TIMEOUT": settings.connect_timeout,
        "APP_ENV": settings.app_env,
        "DB_AUTO_MIGRATE": settings.auto_migrate,
        "X121_MIGRATIONS_DIR": display_path(settings.migrations_dir),
        "X121_PGDATA": display_path(settings.pgdata),
    }


def settings_table(settings: Settings) -> TableView:
    """Every setting (in `.env.example` order) with the value in use; the password is masked."""
    values = _setting_values(settings)
    return table(("setting", "value", "meaning"), ((s.name, values[s.name], s.help) for s in SETTINGS),
                 settings=settings)


def server_table(settings: Settings) -> TableView:
    """Which server the settings point at: embedded (data folder, socket) or external (masked URL)."""
    if settings.uses_embedded:
        rows = [("server", "embedded PostgreSQL (no DB_HOST)"),
                ("data folder", display_path(settings.pgdata)),
                ("connection", f"unix socket .s.PGSQL.{settings.port}, superuser postgres, no TCP port")]
    else:
        rows = [("server", "external PostgreSQL (DB_HOST)"), ("url", settings.url())]
    rows.append(("database", settings.name))
    return table(("what", "value"), rows, settings=settings)


def bootstrap_lines(report: BootstrapReport) -> Text:
    return lines(report.lines())


def status_table(status: ServerStatus, *, timing: bool = True) -> TableView:
    """`x121-docs db status` as a table (health round trip optional: it varies run to run)."""
    rows: list[tuple[str, object]] = [
        ("server", "embedded PostgreSQL" if status.embedded else status.url),
        ("version", f"PostgreSQL {status.server_version}"),
        ("database", status.database),
    ]
    if timing:
        rows.append(("health", f"SELECT 1 in {status.health_ms:.1f} ms"))
    rows.append(("extensions", ", ".join(f"{k} {v}" for k, v in sorted(status.extensions.items())) or "(none)"))
    rows += [(f"pool {k}", v) for k, v in status.pool.items()]
    return table(("what", "value"), rows)


def pool_table(pool) -> TableView:  # noqa: ANN001 - psycopg_pool.ConnectionPool, imported lazily
    """The pool's configured limits (the live counters vary with timing, so they are left out)."""
    rows = [
        ("min_size (DB_POOL_MIN)", pool.min_size),
        ("max_size (DB_POOL_MAX)", pool.max_size),
        ("max_idle s (DB_POOL_IDLE_TIMEOUT)", pool.max_idle),
        ("max_lifetime s (DB_POOL_MAX_LIFETIME)", pool.max_lifetime),
        ("timeout s (DB_CONNECT_TIMEOUT)", pool.timeout),
        ("open", not pool.closed),
    ]
    return table(("pool", "value"), rows)
