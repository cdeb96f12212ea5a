"""Fixtures for the {{ cookiecutter.title }} tests."""

from typing import Any

import pytest


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    """Cassettes are written with tokens, keys and secrets filtered out."""
    return koppel_vcr_config
