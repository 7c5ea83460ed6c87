"""The MkDocs side: project files, writing the generated tree, `mkdocs build --strict`, serving.

The build runs MkDocs in a subprocess of this Python (offline: Material with `font: false`, the
built-in search) with SOURCE_DATE_EPOCH fixed, so two builds of the same pages give the same site.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

from ..errors import WorkbenchError

GENERATED = Path("docs") / "generated"


def _template(name: str) -> str:
    return resources.files("x121_docs.docs").joinpath("templates", name).read_text(encoding="utf-8")


def asset_files() -> dict[str, bytes]:
    """The vendored pan/zoom script and styles, under generated/assets/."""
    folder = resources.files("x121_docs.docs").joinpath("assets")
    return {f"assets/{p.name}": p.read_bytes() for p in sorted(folder.iterdir(), key=lambda p: p.name)
            if p.name.endswith((".js", ".css"))}


def ensure_project(root: Path) -> list[Path]:
    """Create mkdocs.yml and docs/index.md from the defaults where missing (never overwrite)."""
    created = []
    for path, template in ((root / "mkdocs.yml", "mkdocs.yml.j2"), (root / "docs" / "index.md", "index.md.j2")):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_template(template), encoding="utf-8")
            created.append(path)
    return created


def write_tree(folder: Path, files: dict[str, bytes]) -> tuple[int, int]:
    """Make `folder` hold exactly `files`: rewrite changed ones, delete stale ones. -> (written, removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = removed = 0
    for rel, content in files.items():
        path = folder / rel
        if path.is_file() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written += 1
    wanted = {folder / rel for rel in files}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
            removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written, removed


def read_tree(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mkdocs_build(root: Path, site_dir: Path | None = None) -> Path:
    """`mkdocs build --strict` in `root`; returns site/index.html. Raises with MkDocs' warnings on failure."""
    config = root / "mkdocs.yml"
    if not config.is_file():
        raise WorkbenchError(f"No mkdocs.yml in {root}.", "Run `x121-docs docs build` there to create the default one.")
    site = (site_dir or root / "site").resolve()
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "0"), NO_MKDOCS_2_WARNING="1",
               DISABLE_MKDOCS_2_WARNING="true")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", str(config),
                           "-d", str(site)], cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        detail = " | ".join(ln for ln in lines if "WARNING" in ln or "ERROR" in ln or "Error" in ln)[:2000]
        raise WorkbenchError(f"mkdocs build --strict failed in {root}: {detail or ' | '.join(lines[-5:])}",
                             "Fix the page or mkdocs.yml it names; generated pages are rebuilt on every run.")
    return site / "index.html"


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server over the built site (call serve_forever(); port 0 picks a free one)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass
