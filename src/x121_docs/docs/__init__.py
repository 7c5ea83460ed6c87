"""The docs generator: the live catalog as an MkDocs site with ERDs, cascades, statuses and history.

Data flow: build.py (reflect once, read data) -> pages.py (+ erd.py, groups.py; pure) ->
site.py (write docs/generated/ with live values blanked; mkdocs build --strict from a staging copy
that has them); check.py compares instead of writing.
"""
