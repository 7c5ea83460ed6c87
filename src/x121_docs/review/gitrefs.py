"""The migrations folder as of a git ref, and which migration files a change adds or modifies.

`git archive` extracts the folder at a ref into a temporary directory (nothing in the working tree
is touched); the working tree itself stands for HEAD when no ref is given.  Which files changed
is the linter's `--changed` rule (committed, staged, unstaged and untracked files count) for the
working tree, and `git diff BASE HEAD` between two refs.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from ..errors import WorkbenchError
from ..lint.engine import changed_files


def _git(cwd: Path, *args: str, binary: bool = False) -> str | bytes:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise WorkbenchError("The review needs git, which is not installed.") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise WorkbenchError(f"git {' '.join(args)} failed in {cwd}: {err}.",
                             "Is the folder in a git repository, and does the ref exist (fetch it in CI: "
                             "actions/checkout with fetch-depth: 0)?")
    return done.stdout if binary else done.stdout.decode("utf-8", "replace")


def toplevel(folder: Path) -> Path:
    return Path(str(_git(folder, "rev-parse", "--show-toplevel")).strip())


def resolve_ref(folder: Path, ref: str) -> str:
    """The commit id of `ref` (a clear error when it does not exist)."""
    try:
        return str(_git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")).strip()
    except WorkbenchError:
        raise WorkbenchError(f"The git ref {ref!r} does not exist in {toplevel(folder)}.",
                             "Name a branch, tag or commit (in CI fetch the base branch first).") from None


def _relative(folder: Path) -> tuple[Path, str]:
    folder = folder.resolve()
    if not folder.is_dir():
        raise WorkbenchError(f"The migrations folder {folder} does not exist.", "Pass --migrations DIR.")
    top = toplevel(folder).resolve()
    return top, (folder.relative_to(top).as_posix() if folder != top else ".")


def migrations_at(folder: Path, ref: str, dest: Path) -> Path:
    """Extract `folder` as it is at `ref` into `dest`; the extracted folder (empty if absent at `ref`)."""
    top, rel = _relative(folder)
    commit = resolve_ref(top, ref)
    target = dest / "migrations"
    target.mkdir(parents=True, exist_ok=True)
    listing = str(_git(top, "ls-tree", "-r", "--name-only", commit, "--", rel))
    if not listing.strip():
        return target  # the folder did not exist yet: an empty schema
    data = _git(top, "archive", "--format=tar", commit, "--", rel, binary=True)
    prefix = "" if rel == "." else rel.rstrip("/") + "/"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:  # type: ignore[arg-type]
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            inner = member.name[len(prefix):]
            if "/" in inner or inner.startswith("."):
                continue  # the runner reads the folder itself, not subfolders
            src = tar.extractfile(member)
            if src is not None:
                (target / inner).write_bytes(src.read())
    return target


def changed_migrations(folder: Path, base: str, head: str | None = None) -> tuple[str, ...]:
    """File names (in `folder`) added or modified from `base` to `head` (default: the working tree)."""
    top, rel = _relative(folder)
    if head is None:
        return tuple(sorted({Path(p).name for p in changed_files(folder, base)}))
    names = str(_git(top, "diff", "--name-only", "--diff-filter=ACMR", resolve_ref(top, base),
                     resolve_ref(top, head), "--", rel)).splitlines()
    return tuple(sorted({Path(n).name for n in names if n.strip() and Path(n).parent.as_posix() == rel}))
