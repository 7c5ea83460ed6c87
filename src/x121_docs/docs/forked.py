"""Work split into shares over forked processes that inherit the caller's state (a build's catalog
and pages, MkDocs' config and files): nothing but each share's result crosses the pipe.

Shares are taken one at a time (`per_worker` of them per process), so a worker that drew the big
diagrams does not hold up the end. The pool is stopped whatever happens: after the results, or by
`cancel` when the caller fails first (no worker outlives its build).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable

_STATE: dict[int, tuple[Callable, object]] = {}  # what the workers inherit, by Shares
_IDS = itertools.count()


def cores() -> int:
    """The cores this process may run on (at most 8); 1 where processes cannot fork (Windows): there
    every caller does its work in this process."""
    if not hasattr(os, "fork"):
        return 1
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


def _run(args: tuple[int, int, int]):  # noqa: ANN202 - what the share's function returns
    key, index, step = args
    fn, state = _STATE[key]
    return fn(state, index, step)


class Shares:
    """`fn(state, index, step)` for index in range(step), in `workers` forked processes, started now."""

    def __init__(self, fn: Callable, state: object, workers: int, per_worker: int = 4) -> None:
        import multiprocessing

        self.key = next(_IDS)
        _STATE[self.key] = (fn, state)  # kept until the end: a pool forks again for a worker that died
        step = workers * per_worker
        self.pool = multiprocessing.get_context("fork").Pool(workers)
        try:
            self.pending = self.pool.map_async(_run, [(self.key, i, step) for i in range(step)], chunksize=1)
        except BaseException:
            self.cancel()
            raise

    def results(self) -> list:
        """Every share's result, in share order (waits; raises what a share raised)."""
        try:
            out = self.pending.get()
            self.pool.close()
            self.pool.join()
        finally:
            self.cancel()
        return out

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        _STATE.pop(self.key, None)
