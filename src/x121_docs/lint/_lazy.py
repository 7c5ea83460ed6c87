"""The catalog modules as lazily imported names, so that loading the rule registry (which `lint
--static` does) never imports the catalog package, whose reflection needs psycopg."""

from __future__ import annotations

import importlib
from typing import Any


class _LazyModule:
    """Imports its module at the first attribute asked for, then keeps it: the catalog rules ask
    about 120,000 times in a lint of 2,000 tables, and `import_module` each time cost ~0.1 s of it."""

    def __init__(self, name: str):
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


model: Any = _LazyModule("x121_docs.catalog.model")
naming: Any = _LazyModule("x121_docs.catalog.naming")
graph: Any = _LazyModule("x121_docs.catalog.graph")
