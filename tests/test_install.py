"""Installing core and plugin packages with pip makes koppel find them."""

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ROOT / "tests" / "packages"


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A new virtualenv that sees this environment's dependencies but not its koppel."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.check_output(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    # Dependencies come from the running environment; .pth files there are not
    # processed, so its editable koppel stays invisible.
    Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip_install(python, *paths):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            *map(str, paths),
        ],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


def koppel_plugins(python):
    koppel = Path(python).parent / "koppel"
    return subprocess.run([koppel, "plugins", "--json"], capture_output=True, text=True)


def test_installed_plugin_is_listed_and_broken_one_reported(fresh_env):
    pip_install(fresh_env, ROOT, PACKAGES / "koppel-hello")
    result = koppel_plugins(fresh_env)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    [hello] = [p for p in listing["plugins"] if p["name"] == "hello"]
    assert hello["distribution"] == "koppel-hello" and hello["version"] == "1.2.3"
    assert hello["system"] == "hello" and hello["reads"] == ["customers"]
    assert hello["order_types"] == ["order"]
    assert "supports_order_types" in hello["hooks"]

    pip_install(fresh_env, PACKAGES / "koppel-broken")
    result = koppel_plugins(fresh_env)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    [broken] = [b for b in listing["broken"] if b["name"] == "broken"]
    assert broken["distribution"] == "koppel-broken"
    assert "needs a module that is not installed" in broken["error"]
    assert any(p["name"] == "hello" for p in listing["plugins"])
