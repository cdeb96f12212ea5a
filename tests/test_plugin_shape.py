"""Every system plugin has one shape: a Connector declaration, the same module names, and
no dispatch on entity names (core dispatches to the entity's resource)."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

from koppel.connector import Connector

PLUGINS = sorted(
    p
    for p in Path(__file__).parents[1].joinpath("plugins").glob("koppel-*/koppel_*")
    if p.is_dir() and (p / "__init__.py").exists()
)
#: Modules every plugin has (``resources`` is a package with one module per entity).
SHAPE = ("plugin.py", "settings.py", "client.py", "resources", "mappings", "sandbox.py")
#: Code that branches on an entity's name.
DISPATCH = re.compile(
    r"\bentity\s*(==|!=)\s*['\"]|\bentity\s+(not\s+)?in\s*[\(\[\{]|['\"]\s*(==|!=)\s*entity\b"
)


@pytest.mark.parametrize("package", PLUGINS, ids=lambda p: p.name)
def test_plugin_has_the_shape_of_every_plugin(package: Path) -> None:
    missing = [name for name in SHAPE if not (package / name).exists()]
    assert missing == [], f"{package.name} lacks {missing}"
    assert (package / "resources" / "__init__.py").is_file()


@pytest.mark.parametrize("package", PLUGINS, ids=lambda p: p.name)
def test_plugin_never_dispatches_on_entity_names(package: Path) -> None:
    found = [
        f"{path.relative_to(package.parent)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DISPATCH.search(line)
    ]
    assert found == []


def test_plugin_entry_points_name_connector_objects() -> None:
    points = {
        ep.name: ep
        for ep in importlib.metadata.entry_points(group="koppel")
        if ep.value.startswith("koppel_")
        and Path(__file__).parents[1].joinpath("plugins", f"koppel-{ep.name}").is_dir()
    }
    assert points, "no plugin of this repository is installed"
    for name, point in points.items():
        assert isinstance(point.load(), Connector), f"{name}: {point.value} is not a Connector"
