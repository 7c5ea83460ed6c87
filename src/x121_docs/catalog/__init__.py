"""The catalog model of a live database and its reflection (see model.py and reflect.py).

`from x121_docs.catalog import reflect, reflect_settings` gives the functions.
"""

from .model import Catalog, Column, Constraint, Domain, EnumType, Extension, ForeignKey, Index, Schema, Sequence, Table, Trigger
from .reflect import reflect, reflect_settings

__all__ = ["Catalog", "Column", "Constraint", "Domain", "EnumType", "Extension", "ForeignKey", "Index", "Schema",
           "Sequence", "Table", "Trigger", "reflect", "reflect_settings"]
