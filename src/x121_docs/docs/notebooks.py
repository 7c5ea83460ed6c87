"""Executed notebooks (notebooks/*.ipynb) as Markdown pages, converted with nbconvert.

Converted as stored (they are executed elsewhere): the outputs in the file are what the page
shows, so the conversion is deterministic; images become files beside the page.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkbenchError
from .names import slug
from .pages import Notebook


def convert_notebooks(folder: Path) -> tuple[Notebook, ...]:
    if not folder.is_dir():
        return ()
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        return ()
    import nbformat
    from nbconvert import MarkdownExporter

    exporter = MarkdownExporter()
    result = []
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat raises several unrelated types for a bad file
            raise WorkbenchError(f"Cannot read the notebook {path}: {exc}") from None
        name = slug("public", path.stem.lower().replace("-", "_").replace(" ", "_"))
        body, res = exporter.from_notebook_node(nb, resources={"output_files_dir": f"{name}_files"})
        title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells
                      if c.cell_type == "markdown" and c.source.lstrip().startswith("#")), path.stem)
        files = {rel: data for rel, data in sorted(res.get("outputs", {}).items())}
        result.append(Notebook(name, title, f"<!-- source: notebooks/{path.name} -->\n\n{body}", files))
    return tuple(result)
