"""Helpers for the notebooks in `notebooks/`: a scratch database per run and safe rich outputs.

Cells stay thin calls to the package's API; what a notebook needs beyond that (where the
project is, a database of its own, tables that show no password and no machine path) lives
here so the notebooks, their tests and `make lab` agree.
"""

from .display import (SvgView, TableView, Text, bootstrap_lines, display_path, lines, pool_table, records, redact,
                      server_table, settings_table, status_table, table)
from .scratch import ScratchDatabase, drop_database, notebook_settings, project_root, scratch_database

__all__ = ["ScratchDatabase", "SvgView", "TableView", "Text", "bootstrap_lines", "display_path", "drop_database",
           "lines", "notebook_settings", "pool_table", "project_root", "records", "redact", "scratch_database",
           "server_table", "settings_table", "status_table", "table"]
