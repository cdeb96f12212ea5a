"""Fixtures for the purchase side: sample UBL files, and state stores on SQLite and,
when ``KOPPEL_TEST_POSTGRES_URL`` is set, PostgreSQL (a schema of its own per test)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from koppel.state import StateStore
from koppel.testing import StateTarget

SAMPLES = Path(__file__).with_name("ubl")


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOPPEL_SECRET_KEY", Fernet.generate_key().decode())


def sample(name: str) -> str:
    """The text of a sample UBL file."""
    return SAMPLES.joinpath(name).read_text(encoding="utf-8")


@pytest.fixture
def state_at(koppel_state_target: StateTarget) -> StateTarget:
    """Where the test's state lives: the shared SQLite / PostgreSQL target (koppel.testing)."""
    return koppel_state_target


@pytest.fixture
def store(koppel_state_store: StateStore) -> StateStore:
    return koppel_state_store
