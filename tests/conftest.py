"""Fixtures shared by all of koppel's own tests."""

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """The CLI configures structlog globally; every test starts from the defaults."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()
