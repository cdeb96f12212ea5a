"""``koppel.sandbox.__all__`` and ``koppel.testing.__all__`` list what their modules export."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

FAKE_CLOCK = {"FakeClock"}  # koppel.testing re-exports koppel.http's


@pytest.mark.parametrize("name", ["koppel.sandbox", "koppel.testing"])
def test_exported_members_all_is_complete(name: str) -> None:
    package = importlib.import_module(name)
    exported: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            exported |= set(importlib.import_module(f"{name}.{info.name}").__all__)
    assert exported <= set(package.__all__)
    assert set(package.__all__) - exported <= FAKE_CLOCK
    assert all(getattr(package, member) is not None for member in package.__all__)
    assert len(set(package.__all__)) == len(package.__all__)
