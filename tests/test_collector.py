"""The collector pause used by lint and the docs build: nothing is collected inside, nothing stays frozen after."""

from __future__ import annotations

import gc
import weakref

from x121_docs.collector import paused


class _Node:
    """A cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_a_cycle_made_inside_the_pause_survives_it_and_is_collected_after() -> None:
    assert gc.isenabled()
    with paused():
        assert not gc.isenabled()
        node2 = _Node()
        alive2 = weakref.ref(node2)
        del node2
        with paused():  # nested: still paused on leaving the inner one
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0, "the pause must not leave objects frozen (cycles would never be freed)"
    assert alive2() is not None, "nothing was collected inside the pause"
    gc.collect()
    assert alive2() is None, "a cycle made inside the pause is freed by the next full collection"


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
