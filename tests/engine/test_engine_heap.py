"""While runs last, the heap they found stays out of full garbage collections and the
young generation is collected less often; the last run gives both back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from koppel.engine._runner import YOUNG_THRESHOLD, _RunHeap


@pytest.fixture(autouse=True)
def _thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield before
    finally:
        gc.set_threshold(*before)


def test_engine_runs_in_threads_share_one_setup_undone_by_the_last() -> None:
    heap = _RunHeap()
    assert gc.get_freeze_count() == 0
    with heap.during_run():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        with heap.during_run():  # a second run in another thread
            pass
        assert gc.get_freeze_count() > 0  # the first run still goes on
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def test_engine_gives_the_thresholds_back_when_a_run_fails() -> None:
    heap = _RunHeap()
    with pytest.raises(RuntimeError), heap.during_run():
        raise RuntimeError("the run failed")
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_engine_keeps_a_higher_threshold_and_a_switched_off_collector() -> None:
    heap = _RunHeap()
    gc.set_threshold(2 * YOUNG_THRESHOLD, 5, 5)
    with heap.during_run():
        assert gc.get_threshold() == (2 * YOUNG_THRESHOLD, 5, 5)
    gc.set_threshold(0, 10, 10)
    with heap.during_run():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)


def test_engine_keeps_thresholds_the_host_set_during_a_run() -> None:
    heap = _RunHeap()
    with heap.during_run():
        gc.set_threshold(1234, 5, 5)
    assert gc.get_threshold() == (1234, 5, 5)
    assert gc.get_freeze_count() == 0  # the heap is given back all the same


def test_engine_leaves_a_heap_the_host_froze_as_it_is() -> None:
    heap = _RunHeap()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with heap.during_run():
            assert 0 < gc.get_freeze_count() <= frozen  # not frozen again (objects may go)
        assert 0 < gc.get_freeze_count() <= frozen  # nor unfrozen
    finally:
        gc.unfreeze()
