"""The forked workers of docs/forked.py: results in share order, a share's error raised in the caller, a
killed worker reported by name, and a cancel that returns at once whatever the workers are doing (with
multiprocessing.Pool it could hang for ever on a worker killed while writing its result)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from x121_docs.docs import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers need os.fork")


def _square(state, index, step):  # noqa: ANN001, ANN202
    return [x * x for x in state[index::step]], os.getpid()


def test_every_share_is_computed_once_in_share_order_by_the_workers():
    shares = forked.Shares(_square, list(range(100)), workers=2, per_worker=3)
    assert len(forked.running()) == 2
    out = shares.results()
    assert [r[0] for r in out] == [[x * x for x in range(100)[i::6]] for i in range(6)]
    assert os.getpid() not in {pid for _, pid in out}, "a share ran in the caller"
    assert forked.running() == []


def _fails_on_two(state, index, step):  # noqa: ANN001, ANN202
    if index == 2:
        raise ValueError(f"share {index} of {step} failed")
    if index == 3:
        raise _Unpicklable()
    return index


class _Unpicklable(Exception):
    def __reduce__(self):  # noqa: ANN204
        raise TypeError("cannot pickle this")


def test_a_shares_error_is_raised_in_the_caller_and_no_worker_outlives_it():
    shares = forked.Shares(_fails_on_two, None, workers=2, per_worker=2)
    with pytest.raises(ValueError, match="share 2 of 4 failed"):
        shares.results()
    assert forked.running() == []
    assert str(forked.sendable(_Unpicklable("x"))) == "_Unpicklable: x"


def _killed_on_one(state, index, step):  # noqa: ANN001, ANN202
    if index == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return index


def test_a_killed_worker_is_named_instead_of_waited_for():
    shares = forked.Shares(_killed_on_one, None, workers=2, per_worker=2)
    with pytest.raises(forked.WorkerDied) as err:
        shares.results()
    message = str(err.value)
    assert "share(s) 1" in message and "of 4" in message and "killed by signal 9" in message
    assert forked.running() == []


def _big(state, index, step):  # noqa: ANN001, ANN202
    return bytes(state)  # 64 MB: the worker is inside its write to the pipe for a long while


def test_cancel_returns_while_the_workers_are_writing_their_results():
    shares = forked.Shares(_big, 64 << 20, workers=2, per_worker=2)
    deadline = time.monotonic() + 60
    while not any(w.receiving for w in shares.workers):  # polling: a result is half received
        assert time.monotonic() < deadline, "no worker sent anything"
        time.sleep(0.005)
    t0 = time.monotonic()
    shares.cancel()
    assert time.monotonic() - t0 < 10, "cancel waited for the workers"
    assert forked.running() == []
    shares.cancel()  # twice: nothing left to stop
