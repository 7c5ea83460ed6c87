"""`x121-docs db ...`: start, stop, bootstrap and status of the configured server."""

from __future__ import annotations

import argparse

# Registration imports argparse only; each command imports the driver, rich and the server code it uses.


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the database server: start, stop, bootstrap, status")
    dbsub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = dbsub.add_parser("start", help="start (or reuse) the embedded server; with DB_HOST, check the server")
    p.set_defaults(func=cmd_start)
    p = dbsub.add_parser("stop", help="stop the embedded server")
    p.set_defaults(func=cmd_stop)
    p = dbsub.add_parser("bootstrap", help="create the database and the allowed extensions (idempotent)")
    p.set_defaults(func=cmd_bootstrap)
    p = dbsub.add_parser("status", help="server address, version, database, extensions (installed and offered), pool settings")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=cmd_status)


def describe_server(settings) -> str:  # noqa: ANN001
    """One line naming the server in use (embedded or external), password masked."""
    if settings.embedded:
        return f"Using the embedded PostgreSQL (data {settings.pgdata}, socket {settings.host}/.s.PGSQL.{settings.port})."
    return f"Using the PostgreSQL server at {settings.url()}."


def cmd_start(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .connect import connect, resolve

    settings = resolve(load_settings())
    console().print(esc(describe_server(settings)))
    with connect(settings, "postgres" if settings.embedded else None, read_only=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    console().print(f"The server answers: PostgreSQL {esc(version)}.")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .embedded import server_for

    settings = load_settings()
    if not settings.uses_embedded:
        console().print(f"DB_HOST is set ({esc(settings.host)}): there is no embedded server to stop.")
        return 0
    stopped = server_for(settings).stop()
    console().print("Stopped the embedded server." if stopped else "The embedded server was not running.")
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from ..config import load_settings
    from ..output import console, esc
    from .bootstrap import bootstrap
    from .connect import resolve

    settings = resolve(load_settings())
    out = console()
    out.print(esc(describe_server(settings)))
    for line in bootstrap(settings).lines():
        out.print(esc(line))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from rich.table import Table

    from ..config import load_settings
    from ..output import console, esc, print_json
    from .health import server_status

    status = server_status(load_settings())
    if args.format == "json":
        print_json(status.as_dict())
        return 0
    table = Table(title="Database status", show_header=False)
    table.add_column("what", no_wrap=True)
    table.add_column("value", overflow="fold")
    rows = (("server", status.url + (" (embedded)" if status.embedded else "")),
            ("version", f"PostgreSQL {status.server_version}"), ("database", status.database),
            ("health", f"SELECT 1 in {status.health_ms:.1f} ms"),
            ("extensions", ", ".join(f"{k} {v}" for k, v in sorted(status.extensions.items())) or "(none)"),
            ("server offers", ", ".join(f"{k} {v}" for k, v in sorted(status.available.items())) or "(none)"),
            ("pool", ", ".join(f"{k}={v}" for k, v in status.pool.items())))
    for what, value in rows:
        table.add_row(what, esc(value))
    console().print(table)
    return 0
