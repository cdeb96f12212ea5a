"""A run keeps the heap it found out of full garbage collections, and gives it back."""

from __future__ import annotations

import gc

from koppel.engine._runner import _HeapFreeze


def test_engine_runs_in_threads_share_one_freeze_undone_by_the_last() -> None:
    heap = _HeapFreeze()
    assert gc.get_freeze_count() == 0
    with heap.during_run():
        assert gc.get_freeze_count() > 0
        with heap.during_run():  # a second run in another thread
            pass
        assert gc.get_freeze_count() > 0  # the first run still goes on
    assert gc.get_freeze_count() == 0


def test_engine_leaves_a_heap_the_host_froze_as_it_is() -> None:
    heap = _HeapFreeze()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with heap.during_run():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
