"""Waiting for a condition in a test: poll it, and fail saying what never came (never a bare sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], what: str, timeout: float = 20.0, interval: float = 0.05,
               pause: Callable[[], object] | None = None) -> T:
    """Call `predicate` until it returns something truthy (returned); fail naming `what` after `timeout` s.

    `pause` replaces the sleep between calls (a browser page must keep pumping its events while waiting)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        pause() if pause else time.sleep(interval)
