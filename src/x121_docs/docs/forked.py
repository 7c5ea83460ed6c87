"""Work split into shares over forked processes that inherit the caller's state (a build's catalog
and pages, MkDocs' config and files): nothing but each share's result crosses a pipe.

Shares are taken one at a time (`per_worker` of them per process), so a worker that drew the big
diagrams does not hold up the end. The workers are stopped whatever happens: after the results, or by
`cancel` when the caller fails first (no worker outlives its build).

Not `multiprocessing.Pool`: its `terminate()` can hang for ever. When it kills a worker that is writing
a result, that worker still holds the result queue's lock, and the pool's task thread then waits on
that lock while `terminate()` waits on the thread. Here nothing is shared between processes but pipes.
The share numbers are queued up front in one pipe that the workers read from, 4 bytes at a time. Each
worker sends its results over its own pipe, which a thread in the caller drains while the caller goes
on. A cancel kills the workers and reaps them, and waits for nothing that a killed process could hold.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable

_INDEX = struct.Struct("<I")  # one share number in the task pipe (reads of 4 bytes from a pipe are atomic)
_FRAME = struct.Struct("<Q")  # the length of one pickled result
_LIVE: set[int] = set()  # the worker processes not reaped yet


def running() -> list[int]:
    """The process ids of the workers not reaped yet (none once every Shares finished or was cancelled)."""
    return sorted(_LIVE)


def cores() -> int:
    """The cores this process may run on (at most 8); 1 where processes cannot fork (Windows): there
    every caller does its work in this process."""
    if not hasattr(os, "fork"):
        return 1
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)


class WorkerDied(RuntimeError):
    """A worker process ended before sending every share it had taken (killed, or crashed in C code)."""


def _child(fn: Callable, state: object, step: int, tasks: int, out: int) -> None:
    """In the forked process: take share numbers until the task pipe is empty, send each result."""
    status = 0
    try:
        while True:
            data = os.read(tasks, _INDEX.size)
            if not data:
                break
            (index,) = _INDEX.unpack(data)
            try:
                payload = pickle.dumps((index, True, fn(state, index, step)), pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - sent to the caller, which raises it
                payload = pickle.dumps((index, False, sendable(exc)), pickle.HIGHEST_PROTOCOL)
            view = memoryview(_FRAME.pack(len(payload)) + payload)
            while view:
                view = view[os.write(out, view):]
    except BaseException:  # noqa: BLE001 - the caller sees the missing results and says so
        status = 1
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the caller's buffers, no finalizers


def sendable(exc: Exception) -> Exception:
    """The exception as it is when it survives the pipe, else its type and message (a worker's error
    reaches the caller either way)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure to pickle or unpickle
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _read_exact(fd: int, n: int) -> bytearray | None:
    """`n` bytes from the pipe, or None at its end."""
    buf = bytearray(n)
    view, at = memoryview(buf), 0
    while at < n:
        got = os.readv(fd, [view[at:]])
        if not got:
            return None
        at += got
    return buf


class _Worker:
    """One forked process and the thread that reads its results into memory as they come."""

    def __init__(self, fn: Callable, state: object, step: int, tasks: int, closing: list[int]) -> None:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - the child never returns
            os.close(read)
            for fd in closing:
                os.close(fd)
            _child(fn, state, step, tasks, write)
        _LIVE.add(self.pid)
        os.close(write)
        self.fd, self.results, self.status = read, [], None
        self.receiving, self.error = False, None
        self.thread = threading.Thread(target=self._drain, name=f"forked-{self.pid}", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        """In the thread: each result decoded as soon as it is whole (as the caller goes on meanwhile)."""
        try:
            while (head := _read_exact(self.fd, _FRAME.size)) is not None:
                self.receiving = True
                body = _read_exact(self.fd, _FRAME.unpack(head)[0])
                if body is None:
                    break  # cut off by the process's end
                self.results.append(pickle.loads(body))
                self.receiving = False
        except Exception as exc:  # noqa: BLE001 - raised by `Shares.results`
            self.error = exc

    def finish(self) -> list[tuple[int, bool, object]]:
        """Wait for the process to end; its results."""
        self.thread.join()
        self._close()
        self.reap()
        return self.results

    def reap(self) -> None:
        if self.status is None:
            self.status = os.waitpid(self.pid, 0)[1]
            _LIVE.discard(self.pid)

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.reap()
        self.thread.join()  # the pipe's write end died with the process: the thread has read to its end
        self._close()

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Shares:
    """`fn(state, index, step)` for index in range(step), in `workers` forked processes, started now."""

    def __init__(self, fn: Callable, state: object, workers: int, per_worker: int = 4) -> None:
        self.step = step = workers * per_worker
        tasks_read, tasks_write = os.pipe()
        os.write(tasks_write, b"".join(_INDEX.pack(i) for i in range(step)))  # far below a pipe's buffer
        os.close(tasks_write)  # an empty pipe then reads as its end: the workers stop
        self.workers: list[_Worker] = []
        try:
            for _ in range(workers):
                self.workers.append(_Worker(fn, state, step, tasks_read, [w.fd for w in self.workers if w.fd is not None]))
        except BaseException:
            self.cancel()
            raise
        finally:
            os.close(tasks_read)

    def results(self) -> list:
        """Every share's result, in share order (waits; raises what a share raised)."""
        try:
            got: dict[int, tuple[bool, object]] = {}
            for w in self.workers:
                got.update((index, (ok, value)) for index, ok, value in w.finish())
                if w.error is not None:
                    raise w.error
            missing = [i for i in range(self.step) if i not in got]
            if missing:
                ended = ", ".join(f"{w.pid} ({_how(w.status)})" for w in self.workers)
                raise WorkerDied(f"A forked worker process ended without sending its result for share(s) "
                                 f"{', '.join(map(str, missing))} of {self.step}; the workers: {ended}. "
                                 "It was killed (out of memory?) or crashed; nothing of its share was kept.")
            for i in range(self.step):
                ok, value = got[i]
                if not ok:
                    raise value
            return [got[i][1] for i in range(self.step)]
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Kill the workers that still run and reap them all (safe to call more than once)."""
        for w in self.workers:
            w.kill()
        self.workers = []


def _how(status: int | None) -> str:
    if status is None:
        return "still running"
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.WEXITSTATUS(status)}"
