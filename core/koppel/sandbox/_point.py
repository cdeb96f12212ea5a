"""A copy of a flow file whose connections point at served sandboxes.

Each connection whose system has a served sandbox gets that sandbox's
settings (``api_url``, ``base_url``, ...) and app: a ``client_id`` or
``client_secret`` among the settings is replaced, one among the credentials
stays a reference (``env:NAME``) whose value :attr:`PointedFlow.env` names.
The copy keeps its state apart from the original's (``koppel-served.sqlite3``
next to it, unless told otherwise) and reads lookup files from the original's
folder. Comments are not kept.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import attrs

from koppel.errors import ConfigurationError
from koppel.sandbox._endpoint import SandboxEndpoint

__all__ = ["SERVED_STATE", "PointedFlow", "point_flow"]

#: The state file of a pointed flow, next to it, unless ``state`` says otherwise.
SERVED_STATE = "koppel-served.sqlite3"
_APP_KEYS = ("client_id", "client_secret")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@attrs.frozen(kw_only=True)
class PointedFlow:
    """The copy :func:`point_flow` wrote.

    :param connections: connection name -> the served sandbox it now reaches.
    :param env: environment variables its credential references read, with the
        sandboxes' values (set them for ``koppel auth`` and ``koppel run``).
    """

    path: Path
    connections: Mapping[str, SandboxEndpoint]
    env: Mapping[str, str] = attrs.field(repr=False)


def point_flow(
    flow_file: str | Path,
    dest: str | Path,
    endpoints: Iterable[SandboxEndpoint],
    *,
    state: str | None = None,
) -> PointedFlow:
    """Write a copy of ``flow_file`` to ``dest`` with its connections at ``endpoints``.

    :param state: the copy's state store (default: ``koppel-served.sqlite3`` beside it).
    :raises ConfigurationError: when two endpoints serve one system, or no
        connection of the flow uses an endpoint's system.
    :raises FlowFileError: when ``flow_file`` is not a valid flow.
    """
    from koppel.flows import load_flow

    source, target = Path(flow_file), Path(dest)
    load_flow(source)  # a broken flow fails here, with the loader's message
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    by_system: dict[str, SandboxEndpoint] = {}
    for endpoint in endpoints:
        if endpoint.system in by_system:
            raise ConfigurationError(f"two served sandboxes for system {endpoint.system!r}")
        by_system[endpoint.system] = endpoint
    pointed: dict[str, SandboxEndpoint] = {}
    env: dict[str, str] = {}
    for name, body in data.get("connections", {}).items():
        served = by_system.get(body.get("system"))
        if served is not None:
            env.update(_point(name, body, served))
            pointed[name] = served
    unused = set(by_system) - {e.system for e in pointed.values()}
    if unused:
        raise ConfigurationError(
            f"no connection of {source} uses system {', '.join(sorted(unused))}"
        )
    for name, value in data.get("lookups", {}).items():
        if isinstance(value, str):
            data["lookups"][name] = str((source.parent / Path(value).expanduser()).resolve())
    if state is not None and "://" not in state:
        state = str(Path(state).resolve())
    data["state"] = state or SERVED_STATE
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {source} pointed at served sandboxes by `koppel sandbox point`.\n"
    target.write_text(header + _toml_document(data), encoding="utf-8")
    return PointedFlow(path=target, connections=pointed, env=env)


def _point(name: str, body: dict[str, Any], endpoint: SandboxEndpoint) -> dict[str, str]:
    """Point connection ``body`` at ``endpoint`` in place; the environment its credentials need."""
    settings = body.setdefault("settings", {})
    credentials = body.setdefault("credentials", {})
    settings.update(endpoint.settings)
    env: dict[str, str] = {}
    given = {key: getattr(endpoint, key) for key in _APP_KEYS} | dict(endpoint.credentials)
    for key, value in given.items():
        if value is None:
            continue
        if key in settings:
            settings[key] = value
        elif key in credentials:
            reference = str(credentials[key])
            variable = reference[4:] if reference.startswith("env:") else _variable(name, key)
            credentials[key] = f"env:{variable}"
            env[variable] = value
    return env


def _variable(connection: str, key: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", f"KOPPEL_SANDBOX_{connection}_{key}".upper())


def _toml_document(data: Mapping[str, Any]) -> str:
    """``data`` as TOML: each table's plain keys, then its tables as ``[a.b]`` sections."""
    lines: list[str] = []
    _table(lines, (), data)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    plain = [f"{_key(k)} = {_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    if path and (plain or len(plain) == len(table)):  # a table of tables needs no header
        lines += ["", "[" + ".".join(_key(part) for part in path) + "]"]
    lines += plain
    for key, value in table.items():
        if isinstance(value, dict):
            _table(lines, (*path, key), value)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
