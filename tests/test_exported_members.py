"""Every public name of core's packages is in their ``__all__``, and every listed name exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = [
    "koppel.accounting",
    "koppel.engine",
    "koppel.flows",
    "koppel.mapping",
    "koppel.records",
    "koppel.relations",
    "koppel.state",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_exported_members_all_is_complete(name: str) -> None:
    package = importlib.import_module(name)
    for info in pkgutil.iter_modules(package.__path__):  # lazy packages: load everything first
        importlib.import_module(f"{name}.{info.name}")
    public = {
        member
        for member, value in vars(package).items()
        if not member.startswith("_")
        and getattr(value, "__module__", "").startswith(name)
        and not isinstance(value, type(package))
    }
    assert public <= set(package.__all__)
    for exported in package.__all__:
        assert getattr(package, exported) is not None, exported
    assert len(set(package.__all__)) == len(package.__all__)
    lazy = getattr(package, "_EXPORTS", None)  # names imported on first use
    if lazy is not None:
        assert set(lazy) == set(package.__all__)
