"""Compare the files with the ledger: what is applied, pending, modified, missing, dirty.

One function (:func:`make_plan`) decides every state, so `run`, `status`, `check`,
`baseline` and start-up can never disagree.  Problems are explained, not just detected:
a checksum mismatch caused only by line endings or a byte-order mark says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from enum import Enum
from pathlib import Path

from ..errors import WorkbenchError
from .files import BOM, MigrationFile, checksum
from .ledger import TABLE, LedgerRow


class State(str, Enum):
    APPLIED = "applied"
    PENDING = "pending"
    OUT_OF_ORDER = "out_of_order"  # pending, but older than the newest applied migration
    MODIFIED = "modified"  # applied, but the file's checksum differs
    MISSING = "missing"  # applied, but no file
    DIRTY = "dirty"  # a success = false row (never written by SQLx on PostgreSQL, nor by us)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


PENDING_STATES = (State.PENDING, State.OUT_OF_ORDER)


@dataclass(frozen=True)
class Entry:
    """One migration as both sides see it (file and/or ledger row)."""

    version: int
    description: str
    state: State
    file: MigrationFile | None = None
    row: LedgerRow | None = None
    note: str | None = None  # why it is in this state, when that needs saying

    @property
    def name(self) -> str:
        return self.file.name if self.file else f"{self.version}_{self.description.replace(' ', '_')}.sql"

    @property
    def execution_ms(self) -> float | None:
        if self.row is None or self.row.execution_time < 0:
            return None
        return self.row.execution_time / 1e6

    def as_dict(self) -> dict:
        """The JSON form of `migrate status` (and of the Python API's data)."""
        return {
            "version": self.version,
            "description": self.description,
            "state": self.state.value,
            "file": self.file.name if self.file else None,
            "applied_at": self.row.installed_on.astimezone(timezone.utc).isoformat() if self.row else None,
            "execution_ms": None if self.execution_ms is None else round(self.execution_ms, 3),
            "checksum": self.file.checksum.hex() if self.file else None,
            "applied_checksum": self.row.checksum.hex() if self.row else None,
            "no_transaction": self.file.no_transaction if self.file else None,
            "note": self.note,
        }


def _variants(data: bytes) -> dict[str, bytes]:
    """The file with its line endings / byte-order mark / final newline put back, by explanation."""
    has_crlf, has_bom = b"\r\n" in data, data.startswith(BOM)
    newline = b"\r\n" if has_crlf else b"\n"

    def flip_bom(d: bytes) -> bytes:
        return d.removeprefix(BOM) if has_bom else BOM + d

    why_bom = ("the file now starts with a byte-order mark the applied one did not have" if has_bom else
               "the file has lost the byte-order mark the applied one started with")
    out = {why_bom: flip_bom(data)}
    if has_crlf or b"\n" in data:
        flipped = data.replace(b"\r\n", b"\n") if has_crlf else data.replace(b"\n", b"\r\n")
        why_end = ("the file now has CRLF line endings where the applied one had LF" if has_crlf else
                   "the file now has LF line endings where the applied one had CRLF")
        out[why_end] = flipped
        out[f"{why_end}, and {why_bom}"] = flip_bom(flipped)
    if data.endswith(newline):
        out["the file has gained a final newline"] = data[: -len(newline)]
    else:
        out["the file has lost its final newline"] = data + newline
    return out


def explain_mismatch(data: bytes, applied: bytes) -> str | None:
    """Say so when the only difference is line endings, a byte-order mark or a final newline."""
    for why, candidate in _variants(data).items():
        if checksum(candidate) == applied:
            return f"the only difference is that {why}"
    return None


@dataclass(frozen=True)
class Plan:
    folder: Path
    entries: list[Entry]
    table_exists: bool = True
    notes: list[str] = field(default_factory=list)

    def having(self, *states: State) -> list[Entry]:
        return [e for e in self.entries if e.state in states]

    @property
    def pending(self) -> list[Entry]:
        return self.having(*PENDING_STATES)

    @property
    def applied(self) -> list[Entry]:
        return self.having(State.APPLIED)

    def counts(self) -> dict[str, int]:
        return {s.value: len(self.having(s)) for s in State}

    def counts_text(self) -> str:
        """'3 applied, 1 pending' (states with no migration left out), or 'no migrations'."""
        return ", ".join(f"{n} {State(k).label}" for k, n in self.counts().items() if n) or "no migrations"

    @property
    def clean(self) -> bool:
        """Nothing pending, modified, missing, dirty or out of order."""
        return all(e.state is State.APPLIED for e in self.entries)

    def check_report(self) -> list[tuple[str, str]]:
        """What `migrate check` decides, as (kind, text) lines: kind is ok, problem, pending or behind.

        One wording for the CLI and the notebooks, so they cannot disagree about a database.
        """
        if self.clean:
            return [("ok", f"OK: {len(self.entries)} migration(s), all applied ({self.counts_text()}).")]
        out = [("problem", f"{message} Hint: {hint}") for message, hint in self.problems(pending=True)]
        out += [("pending", e.name) for e in self.having(State.PENDING)]
        out.append(("behind", f"Not up to date: {self.counts_text()}."))
        return out

    def problems(self, *, allow_out_of_order: bool = False, pending: bool = True) -> list[tuple[str, str]]:
        """(message, hint) for everything that must stop a run, in version order."""
        out: list[tuple[str, str]] = []
        newest = max((e.version for e in self.entries if e.row is not None), default=None)
        for e in self.entries:
            if e.state is State.DIRTY:
                out.append((
                    f"Migration {e.version} ({e.description}) is dirty: its row in {TABLE} has success = false, so it "
                    f"may be partially applied (SQLx refuses to run too).",
                    f"Check by hand which of its changes are in the database, finish or undo them, then remove the "
                    f"row: DELETE FROM {TABLE} WHERE version = {e.version};",
                ))
            elif e.state is State.MISSING:
                out.append((
                    f"Migration {e.version} ({e.description}) was applied on {e.row.installed_on:%Y-%m-%d %H:%M:%S %Z} "
                    f"but has no file in {self.folder}.",
                    "Restore the file (e.g. from git), or point --dir / X121_MIGRATIONS_DIR at the folder this database "
                    "was migrated from.",
                ))
            elif e.state is State.MODIFIED:
                note = f"; {e.note}" if e.note else ""
                out.append((
                    f"Migration {e.name} was modified after it was applied: the ledger has checksum "
                    f"{e.row.checksum.hex()} but the file has {e.file.checksum.hex()}{note}.",
                    ("Put the file back byte for byte as applied: restore its line endings, byte-order mark or final "
                     "newline (e.g. `git checkout` it with core.autocrlf=false)." if e.note else
                     "Restore the file as it was applied (e.g. from git) and put the change in a new migration "
                     "(`x121-docs migrate new`)."),
                ))
            elif e.state in PENDING_STATES and pending:
                out.extend(self._pending_problems(e, newest, allow_out_of_order))
        return out

    def _pending_problems(self, e: Entry, newest: int | None, allow_out_of_order: bool) -> list[tuple[str, str]]:
        out = []
        if e.state is State.OUT_OF_ORDER and not allow_out_of_order:
            out.append((
                f"Migration {e.name} is pending but older than the newest applied migration {newest}; "
                "applying it now would run it out of order.",
                "Rename it with a current timestamp (`x121-docs migrate new` makes one) if it must run after the "
                "others, or run with --allow-out-of-order if its order does not matter.",
            ))
        if e.file.has_bom:
            out.append((
                f"Migration {e.name} starts with a UTF-8 byte-order mark, which PostgreSQL would read as part of "
                "its first word (under SQLx too).",
                "Save the file as UTF-8 without a byte-order mark.",
            ))
        if e.file.looks_like_no_transaction:
            out.append((
                f"Migration {e.name} starts with a `-- no-transaction` marker that SQLx does not recognise: it must "
                "be the file's very first bytes, lowercase, with no byte-order mark or blank line before it.",
                "Fix the first line, or remove the marker if the migration may run in a transaction.",
            ))
        return out

    def raise_problems(self, *, allow_out_of_order: bool = False, pending: bool = True,
                       outcome: str = "Nothing was applied.") -> None:
        problems = self.problems(allow_out_of_order=allow_out_of_order, pending=pending)
        if problems:
            hints = list(dict.fromkeys(h for _, h in problems))
            raise WorkbenchError(" ".join(m for m, _ in problems) + f" {outcome}", " ".join(hints))


def make_plan(folder: Path, files: list[MigrationFile], rows: list[LedgerRow], *, table_exists: bool = True) -> Plan:
    """Pair files and ledger rows by version and give each migration its state."""
    by_version = {r.version: r for r in rows}
    newest = max((r.version for r in rows), default=None)
    entries: list[Entry] = []
    for f in files:
        row = by_version.pop(f.version, None)
        if row is None:
            state = State.OUT_OF_ORDER if newest is not None and f.version < newest else State.PENDING
            entries.append(Entry(f.version, f.description, state, f))
        elif not row.success:
            entries.append(Entry(f.version, f.description, State.DIRTY, f, row))
        elif row.checksum != f.checksum:
            entries.append(Entry(f.version, f.description, State.MODIFIED, f, row,
                                 explain_mismatch(f.data, row.checksum)))
        else:
            entries.append(Entry(f.version, f.description, State.APPLIED, f, row))
    for row in by_version.values():
        state = State.DIRTY if not row.success else State.MISSING
        entries.append(Entry(row.version, row.description, state, None, row))
    entries.sort(key=lambda e: e.version)
    return Plan(folder, entries, table_exists)
