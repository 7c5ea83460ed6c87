"""The site's "Changes" page: the schema review of the migrations since a git ref (`docs build --since REF`).

Only in the built site, never in the committed docs/generated/ (which must stay the same for the
same schema): the page and its diagram are added to the staging copy and to the navigation.
The review itself (x121_docs.review) applies REF's and the working tree's migrations to two
throwaway databases; this module only lays its Markdown and diagram out as a page.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Settings
from .pages.base import module_env as _env
from .pages.base import tidy as _tidy

PAGE = "changes.md"
DIAGRAM = "changes/schema-changes.svg"
NAV = [{"Changes": f"generated/{PAGE}"}]


def changes_files(settings: Settings, root: Path, since: str) -> dict[str, bytes]:
    """generated/-relative files of the Changes page (Markdown + SVG) for the change since `since`."""
    from ..review.render import to_markdown
    from ..review.report import from_refs

    review = from_refs(settings, settings.migrations_dir, since, None, root=root)
    files: dict[str, bytes] = {}
    frame = ""
    if review.svg is not None:
        files[DIAGRAM] = (review.svg.text + "\n").encode("utf-8")
        frame = review.svg.frame(DIAGRAM)
    body = to_markdown(review, details=False, marker=False, limit=None)
    text = _env().get_template("changes.md.j2").render(body=body, frame=frame)
    files[PAGE] = _tidy(text)
    return files
