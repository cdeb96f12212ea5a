"""Installing core and plugin packages with pip makes koppel find them."""

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "tests" / "packages"


@pytest.fixture(scope="module")
def fresh_env(fresh_venv):
    return fresh_venv("venv")


def koppel_plugins(env):
    koppel = env.bin / "koppel"
    return subprocess.run([koppel, "plugins", "--json"], capture_output=True, text=True)


def test_installed_plugin_is_listed_and_broken_one_reported(fresh_env):
    fresh_env.install(ROOT, PACKAGES / "koppel-hello")
    result = koppel_plugins(fresh_env)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    [hello] = [p for p in listing["plugins"] if p["name"] == "hello"]
    assert hello["distribution"] == "koppel-hello" and hello["version"] == "1.2.3"
    assert hello["system"] == "hello" and hello["reads"] == ["customers"]
    assert hello["order_types"] == ["order"]
    assert "supports_order_types" in hello["hooks"]

    fresh_env.install(PACKAGES / "koppel-broken")
    result = koppel_plugins(fresh_env)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    [broken] = [b for b in listing["broken"] if b["name"] == "broken"]
    assert broken["distribution"] == "koppel-broken"
    assert "needs a module that is not installed" in broken["error"]
    assert any(p["name"] == "hello" for p in listing["plugins"])
