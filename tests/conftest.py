"""Fixtures shared by all of koppel's own tests."""

import os
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import structlog


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    """The CLI configures structlog globally; every test starts from the defaults."""
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def _data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data-home")


@pytest.fixture(autouse=True)
def _temporary_default_state(_data_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default state store lives in a temporary folder, never in the user's home.

    ``XDG_DATA_HOME`` moves the user data folder (:func:`default_state_path`), also
    for the subprocesses tests start; a ``KOPPEL_STATE`` of the developer's is ignored.
    """
    monkeypatch.setenv("XDG_DATA_HOME", str(_data_home))
    monkeypatch.delenv("KOPPEL_STATE", raising=False)


class FreshVenv:
    """A new virtualenv that sees this environment's dependencies but not its koppel.

    Packages are installed into it without dependencies or build isolation, so
    installing takes seconds and needs no network.
    """

    def __init__(self, folder: Path) -> None:
        venv.EnvBuilder(with_pip=False).create(folder)
        self.python = folder / "bin" / "python"
        self.bin = folder / "bin"
        site = subprocess.check_output(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
        # .pth files in the added folder are not processed, so this
        # environment's editable koppel stays invisible.
        Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def install(self, *paths: Path) -> None:
        """pip-install ``paths`` (project folders) into this environment."""
        pip = [sys.executable, "-m", "pip", "--python", str(self.python), "install"]
        subprocess.run(
            [*pip, "--quiet", "--no-deps", "--no-build-isolation", *map(str, paths)],
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], FreshVenv]:
    """Makes a :class:`FreshVenv` in a new temporary folder named after its use."""
    return lambda name: FreshVenv(tmp_path_factory.mktemp(name))
