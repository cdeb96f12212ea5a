"""pytest plugin registered by koppel: fixtures shared by core and connector tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathlib import Path

    from koppel.sandbox import ContractLog
    from koppel.state import StateStore
    from koppel.testing._state import StateTarget


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_contract_violations: koppel_strict_contracts lets this test break contracts",
    )


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL from ``KOPPEL_TEST_POSTGRES_URL``; skips the test when unset."""
    url = os.environ.get("KOPPEL_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("KOPPEL_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def koppel_state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateTarget]:
    """Where the test's state store lives: a SQLite file, and in a second run a schema of
    its own on PostgreSQL (:func:`koppel.testing.postgres_schema`, dropped afterwards),
    which skips when ``KOPPEL_TEST_POSTGRES_URL`` is unset."""
    from koppel.testing._state import StateTarget, postgres_schema

    if request.param == "sqlite":
        yield StateTarget(str(tmp_path / "state.sqlite3"))
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as target:
        yield target


@pytest.fixture
def koppel_state_store(koppel_state_target: StateTarget) -> Iterator[StateStore]:
    """A state store opened at ``koppel_state_target``: on SQLite and on PostgreSQL."""
    with koppel_state_target.open() as opened:
        yield opened


@pytest.fixture
def koppel_vcr_config() -> dict[str, Any]:
    """pytest-recording settings that filter tokens and secrets; use it as ``vcr_config``::

    @pytest.fixture
    def vcr_config(koppel_vcr_config):
        return koppel_vcr_config
    """
    from koppel.testing._vcr import vcr_config

    return vcr_config()


@pytest.fixture
def koppel_strict_contracts(request: pytest.FixtureRequest) -> Iterator[ContractLog]:
    """Fails the test when a request it sent to a sandbox in this process broke a
    route's contract (see :func:`koppel.testing.strict_contracts`); yields the log."""
    from koppel.sandbox import watch_contracts
    from koppel.testing._contracts import assert_no_violations

    __tracebackhide__ = True
    with watch_contracts() as log:
        yield log
    if request.node.get_closest_marker("allow_contract_violations") is None:
        assert_no_violations(log)
