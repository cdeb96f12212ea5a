"""Every public name of koppel.http and koppel.sandbox is in ``__all__`` (and nothing else)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["koppel.http", "koppel.sandbox", "koppel.testing"])
def test_exported_members_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith(name)
    }
    assert public <= set(module.__all__)
    for exported in module.__all__:
        assert hasattr(module, exported), exported
