"""Executed notebooks (notebooks/*.ipynb) as Markdown pages, converted with nbconvert.

Converted as stored (they are executed elsewhere): the outputs in the file are what the page
shows, so the conversion is deterministic; images become files beside the page.

A build keeps each conversion under .x121/notebook-cache/, keyed by a hash of the notebook's bytes,
its file name, this module's source and the versions of nbconvert, nbformat and Jinja: importing
nbconvert with nbformat costs ~1 s, most of a small project's `x121-docs build`, so a build whose
notebooks did not change imports neither.  A
hit is the conversion byte for byte; entries a build did not use are removed, so the folder holds
one build.  Without a cache (`docs check`) every notebook is converted.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from pathlib import Path

from ..errors import WorkbenchError
from .names import slug
from .pages import Notebook

CACHE = Path(".x121") / "notebook-cache"
FORMAT = 1  # bump when what an entry holds changes shape


@functools.cache
def _salt() -> str:
    from importlib.metadata import version

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return " ".join([str(FORMAT), code, *(f"{p}={version(p)}" for p in ("nbconvert", "nbformat", "jinja2"))])


def _key(path: Path, data: bytes) -> str:
    h = hashlib.sha256(_salt().encode())
    h.update(b"\0" + path.name.encode("utf-8") + b"\0" + data)
    return h.hexdigest()


def _load(entry: Path) -> Notebook | None:
    try:
        d = json.loads(entry.read_text(encoding="utf-8"))
        return Notebook(d["slug"], d["title"], d["markdown"],
                        {rel: base64.b64decode(b) for rel, b in d["files"].items()})
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: converted again


def _store(entry: Path, nb: Notebook) -> None:
    """Written to a temporary file and renamed (as the layout cache does): never half an entry."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"slug": nb.slug, "title": nb.title, "markdown": nb.markdown,
                               "files": {rel: base64.b64encode(b).decode("ascii") for rel, b in nb.files.items()}},
                              ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, entry)


def _convert(path: Path, data: bytes, exporter) -> Notebook:  # noqa: ANN001 - nbconvert's MarkdownExporter
    import nbformat

    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a bad file
        raise WorkbenchError(f"Cannot read the notebook {path}: {exc}") from None
    name = slug("public", path.stem.lower().replace("-", "_").replace(" ", "_"))
    body, res = exporter.from_notebook_node(nb, resources={"output_files_dir": f"{name}_files"})
    title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells
                  if c.cell_type == "markdown" and c.source.lstrip().startswith("#")), path.stem)
    files = dict(sorted(res.get("outputs", {}).items()))
    return Notebook(name, title, f"<!-- source: notebooks/{path.name} -->\n\n{body}", files)


def convert_notebooks(folder: Path, cache: Path | None = None) -> tuple[Notebook, ...]:
    """The pages of `folder`'s notebooks, taken from `cache` (a folder) where they did not change."""
    if not folder.is_dir():
        return ()
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        return ()
    result, used, exporter = [], set(), None
    for path in paths:
        data = path.read_bytes()
        entry = None if cache is None else cache / f"{_key(path, data)}.json"
        nb = None if entry is None else _load(entry)
        if nb is None:
            if exporter is None:
                from nbconvert import MarkdownExporter

                exporter = MarkdownExporter()
            nb = _convert(path, data, exporter)
            if entry is not None:
                _store(entry, nb)
        result.append(nb)
        used.add(entry)
    if cache is not None:  # the folder holds this build's entries only
        for old in set(cache.glob("*.json")) - used:
            old.unlink(missing_ok=True)
    return tuple(result)
