"""The catalog modules as lazily imported names, so that loading the rule registry (which `lint
--static` does) never imports the catalog package, whose reflection needs psycopg."""

from __future__ import annotations

import importlib
from typing import Any


class _LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


model: Any = _LazyModule("x121_docs.catalog.model")
naming: Any = _LazyModule("x121_docs.catalog.naming")
