"""Typed connection settings: one attrs class per system, checked when a flow loads.

Fields are declared with :func:`setting` (type from the annotation; default,
description, secret flag, choices and the environment variable a credential is
usually read from in metadata). :func:`read_settings` turns a connection's
plain settings and resolved credentials into an instance, or raises a
:class:`~koppel.errors.ConfigurationError` naming the key.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs

from koppel.errors import ConfigurationError
from koppel.system import Setting

__all__ = ["describe_settings", "read_settings", "setting"]

T = TypeVar("T")
_META = "koppel_setting"


@attrs.frozen(kw_only=True)
class _SettingMeta:
    description: str
    secret: bool
    env: str | None


def setting(
    *,
    default: Any = attrs.NOTHING,
    description: str = "",
    secret: bool = False,
    env: str | None = None,
) -> Any:
    """A field of a settings class.

    :param default: the value when the flow does not give one; none makes it required.
    :param description: one line for ``koppel plugins show``.
    :param secret: a credential: it belongs in the flow's ``credentials`` table
        (``env:NAME`` or ``keyring:...``), never in ``settings``.
    :param env: the environment variable the documentation suggests for a credential.
    """
    metadata = {_META: _SettingMeta(description=description, secret=secret, env=env)}
    if isinstance(default, list | dict):
        value = default
        return attrs.field(factory=lambda: type(value)(value), metadata=metadata, kw_only=True)
    return attrs.field(default=default, metadata=metadata, kw_only=True)


def describe_settings(cls: type) -> tuple[Setting, ...]:
    """Every field of settings class ``cls`` as a :class:`koppel.system.Setting`."""
    hints = typing.get_type_hints(cls)
    described = []
    for field in attrs.fields(cls):
        meta = field.metadata.get(_META) or _SettingMeta(description="", secret=False, env=None)
        has_default = field.default is not attrs.NOTHING
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        described.append(
            Setting(
                name=field.name,
                type=_type_name(hints[field.name]),
                description=meta.description,
                required=not has_default,
                default=default if has_default else None,
                secret=meta.secret,
                env=meta.env,
                choices=_choices(hints[field.name]),
            )
        )
    return tuple(described)


def read_settings(cls: type[T], values: Mapping[str, Any], *, connection: str) -> T:
    """An instance of ``cls`` from a connection's settings and credentials.

    Unknown keys are left to ``koppel check``'s warning; a missing required key or
    a value of the wrong type or outside the choices is an error.

    :raises ConfigurationError: naming ``connections.<connection>.settings.<key>``.
    """
    hints = typing.get_type_hints(cls)
    given: dict[str, Any] = {}
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        where = f"connections.{connection}.settings.{field.name}"
        if field.name not in values or values[field.name] is None:
            if field.default is attrs.NOTHING:
                raise ConfigurationError(
                    f"the setting {field.name} is required", connection=connection, path=where
                )
            continue
        given[field.name] = _convert(hints[field.name], values[field.name], where, connection)
    try:
        return cls(**given)
    except (ValueError, TypeError) as exc:  # a validator of the settings class refused a value
        name = str(exc.args[0] if exc.args else exc).split("'")
        key = name[1] if len(name) > 2 and name[1] in given else None
        where = f"connections.{connection}.settings" + (f".{key}" if key else "")
        raise ConfigurationError(
            f"{key + ': ' if key else ''}{exc.args[0] if exc.args else exc}",
            connection=connection,
            path=where,
        ) from None


def _convert(kind: Any, value: Any, where: str, connection: str) -> Any:
    optional = _optional_of(kind)
    if optional is not None:
        return _convert(optional, value, where, connection)
    choices = _choices(kind)
    try:
        if choices is not None:
            return _choice(kind, value, choices)
        return _SCALARS[kind](value) if kind in _SCALARS else _container(kind, value)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise ConfigurationError(
            f"{where.rsplit('.', 1)[-1]}: {exc}", connection=connection, path=where
        ) from None


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"expected text, got {value!r}")
    return str(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"expected a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(f"expected a whole number, got {value!r}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected true or false, got {value!r}")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _float(value: Any) -> float:
    return float(_number(value))


_SCALARS: dict[Any, Any] = {
    str: _text,
    int: _integer,
    bool: _boolean,
    Decimal: _number,
    float: _float,
}


def _container(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if origin in (dict, Mapping, typing.Mapping) or kind in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a table, got {value!r}")
        return dict(value)
    if origin in (tuple, list):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise TypeError(f"expected a list, got {value!r}")
        args = [a for a in typing.get_args(kind) if a is not Ellipsis]
        convert = _SCALARS.get(args[0], lambda v: v) if args else (lambda v: v)
        return origin(convert(item) for item in items)
    raise TypeError(f"settings of type {kind!r} are not supported")


def _choices(kind: Any) -> tuple[str, ...] | None:
    kind = _optional_of(kind) or kind
    if typing.get_origin(kind) is typing.Literal:
        return tuple(str(arg) for arg in typing.get_args(kind))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(str(member.value) for member in kind)
    return None


def _choice(kind: Any, value: Any, choices: tuple[str, ...]) -> Any:
    text = str(value).strip()
    if text not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}; got {value!r}")
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(text)
    return next(arg for arg in typing.get_args(kind) if str(arg) == text)


def _optional_of(kind: Any) -> Any:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(kind)) == 2:
            return args[0]
    return None


def _type_name(kind: Any) -> str:
    inner = _optional_of(kind) or kind
    if _choices(inner) is not None:
        return "choice"
    names = {str: "str", int: "int", bool: "bool", Decimal: "decimal", float: "float"}
    if inner in names:
        return names[inner]
    origin = typing.get_origin(inner)
    if origin in (dict, Mapping, typing.Mapping) or inner in (dict, Mapping):
        return "table"
    if origin in (tuple, list):
        return "list"
    return "any"
