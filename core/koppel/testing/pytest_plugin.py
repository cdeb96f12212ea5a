"""pytest plugin registered by koppel: fixtures shared by core and connector tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL from ``KOPPEL_TEST_POSTGRES_URL``; skips the test when unset."""
    url = os.environ.get("KOPPEL_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("KOPPEL_TEST_POSTGRES_URL is not set")
    return url
