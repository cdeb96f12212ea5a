"""Fixtures for the relation workflow's tests: a state store on SQLite and, when
``KOPPEL_TEST_POSTGRES_URL`` is set, on PostgreSQL in a schema of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from koppel.state import StateStore, open_state
from koppel.testing import StateTarget

if TYPE_CHECKING:
    from koppel.cli.run import Sandboxes
    from koppel.flows import Flow


@pytest.fixture
def target(koppel_state_target: StateTarget) -> StateTarget:
    """The shared SQLite / PostgreSQL target (koppel.testing) under this folder's name."""
    return koppel_state_target


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    return koppel_state_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(tmp_path / "state.sqlite3") as opened:
        yield opened


def sandboxed(flow: Flow, boxes: Sandboxes) -> tuple[Flow, dict[str, Any]]:
    """``flow`` pointed at ``boxes``, and the :class:`RelationWorkflow` options that
    attach its connections to them."""
    return boxes.prepare(flow), {"prepare_connection": boxes.attach, "token_store": boxes.tokens}
