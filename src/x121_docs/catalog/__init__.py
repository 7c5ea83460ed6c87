"""The catalog model of a live database and its reflection (see model.py)."""

from .model import Catalog, Column, Constraint, Domain, EnumType, Extension, ForeignKey, Index, Schema, Sequence, Table, Trigger

__all__ = ["Catalog", "Column", "Constraint", "Domain", "EnumType", "Extension", "ForeignKey", "Index", "Schema",
           "Sequence", "Table", "Trigger"]
