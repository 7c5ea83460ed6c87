"""What every benchmark shares: the --smoke switch, the server it measures on, the results file.

`--smoke` runs a benchmark at tiny sizes in a few seconds and never touches bench/RESULTS.md;
`make test` runs every script that way so that none of them can rot.  The full run (`make bench`)
replaces the script's own section of RESULTS.md, between `<!-- bench:NAME -->` markers, with the
machine's load noted.  The server is the configured one when DB_HOST is set (the tests point the
smoke runs at their own server), otherwise a private embedded server under bench/.work.
"""

from __future__ import annotations

import argparse
import os
import platform
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
WORK = HERE / ".work"


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    ap = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, a few seconds, results file untouched (what `make test` runs)")
    ap.add_argument("--no-results", action="store_true", help="print the figures but leave bench/RESULTS.md alone")
    return ap


def admin_settings(label: str = "bench"):
    """Settings for a maintenance connection: the configured server, or an embedded one of the bench's own."""
    from x121_docs.config import Settings, load_settings
    from x121_docs.database.connect import resolve
    from x121_docs.database.embedded import SUPERUSER, EmbeddedServer

    if os.environ.get("DB_HOST"):
        return replace(resolve(load_settings()), name="postgres")
    server = EmbeddedServer(WORK / label / "pgdata", 5432)
    info = server.ensure_running()
    return Settings(host=str(info.socket_dir), port=info.port, name="postgres", user=SUPERUSER, sslmode="disable")


def compile_workbench() -> None:
    """Byte-compile the workbench's modules, as an installed package has them, before timing whole
    commands: under PYTHONDONTWRITEBYTECODE (set in some shells and CI) every run would otherwise
    compile ~30 source files again, which no user's installed command pays."""
    import compileall

    compileall.compile_dir(str(HERE.parent / "src" / "x121_docs"), quiet=1)


def machine_note() -> str:
    """One line naming the machine and its load, which every recorded figure must carry."""
    one, five, fifteen = os.getloadavg()
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)")


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (a build's MkDocs workers): less swayed by a
    loaded machine than the wall clock."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def update_results(name: str, text: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of the results file (appended when absent); keep everything else."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{text.rstrip()}\n{end}"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new)


def publish(args: argparse.Namespace, name: str, text: str) -> None:
    """Print the figures; record them unless this is a smoke or --no-results run."""
    print(text)
    if not (args.smoke or args.no_results):
        update_results(name, text)
        print(f"updated the {name} section of {RESULTS}")
