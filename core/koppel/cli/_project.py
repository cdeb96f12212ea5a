"""The project file (``koppel.toml``): where a project's flows and state are, flows named
by their name, and the project's ``.env``."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

if TYPE_CHECKING:
    from koppel.purchase.administration import Administration

__all__ = [
    "PROJECT_FILE",
    "Project",
    "find_project",
    "flow_path",
    "flow_paths",
    "read_env",
    "read_project",
]

#: The project file: found in the current folder or a parent (like ``meltano.yml``).
PROJECT_FILE = "koppel.toml"


@attrs.frozen
class Project:
    """A ``koppel.toml``: where its flow files are, its default state store and its
    administrations.

    :param root: the folder holding the project file.
    :param flows: the folder of flow files (``[project] flows``, default ``flows``).
    :param state: the state store of flows that name none (``[project] state``), a path
        resolved against ``root``, or a URL; None: ``$KOPPEL_STATE`` or the default.
    :param administrations: ``[administrations.NAME]`` tables by name (Multi ERP,
        :mod:`koppel.purchase.administration`).
    """

    root: Path
    flows: Path
    state: str | None = None
    administrations: dict[str, Administration] = attrs.field(factory=dict)

    @property
    def file(self) -> Path:
        """The project file."""
        return self.root / PROJECT_FILE

    def flow_files(self) -> list[Path]:
        """The flow files of the project, by file name."""
        return sorted(self.flows.glob("*.toml"))


def find_project(start: Path | None = None) -> Project | None:
    """The project whose ``koppel.toml`` is in ``start`` (the current folder) or a parent."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return read_project(folder / PROJECT_FILE)
    return None


def read_project(file: Path) -> Project:
    """Read a project file.

    :raises ConfigurationError: naming the file (and key) for a broken one.
    """
    import tomllib

    from koppel.errors import ConfigurationError

    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read the project file: {exc}", file=str(file)) from exc
    from koppel.purchase.administration import read_administrations

    table = data.get("project", {})
    tables = {"project", "administrations"}
    unknown = sorted(set(data) - tables) + sorted(set(table) - {"flows", "state"})
    if unknown or not isinstance(table, dict):
        raise ConfigurationError(
            f"unknown key(s) {', '.join(unknown) or 'project'}; a project file has "
            "[project] with flows and state, and [administrations.NAME] tables",
            file=str(file),
        )
    administrations = read_administrations(data.get("administrations"), file=file)
    values = {key: table.get(key) for key in ("flows", "state")}
    for key, value in values.items():
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigurationError(
                f"project.{key}: expected a path, got {value!r}", file=str(file)
            )
    state = values["state"]
    if state is not None and "://" not in state and state != ":memory:":
        state = str(file.parent / Path(state).expanduser())
    return Project(
        root=file.parent,
        flows=file.parent / (values["flows"] or "flows"),
        state=state,
        administrations=administrations,
    )


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def read_env(path: Path) -> list[str]:
    """Set the variables of the ``.env`` file ``path`` (``NAME=value`` lines, ``#``
    comments, optional quotes) that the environment does not set already; an empty value
    sets nothing. The names set, in order; none when there is no such file."""
    if not path.is_file():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if value and name not in os.environ:
            os.environ[name] = value
            found.append(name)
    return found


def flow_path(value: str) -> Path:
    """A FLOW argument as a file: a path as it is, or in a project (``koppel.toml``) the
    file of the flow of that name.

    :raises click.BadParameter: for a name that is no file and no flow of the project.
    """
    path = Path(value)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return path
    project = find_project()
    if project is None:
        return path  # loading it names the missing file
    found = project_flow(project, value)
    if found is None:
        names = [p.stem for p in project.flow_files()]
        close = difflib.get_close_matches(value, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"flows: {', '.join(names) or 'none'}"
        raise click.BadParameter(
            f"{value!r} is no flow file, nor a flow of {project.file} ({hint})"
        )
    return found


def flow_paths(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Click callback of the FLOW arguments: :func:`flow_path` of each given."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(flow_path(str(item)) for item in value)
    return flow_path(str(value))


def project_flow(project: Project, name: str) -> Path | None:
    """The file of the project's flow ``name`` (its file name, else its ``name``)."""
    from koppel.errors import KoppelError
    from koppel.flows import load_flow

    files = project.flow_files()
    for path in files:
        if path.stem == name:
            return path
    for path in files:
        try:
            if load_flow(path).name == name:
                return path
        except KoppelError:
            continue  # a broken file is reported when it is named
    return None
