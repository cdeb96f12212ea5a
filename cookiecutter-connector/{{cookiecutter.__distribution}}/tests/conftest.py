"""Fixtures for the {{ cookiecutter.title }} tests."""

from typing import Any

import pytest
from koppel.sandbox import ContractLog


@pytest.fixture(autouse=True)
def _strict(koppel_strict_contracts: ContractLog) -> None:
    """A test fails when a request it sends breaks the API's facts (facts.py)."""


@pytest.fixture
def vcr_config(koppel_vcr_config: dict[str, Any]) -> dict[str, Any]:
    """Cassettes are written with tokens, keys and secrets filtered out."""
    return koppel_vcr_config
