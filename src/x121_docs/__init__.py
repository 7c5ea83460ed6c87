"""x121 schema workbench: bootstrap, migrations, compliance lint, integrity tools and docs.

The data flows one way: migrations -> database -> catalog -> lint / docs / integrity.
"""

__version__ = "0.1.0"
