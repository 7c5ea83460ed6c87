"""The catalog model as versioned, deterministic JSON, and back.

A saved catalog lets two schemas be compared without a database (`x121-docs review` reads two
dumps) and lets tests of the docs and catalog rules run from a file.  The format is the model
itself, field for field, driven by the dataclasses' type hints so a field added to the model is
saved and loaded without touching this module.  Output is byte-stable: keys sorted, the model's
own (sorted) order kept, two-space indent, UTF-8, one final newline; dump -> load -> dump gives
the same bytes.  Loading is strict: an unknown format, a newer version, a missing required field
or an unknown one is a clear error naming the path of the offending value.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import WorkbenchError
from . import model
from .model import Catalog

FORMAT = "x121-catalog"
VERSION = 1


class CatalogFormatError(WorkbenchError):
    """A catalog file that is not a dump this version can read."""


def to_data(catalog: Catalog) -> dict[str, Any]:
    """The JSON-ready dict of a dump (format header + the model)."""
    return {"format": FORMAT, "version": VERSION, "catalog": _encode(catalog)}


def dumps(catalog: Catalog) -> str:
    return json.dumps(to_data(catalog), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dump(catalog: Catalog, path: Path) -> None:
    path.write_text(dumps(catalog), encoding="utf-8")


def loads(text: str, source: str = "catalog JSON") -> Catalog:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CatalogFormatError(f"{source} is not JSON: {exc}.", "Write it with `x121-docs catalog dump`.") from None
    return from_data(data, source)


def load(path: Path) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFormatError(f"Cannot read the catalog dump {path}: {exc}.") from None
    return loads(text, str(path))


def from_data(data: Any, source: str = "catalog JSON") -> Catalog:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogFormatError(f"{source} is not an {FORMAT} dump (no \"format\": \"{FORMAT}\").",
                                 "Write it with `x121-docs catalog dump`.")
    version = data.get("version")
    if not isinstance(version, int) or version < 1 or version > VERSION:
        raise CatalogFormatError(f"{source} has format version {version!r}; this workbench reads versions 1 to "
                                 f"{VERSION}.", "Dump it again with this version of x121-docs.")
    return _decode(Catalog, data.get("catalog"), f"{source}: catalog")


# -- encoding -----------------------------------------------------------------------------------

def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot save {type(value).__name__} in a catalog dump")


# -- decoding -----------------------------------------------------------------------------------

@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _fail(path: str, message: str) -> typing.NoReturn:
    raise CatalogFormatError(f"{path}: {message}.", "Write the file with `x121-docs catalog dump`; do not edit it by hand.")


def _decode(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _decode(inner[0], value, path) if len(inner) == 1 else value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            _fail(path, f"expected an object for {tp.__name__}, found {type(value).__name__}")
        fields = {f.name: f for f in dataclasses.fields(tp)}
        unknown = sorted(set(value) - set(fields))
        if unknown:
            _fail(path, f"unknown field {unknown[0]!r} for {tp.__name__}")
        hints = _hints(tp)
        kwargs = {}
        for name, f in fields.items():
            if name in value:
                kwargs[name] = _decode(hints[name], value[name], f"{path}.{name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                _fail(path, f"missing field {name!r} of {tp.__name__}")
        return tp(**kwargs)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            _fail(path, f"expected a list, found {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            _fail(path, f"expected {len(args)} items, found {len(value)}")
        return tuple(_decode(a, v, f"{path}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            _fail(path, f"expected an object, found {type(value).__name__}")
        return value
    if tp in (str, int, float, bool):
        ok = isinstance(value, tp) and not (tp is int and isinstance(value, bool))
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if not ok:
            _fail(path, f"expected {tp.__name__}, found {type(value).__name__}")
        return value
    return value
