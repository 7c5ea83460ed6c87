"""Delete-confirmation tokens: an HMAC only the workbench can compute, bound to one impact and a time.

A token is `{expiry, hex}-{HMAC-SHA256}` over the impact's canonical form (database identity,
root row, per table the count and digest of the exact rows deleted or cleared, the rules and
triggers that fire) and the expiry.  The key is a secret kept outside the target database:
32 random bytes in `delete-token.key` (mode 0600) in the workbench's data folder, created on
first use.  So a token cannot be computed without a preview, is worthless after its expiry
(15 minutes by default), and stops matching as soon as any row it covers changes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
import time
from pathlib import Path

from ..errors import WorkbenchError

KEY_FILE = "delete-token.key"
TTL_SECONDS = 15 * 60
MAC_CHARS = 32
#: Why a token is refused (Signer.refusal).
MALFORMED = "the token is not one that delete-preview prints"
MISMATCH = ("the data changed since the preview (the token does not match the impact now; or it was issued for "
            "another row or database, or with another key)")
EXPIRED = "the token has expired"


class Signer:
    """Issues and checks tokens with one secret key."""

    def __init__(self, key: bytes, ttl_seconds: int = TTL_SECONDS):
        self._key = key
        self.ttl_seconds = ttl_seconds

    def __repr__(self) -> str:  # never shows the key
        return f"Signer(ttl_seconds={self.ttl_seconds})"

    def _mac(self, expires: int, canonical: str) -> str:
        return hmac.new(self._key, f"{expires}\n{canonical}".encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]

    def issue(self, canonical: str, *, now: float | None = None, ttl_seconds: int | None = None) -> str:
        expires = int((time.time() if now is None else now) + (self.ttl_seconds if ttl_seconds is None else ttl_seconds))
        return f"{expires:x}-{self._mac(expires, canonical)}"

    def refusal(self, token: str, canonical: str, *, now: float | None = None) -> str | None:
        """Why `token` does not confirm `canonical` (None when it does)."""
        head, sep, mac = token.strip().partition("-")
        try:
            expires = int(head, 16)
        except ValueError:
            expires = None
        if not sep or expires is None or len(mac) != MAC_CHARS:
            return MALFORMED
        if not hmac.compare_digest(mac, self._mac(expires, canonical)):
            return MISMATCH
        if (time.time() if now is None else now) > expires:
            return EXPIRED
        return None


_EPHEMERAL: Signer | None = None


def ephemeral_signer() -> Signer:
    """A signer whose key lives only in this process (the connection-level API's default)."""
    global _EPHEMERAL
    if _EPHEMERAL is None:
        _EPHEMERAL = Signer(secrets.token_bytes(32))
    return _EPHEMERAL


def signer_for(data_dir: Path, ttl_seconds: int = TTL_SECONDS) -> Signer:
    """The workbench's signer: the key in `data_dir/delete-token.key`, created (0600) on first use."""
    path = Path(data_dir) / KEY_FILE
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process created it first: use theirs
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32) + "\n")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise WorkbenchError(f"The delete-token key {path} is not a file.", "Remove it; it is created again.")
        if info.st_mode & 0o077:
            raise WorkbenchError(f"The delete-token key {path} is readable by others (mode "
                                 f"{stat.S_IMODE(info.st_mode):o}), so anyone could forge a delete confirmation.",
                                 f"Run `chmod 600 {path}` (or remove it; a new key is created).")
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise WorkbenchError(f"The delete-token key {path} cannot be used: {getattr(exc, 'strerror', None) or exc}.",
                             "Remove it; a new key is created (tokens already printed stop working).") from None
    if len(key) < 16:
        raise WorkbenchError(f"The delete-token key {path} is too short.", "Remove it; a new key is created.")
    return Signer(key, ttl_seconds)
