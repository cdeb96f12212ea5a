"""A run's progress in the server: its elapsed time stops when it ends."""

from __future__ import annotations

import time

from koppel.web._runs import RunProgress


def test_run_progress_elapsed_stops_at_the_end() -> None:
    progress = RunProgress("shop")
    assert not progress.finished
    progress.end()
    ended = progress.elapsed
    time.sleep(0.05)
    assert progress.finished and progress.elapsed == ended
