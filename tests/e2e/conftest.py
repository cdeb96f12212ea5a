"""The seeds' main flows between the AccountView and eAccounting sandboxes.

Runs go through :class:`koppel.cli.run.Sandboxes` and :func:`koppel.cli.run.run_one`,
the code path of ``koppel run --sandbox``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koppel.flows import Flow, load_flow

EXAMPLES = Path(__file__).parents[2] / "examples"
#: The main flows in the order the demo runs them.
MAIN_FLOWS = (
    "accountview-products-to-eaccounting",
    "accountview-stock-to-eaccounting",
    "eaccounting-orders-to-accountview",
)
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def _plugins_and_no_secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both plugins installed; no KOPPEL_SECRET_KEY, as on a fresh machine."""
    pytest.importorskip("koppel_accountview")
    pytest.importorskip("koppel_eaccounting")
    monkeypatch.delenv("KOPPEL_SECRET_KEY", raising=False)
    monkeypatch.delenv("KOPPEL_STATE", raising=False)
    yield


@pytest.fixture
def flows() -> dict[str, Flow]:
    return {name: load_flow(EXAMPLES / f"{name}.toml") for name in MAIN_FLOWS}


def writes(box: Any) -> int:
    """Write calls that reached a sandbox (token requests not counted)."""
    token_path = box.oauth.token_path if box.oauth is not None else None
    return sum(
        count
        for (method, path), count in box.calls.items()
        if method in _WRITES and path != token_path
    )
