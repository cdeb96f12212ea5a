"""The flows a worker serves: every flow file in a folder, and when they are due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from koppel.errors import ConfigurationError
from koppel.flows import Flow, load_flow, next_runs

__all__ = ["due", "load_flows"]


def load_flows(folder: Path) -> dict[str, Flow]:
    """Every ``*.toml`` flow file in ``folder``, by flow name.

    :raises ConfigurationError: when the folder holds no flow, or two files name one flow.
    :raises FlowFileError: naming the file, when a flow file is broken.
    """
    if not folder.is_dir():
        raise ConfigurationError(f"{folder} is not a folder of flow files", path=str(folder))
    flows: dict[str, Flow] = {}
    files: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        flow = load_flow(path)
        if flow.name in flows:
            raise ConfigurationError(
                f"flow {flow.name!r} is defined twice: in {files[flow.name]} and in {path}",
                path=str(path),
            )
        flows[flow.name], files[flow.name] = flow, path
    if not flows:
        raise ConfigurationError(f"no flow files (*.toml) in {folder}", path=str(folder))
    return flows


def due(flows: Mapping[str, Flow], after: datetime, until: datetime) -> list[str]:
    """The flows whose schedule has a run time in (``after``, ``until``], by name."""
    return [
        name
        for name, flow in flows.items()
        if any(moment <= until for moment in next_runs(flow, after))
    ]
