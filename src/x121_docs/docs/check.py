"""The committed form of the generated pages, and the drift check against it.

Values that follow the data, not the schema (row estimates, status usage, ledger times, all
inside `<span class="x121-live">`) are blanked in the committed docs/generated/ (`blank_live`),
so those files are byte-identical for the same schema on any database; only schema changes (and
changes to the inputs: conventions, notebooks) show in their diff and count as drift.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .pages import LIVE_CLOSE, LIVE_OPEN, LIVE_SPAN


def _blank(path: str, content: bytes) -> bytes:
    if not path.endswith(".md"):
        return content
    return LIVE_SPAN.sub(LIVE_OPEN + LIVE_CLOSE, content.decode("utf-8", "replace")).encode("utf-8")


def blank_live(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files as docs/generated/ holds them: every live span emptied."""
    return {path: _blank(path, content) for path, content in files.items()}


@dataclass
class Drift:
    added: list[str] = field(default_factory=list)  # produced now, not committed
    removed: list[str] = field(default_factory=list)  # committed, no longer produced
    changed: list[str] = field(default_factory=list)
    diffs: dict[str, list[str]] = field(default_factory=dict)  # first lines of each Markdown diff

    @property
    def clean(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self, folder: str, max_files: int = 25, max_lines: int = 12) -> str:
        lines = [f"{folder} differs from the live schema: {len(self.changed)} changed, {len(self.added)} new, "
                 f"{len(self.removed)} removed."]
        for label, paths in (("new", self.added), ("removed", self.removed), ("changed", self.changed)):
            for p in paths[:max_files]:
                lines.append(f"  {label}: {p}")
                lines.extend("      " + d for d in self.diffs.get(p, [])[:max_lines])
            if len(paths) > max_files:
                lines.append(f"  ... and {len(paths) - max_files} more {label}")
        return "\n".join(lines)


def compare(committed: dict[str, bytes], produced: dict[str, bytes]) -> Drift:
    """Committed files against the produced ones (live values in) in their committed form, byte for byte:
    clean exactly when `docs build` would leave docs/generated/ unchanged."""
    drift = Drift()
    produced = blank_live(produced)
    for path in sorted(set(committed) | set(produced)):
        if path not in committed:
            drift.added.append(path)
        elif path not in produced:
            drift.removed.append(path)
        else:
            old, new = committed[path], produced[path]
            if old != new:
                drift.changed.append(path)
                if path.endswith(".md"):
                    diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(),
                                                new.decode("utf-8", "replace").splitlines(),
                                                "committed", "live", n=0, lineterm="")
                    drift.diffs[path] = [d for d in diff if not d.startswith(("---", "+++"))]
    return drift
