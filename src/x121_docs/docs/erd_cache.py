"""A cache of Graphviz layouts, so that a rebuild never lays out an unchanged diagram again.

Layout is most of a large build (a 2,000-table schema draws over 4,000 diagrams), and a changed
comment redraws a handful.  Each laid-out SVG is kept under .x121/erd-cache/ keyed by a hash of
everything that decides it: the graph as built (GraphSpec data or DOT text), the layout program,
the viewer's metadata, the pygraphviz/Graphviz version and the source of docs/erd.py (whose
normalisation and aspect-ratio rules shape the result).  `erd.draw` keys its diagrams by what they
are drawn of instead (a digest of each table's drawn facts), so that a hit costs no graph
description.  A hit returns the SVG of a full build byte for byte; entries a build did not use
are removed at its end, so the folder holds one build.  Without an open cache (tests, `docs
check`) every diagram is laid out as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

FOLDER = Path(".x121") / "erd-cache"
FORMAT = 2  # bump when what an entry holds changes shape (2: the SVG file's own bytes after the size line)


@dataclass
class LayoutCache:
    folder: Path
    used: set[str] = field(default_factory=set)
    hits: int = 0
    misses: int = 0

    def path(self, key: str, suffix: str = ".svg") -> Path:
        """A layout's file (.svg), or a memo's (.json)."""
        return self.folder / key[:2] / f"{key}{suffix}"


_CURRENT: contextvars.ContextVar[LayoutCache | None] = contextvars.ContextVar("x121_erd_cache", default=None)


@functools.cache
def _salt() -> str:
    """What every key shares: the format, the renderer's versions and the drawing code."""
    from importlib.metadata import version

    from pygraphviz import graphviz as gv

    from ..catalog import graph, model
    from . import erd

    gv_version = f"{gv.GRAPHVIZ_MAJOR_VERSION}.{gv.GRAPHVIZ_MINOR_VERSION}.{gv.GRAPHVIZ_PATCH_VERSION}"
    # the drawing code, and what `erd.draw`'s request keys assume of the catalog's FK graph and names
    return f"{FORMAT} {version('pygraphviz')} {gv_version} {source_digest(erd, graph, model)}"


def source_digest(*sources: object) -> str:
    """SHA-256 of the source of these modules (or files): the code part of a layout's or a memo's key."""
    return hashlib.sha256(b"".join(Path(getattr(m, "__file__", m)).read_bytes() for m in sources)).hexdigest()


def _digest(value: object) -> str:
    """SHA-256 of the value as compact JSON: orjson (a tenth of json's time: 4,300 keys a build, each
    the whole graph description), json where orjson refuses (a key that is not text)."""
    import orjson

    try:
        data = orjson.dumps(value)
    except TypeError:
        data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def key(source: object, prog: str, meta: dict | None) -> str:
    return _digest([_salt(), prog, source, meta])


def cached(source: object, prog: str, meta: dict | None, compute: Callable[[], object]):  # noqa: ANN201 - erd.Svg
    """The laid-out Svg for this graph: from the open cache, else `compute()` (and kept)."""
    from .erd import Svg

    cache = _CURRENT.get()
    if cache is None:
        return compute()
    k = key(source, prog, meta)
    cache.used.add(k)
    path = cache.path(k)
    try:
        svg, _ = _entry(path, k)
        cache.hits += 1
        return svg
    except (OSError, ValueError):
        pass
    svg = compute()
    cache.misses += 1
    _write(path, f"{svg.width!r} {svg.height!r}\n{svg.text}\n")
    return replace(svg, key=k)


def _write(path: Path, text: str) -> None:
    """Replace the entry whole: parallel workers may write the same one, a reader never sees half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _entry(path: Path, k: str):  # noqa: ANN202 - (erd.Svg, bytes)
    from .erd import Svg

    head, body = _split(path)
    width, height = (float(v) for v in head.split())
    return Svg(body[:-1].decode("utf-8"), width, height, key=k), body


def _split(path: Path) -> tuple[bytes, bytes]:
    """An entry's size line, and the bytes of its SVG file (which end with a newline)."""
    head, _, body = path.read_bytes().partition(b"\n")
    if not body.endswith(b"\n"):
        raise ValueError(f"a damaged layout cache entry: {path}")
    return head, body


def _open() -> LayoutCache:
    cache = _CURRENT.get()
    if cache is None:
        raise RuntimeError("reading a layout cache entry needs an open cache")
    return cache


def load(k: str):  # noqa: ANN201 - (erd.Svg, bytes)
    """An entry of the open cache: the Svg, and the bytes of its file under docs/generated/ (the SVG and a
    newline)."""
    return _entry(_open().path(k), k)


def file_bytes(k: str) -> bytes:
    """The bytes of an entry's file under docs/generated/, without decoding its SVG. Forked workers send
    their diagrams to the parent by key, not through the pipe (256 MB at 2,000 tables, 2-3 s of pickling
    and copying); the parent reads the 4,200 files in 0.1 s this way, 0.5 s as `load`."""
    return _split(_open().path(k))[1]


def memo(source: object, compute: Callable[[], object], encode: Callable[[object], object],
         decode: Callable[[object], object]):  # noqa: ANN201 - what compute returns
    """Another result a rebuild need not compute again (the domain groups' communities), kept beside
    the layouts as JSON under the hash of `source` (which must name everything that decides it,
    code version included), pruned with them. Without an open cache, `compute()`."""
    cache = _CURRENT.get()
    if cache is None:
        return compute()
    k = _digest([FORMAT, source])
    cache.used.add(k)
    path = cache.path(k, ".json")
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        pass
    value = compute()
    _write(path, json.dumps(encode(value), ensure_ascii=False))
    return value


def current() -> LayoutCache | None:
    return _CURRENT.get()


@contextlib.contextmanager
def open_cache(folder: Path) -> Iterator[LayoutCache]:
    """Use `folder` as the layout cache for the diagrams drawn inside the block."""
    cache = LayoutCache(folder)
    token = _CURRENT.set(cache)
    try:
        yield cache
    finally:
        _CURRENT.reset(token)


def prune(cache: LayoutCache) -> int:
    """Remove the entries this build did not use (after a successful build only). -> removed."""
    removed = 0
    if not cache.folder.is_dir():
        return 0
    for sub in cache.folder.iterdir():
        if not sub.is_dir():
            continue
        for entry in sub.iterdir():
            if entry.name.split(".", 1)[0] not in cache.used:  # a layout (.svg) or a memo (.json)
                entry.unlink(missing_ok=True)
                removed += 1
    return removed
