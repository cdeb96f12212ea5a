"""Core owns a connection's life: every HTTP client a run opens is closed when it ends,
also when it fails; nothing warns of an unclosed socket."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from koppel.cli.run import Sandboxes, run_one
from koppel.errors import KoppelError
from koppel.flows import Flow

ORDERS = "eaccounting-orders-to-accountview"


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Client]:
    """Every httpx.Client made during the test."""
    made: list[httpx.Client] = []
    original = httpx.Client.__init__

    def record(self: httpx.Client, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(httpx.Client, "__init__", record)
    return made


def test_clients_of_a_run_are_all_closed_at_its_end(
    flows: dict[str, Flow], tmp_path: Path, opened: list[httpx.Client]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        run_one(flows[ORDERS], str(tmp_path / "state.sqlite3"), sandboxes=Sandboxes())
        gc.collect()
    assert len(opened) >= 2  # the API clients of both systems (and their token clients)
    assert [c for c in opened if not c.is_closed] == []


def test_clients_of_a_failed_run_are_closed_too(
    flows: dict[str, Flow], tmp_path: Path, opened: list[httpx.Client]
) -> None:
    boxes = Sandboxes()
    boxes.box("accountview").faults.inject("refused", times=50)  # the target cannot be reached
    with pytest.raises(KoppelError):
        run_one(flows[ORDERS], str(tmp_path / "state.sqlite3"), sandboxes=boxes)
    assert opened and [c for c in opened if not c.is_closed] == []
