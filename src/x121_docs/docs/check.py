"""The drift check: do the committed generated pages match what the live schema produces?

Values that follow the data, not the schema (row estimates, status usage, ledger times, all
inside `<span class="x121-live">`) are blanked on both sides first, so only schema changes
(and changes to the inputs: conventions, notebooks) count as drift.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .pages import LIVE_CLOSE, LIVE_OPEN, LIVE_SPAN


def _normal(path: str, content: bytes) -> bytes:
    if not path.endswith(".md"):
        return content
    return LIVE_SPAN.sub(LIVE_OPEN + LIVE_CLOSE, content.decode("utf-8", "replace")).encode("utf-8")


@dataclass
class Drift:
    added: list[str] = field(default_factory=list)  # produced now, not committed
    removed: list[str] = field(default_factory=list)  # committed, no longer produced
    changed: list[str] = field(default_factory=list)
    diffs: dict[str, list[str]] = field(default_factory=dict)  # first lines of each Markdown diff

    @property
    def clean(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self, folder: str, max_files: int = 10, max_lines: int = 12) -> str:
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
    drift = Drift()
    for path in sorted(set(committed) | set(produced)):
        if path not in committed:
            drift.added.append(path)
        elif path not in produced:
            drift.removed.append(path)
        else:
            old, new = _normal(path, committed[path]), _normal(path, produced[path])
            if old != new:
                drift.changed.append(path)
                if path.endswith(".md"):
                    diff = difflib.unified_diff(old.decode("utf-8", "replace").splitlines(),
                                                new.decode("utf-8", "replace").splitlines(),
                                                "committed", "live", n=0, lineterm="")
                    drift.diffs[path] = [d for d in diff if not d.startswith(("---", "+++"))]
    return drift
