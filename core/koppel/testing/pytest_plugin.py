"""pytest plugin registered by koppel: fixtures shared by core and connector tests."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL from ``KOPPEL_TEST_POSTGRES_URL``; skips the test when unset."""
    url = os.environ.get("KOPPEL_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("KOPPEL_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def koppel_vcr_config() -> dict[str, Any]:
    """pytest-recording settings that filter tokens and secrets; use it as ``vcr_config``::

    @pytest.fixture
    def vcr_config(koppel_vcr_config):
        return koppel_vcr_config
    """
    from koppel.testing._vcr import vcr_config

    return vcr_config()
