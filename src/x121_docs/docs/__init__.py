"""The docs generator: the live catalog as an MkDocs site with ERDs, cascades, statuses and history.

Data flow: build.py (reflect once, read data) -> pages.py (+ erd.py, groups.py; pure) ->
site.py (write docs/generated/, mkdocs build --strict) ; check.py compares instead of writing.
"""
