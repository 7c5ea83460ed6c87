"""One review: two catalogs (from two git refs' migrations, or two dumps) -> diff, reach, lint, locks, diagram.

From refs, each side's migrations are applied with the runner to a throwaway database (the
linter's `apply_to_throwaway`: same validation and transactions as `migrate run`, dropped after),
reflected once, with its lookup values read.  Lint findings come from the linter run on each
side's folder with that catalog; those whose fingerprint is new are introduced, those gone fixed.
Locks are judged for the statements of the migration files the change adds or modifies, against
the base catalog (a table in it already holds rows).  From dumps there is no SQL, so no locks and
catalog rules only.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..catalog import seeds
from ..catalog.model import Catalog
from ..catalog.reflect import reflect
from ..catalog.serialize import load
from ..config import Settings
from ..database.connect import connect
from ..docs.erd import Svg
from ..errors import WorkbenchError
from ..lint.apply import apply_to_throwaway
from ..lint.config import LintConfig, load_config
from ..lint.engine import Options, lint_catalog, lint_migrations
from ..lint.report import Finding
from ..lint.source import display_path
from . import cascade, diagram, gitrefs, locks
from .diff import SchemaDiff, diff

FORMAT_VERSION = 1


@dataclass(frozen=True)
class LintDelta:
    introduced: tuple[Finding, ...] = ()
    fixed: tuple[Finding, ...] = ()
    checked: bool = True  # False when the linter could not run on one side


@dataclass
class Review:
    base_label: str
    head_label: str
    base: Catalog
    head: Catalog
    diff: SchemaDiff
    reach: tuple[cascade.ReachChange, ...]
    lint: LintDelta
    locks: tuple[locks.StatementLock, ...] | None  # None: no SQL to judge (dumps)
    changed_files: tuple[str, ...] = ()
    lock_timeout_files: tuple[str, ...] = ()  # changed files that SET lock_timeout
    svg: Svg | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def risky_locks(self) -> tuple[locks.StatementLock, ...]:
        return tuple(s for s in self.locks or () if s.existing and s.risk in (locks.HIGH, locks.MEDIUM))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": "x121-review", "version": FORMAT_VERSION, "base": self.base_label, "head": self.head_label,
            "summary": {"changes": len(self.diff.changes), "tables_added": len(self.diff.added_tables),
                        "tables_removed": len(self.diff.removed_tables),
                        "tables_changed": len(self.diff.changed_tables),
                        "reach_changes": len(self.reach), "lint_introduced": len(self.lint.introduced),
                        "lint_fixed": len(self.lint.fixed), "risky_statements": len(self.risky_locks)},
            "changes": [c.as_dict() for c in self.diff.changes],
            "cascade_reach": [r.as_dict() for r in self.reach],
            "lint": {"checked": self.lint.checked, "introduced": [f.as_dict() for f in self.lint.introduced],
                     "fixed": [f.as_dict() for f in self.lint.fixed]},
            "locks": None if self.locks is None else [s.as_dict() for s in self.locks],
            "changed_files": list(self.changed_files),
        }


def _delta(before: list[Finding], after: list[Finding]) -> LintDelta:
    fb = {f.fingerprint for f in before}
    fa = {f.fingerprint for f in after}
    intro = sorted((f for f in after if f.fingerprint not in fb), key=Finding.sort_key)
    fixed = sorted((f for f in before if f.fingerprint not in fa), key=Finding.sort_key)
    return LintDelta(tuple(intro), tuple(fixed))


def compare(base: Catalog, head: Catalog, base_label: str, head_label: str, *, lint: LintDelta | None = None,
            statement_locks: tuple[locks.StatementLock, ...] | None = None, changed_files: tuple[str, ...] = (),
            lock_timeout_files: tuple[str, ...] = (), config: LintConfig | None = None,
            with_diagram: bool = True, timings: dict[str, float] | None = None) -> Review:
    """The review of two catalogs (the pure part: no database, no git)."""
    timings = {} if timings is None else timings
    t0 = time.perf_counter()
    d = diff(base, head)
    timings["diff"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reach = cascade.reach_changes(base, head)
    timings["reach"] = time.perf_counter() - t0
    if lint is None:
        t0 = time.perf_counter()
        config = config or load_config()
        lint = _delta(lint_catalog(base, config), lint_catalog(head, config))
        timings["lint"] = time.perf_counter() - t0
    svg = None
    if with_diagram and not d.empty:
        t0 = time.perf_counter()
        svg = diagram.draw(base, head, d)
        timings["diagram"] = time.perf_counter() - t0
    return Review(base_label, head_label, base, head, d, reach, lint, statement_locks, changed_files,
                  lock_timeout_files, svg, timings)


def from_dumps(base_path: Path, head_path: Path, *, config: LintConfig | None = None) -> Review:
    """Two `catalog dump` files: changes, reach, catalog lint rules (no SQL, so no locks)."""
    return compare(load(base_path), load(head_path), base_path.name, head_path.name, config=config)


def side_catalog(settings: Settings, folder: Path, root: Path | None = None) -> Catalog:
    """Apply `folder` to a throwaway database, reflect it with its lookup values, drop it."""
    with apply_to_throwaway(settings, folder) as temp, connect(temp, autocommit=True) as conn:
        catalog = reflect(conn)
        catalog = seeds.with_values(conn, catalog, seeds.configured_lookups(catalog, root))
    return catalog


def from_refs(settings: Settings, folder: Path, base_ref: str, head_ref: str | None = None, *,
              config: LintConfig | None = None, root: Path | None = None, with_diagram: bool = True) -> Review:
    """The migrations of `folder` as of `base_ref` against `head_ref` (default: the working tree)."""
    config = config or load_config()
    timings: dict[str, float] = {}
    folder = folder.resolve()
    base_id = gitrefs.resolve_ref(folder, base_ref)
    with tempfile.TemporaryDirectory(prefix="x121-review-") as tmp:
        base_dir = gitrefs.migrations_at(folder, base_id, Path(tmp) / "base")
        head_dir = folder if head_ref is None else gitrefs.migrations_at(folder, head_ref, Path(tmp) / "head")
        t0 = time.perf_counter()
        with _side(base_dir, base_ref):
            base = side_catalog(settings, base_dir, root)
        with _side(head_dir, head_ref or "the working tree"):
            head = side_catalog(settings, head_dir, root)
        timings["apply"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        options = Options(use_baseline=False)
        with _side(base_dir, base_ref):
            before = lint_migrations(settings, base_dir, config, options, catalog=base).findings
        with _side(head_dir, head_ref or "the working tree"):
            after = lint_migrations(settings, head_dir, config, options, catalog=head).findings
        timings["lint"] = time.perf_counter() - t0
        changed = gitrefs.changed_migrations(folder, base_id, head_ref)
        paths = [head_dir / name for name in changed if (head_dir / name).is_file()]
        t0 = time.perf_counter()
        statement_locks = locks.analyse(paths, base)
        timeouts = tuple(p.name for p in paths if locks.has_lock_timeout(p))
        timings["locks"] = time.perf_counter() - t0
        # Findings name the file as it is in the working tree, not in the temporary copy.
        shown = display_path(folder)
        rename = {str(base_dir.resolve()): shown, str(head_dir.resolve()): shown}
        before = [_relabel(f, rename) for f in before]
        after = [_relabel(f, rename) for f in after]
    head_label = head_ref or "working tree"
    return compare(base, head, base_ref, head_label, lint=_delta(before, after), statement_locks=statement_locks,
                   changed_files=changed, lock_timeout_files=timeouts, with_diagram=with_diagram, timings=timings)


@contextmanager
def _side(folder: Path, label: str) -> Iterator[None]:
    """Errors about one side's migrations name the ref (not the temporary copy) and do not mention the linter."""
    try:
        yield
    except WorkbenchError as err:
        message = err.message.replace(str(folder.resolve()), f"migrations (as of {label})")
        message = message.replace(str(folder), f"migrations (as of {label})")
        raise WorkbenchError(f"The review cannot apply the migrations as of {label}: {message}",
                             "Fix the migration; the review applies both sides to throwaway databases, so nothing "
                             "was applied to yours.", exit_code=err.exit_code) from None


def _relabel(f: Finding, rename: dict[str, str]) -> Finding:
    if not f.file:
        return f
    name = Path(f.file).name
    parent = str(Path(f.file).resolve().parent) if Path(f.file).is_absolute() else None
    if parent in rename:
        return replace(f, file=f"{rename[parent]}/{name}")
    return f
