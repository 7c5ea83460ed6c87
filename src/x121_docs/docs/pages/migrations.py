"""Migrations: the ledger against the files, and one page per migration with its SQL, checksum and
the objects it created or changed (the linter's source attribution)."""

from __future__ import annotations

from ..escape import Md, code, link
from .base import Context, live, md_table

TITLE = "Migrations"
PATH = "migrations.md"
LIVE = True  # reads the live figures (Inputs.live)


def sql_page(version: int) -> str:
    return f"migrations/{version}.md"


def write(ctx: Context) -> None:
    rows = ctx.inputs.ledger
    files = {m.version: m for m in ctx.inputs.migrations}
    times = ctx.live.ledger if ctx.live else {}
    table = Md("")
    if rows is not None:
        header = ["Version", "Description", "State"] + (["Applied at (UTC)", "Execution (ms)"] if ctx.live else []) \
            + ["Checksum (SHA-384)", "Note"]
        body = []
        for r in rows:
            version = Md(f"[{r.version}]({link(sql_page(r.version))})") if r.version in files else r.version
            state = Md(f"**{r.state}**") if r.state != "applied" else r.state
            at, ms = times.get(r.version, (None, None))
            body.append([version, r.description, state] + ([live(at), live(ms)] if ctx.live else [])
                        + [code(files[r.version].checksum[:16] + "…") if r.version in files else "", r.note])
        table = md_table(header, body, right=[0, 4] if ctx.live else [0], optional=[len(header) - 1])
    ctx.page(PATH, "migrations.md.j2", rows=rows, table=table, folder=ctx.inputs.migrations_folder,
             applied=sum(1 for r in rows or () if r.state == "applied"),
             pending=sum(1 for r in rows or () if r.state in ("pending", "out of order")),
             problems=sum(1 for r in rows or () if r.state in ("modified", "missing", "dirty")))
    for m in ctx.inputs.migrations:
        objects = md_table(["What", "Object", "Line"], [[what, code(obj), line] for what, obj, line in m.objects],
                           right=[2])
        ctx.page(sql_page(m.version), "migration.md.j2", m=m, objects=objects if m.objects else "")
