"""koppel.http, koppel.sandbox and koppel.testing export exactly their public names.

Like httpx's tests/test_exported_members.py: every public name a package holds
is in its ``__all__`` and every name in ``__all__`` exists.
"""

from __future__ import annotations
import __future__

import importlib
from types import ModuleType

import pytest


@pytest.mark.parametrize("name", ["koppel.http", "koppel.sandbox", "koppel.testing"])
def test_exported_members_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        member
        for member, value in vars(module).items()
        if not member.startswith("_")
        and not isinstance(value, ModuleType)  # submodules, e.g. koppel.testing.pytest_plugin
        and value is not __future__.annotations
    }
    assert public == set(module.__all__)
    assert len(module.__all__) == len(set(module.__all__))
