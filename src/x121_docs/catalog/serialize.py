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
    """The dump's text.  orjson writes the same bytes as `json.dumps(to_data(...), indent=2,
    sort_keys=True, ensure_ascii=False)` (a test compares them) about ten times faster: with an
    indent the standard library falls back to its pure-Python encoder, and `to_data` builds every
    dict in Python first; here orjson walks the model and asks `_fields` only for each dataclass."""
    import orjson

    try:
        return orjson.dumps({"format": FORMAT, "version": VERSION, "catalog": catalog}, default=_fields,
                            option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
                            | orjson.OPT_PASSTHROUGH_DATETIME).decode() + "\n"
    except TypeError:  # beyond orjson (an integer over 64 bits, a key that is not text): the standard way
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

@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass as orjson should write it: its fields (not cached properties), by name."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    raise TypeError(f"cannot save {type(value).__name__} in a catalog dump")


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _encode(getattr(value, name)) for name in _field_names(type(value))}
    raise TypeError(f"cannot save {type(value).__name__} in a catalog dump")


# -- decoding: one decoder function per type, built once from the type hints -------------------

Decoder = typing.Callable[[Any, str], Any]


def _fail(path: str, message: str) -> typing.NoReturn:
    raise CatalogFormatError(f"{path}: {message}.", "Write the file with `x121-docs catalog dump`; do not edit it by hand.")


def _decode(tp: Any, value: Any, path: str) -> Any:
    return _decoder(tp)(value, path)


@cache
def _decoder(tp: Any) -> Decoder:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(inner) != 1:
            return lambda value, path: value
        sub = _decoder(inner[0])
        return lambda value, path: None if value is None else sub(value, path)
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])

            def many(value: Any, path: str) -> tuple:
                if not isinstance(value, list):
                    _fail(path, f"expected a list, found {type(value).__name__}")
                return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(value))
            return many
        items = [_decoder(a) for a in args]

        def fixed(value: Any, path: str) -> tuple:
            if not isinstance(value, list):
                _fail(path, f"expected a list, found {type(value).__name__}")
            if len(value) != len(items):
                _fail(path, f"expected {len(items)} items, found {len(value)}")
            return tuple(d(v, f"{path}[{i}]") for i, (d, v) in enumerate(zip(items, value)))
        return fixed
    if tp is dict or origin is dict:
        def mapping(value: Any, path: str) -> dict:
            if not isinstance(value, dict):
                _fail(path, f"expected an object, found {type(value).__name__}")
            return value
        return mapping
    if tp in (str, int, float, bool):
        def scalar(value: Any, path: str) -> Any:
            if type(value) is tp or (tp is float and type(value) is int):
                return value
            _fail(path, f"expected {tp.__name__}, found {type(value).__name__}")
        return scalar
    return lambda value, path: value


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls, vars(model))
    fields = [f for f in dataclasses.fields(cls)]
    plan = [(f.name, _decoder(hints[f.name]),
             f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING) for f in fields]
    known = {f.name for f in fields}

    def decode(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            _fail(path, f"expected an object for {cls.__name__}, found {type(value).__name__}")
        if not known.issuperset(value):
            _fail(path, f"unknown field {sorted(set(value) - known)[0]!r} for {cls.__name__}")
        kwargs = {}
        for name, sub, required in plan:
            if name in value:
                kwargs[name] = sub(value[name], f"{path}.{name}")
            elif required:
                _fail(path, f"missing field {name!r} of {cls.__name__}")
        return cls(**kwargs)
    return decode
