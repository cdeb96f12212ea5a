"""Structured logging: library code gets loggers, only the CLI configures output.

Secrets are redacted by a processor, not at call sites: any key that looks
like a credential (authorization, token, password, secret, api_key, ...) is
replaced by ``"[redacted]"`` at any depth of the event.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

__all__ = [
    "REDACTED",
    "configure_logging",
    "get_logger",
    "is_secret_key",
    "needs_redacting",
    "redact",
    "redact_secrets",
    "secret_keys",
]

REDACTED = "[redacted]"

_SECRET_KEY = re.compile(
    r"(authori[sz]ation|token|password|passwd|secret|api[_-]?key|apikey|client[_-]?secret"
    r"|cookie|credential|private[_-]?key|refresh|afastoken)",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=8192)
def _names_secret(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def is_secret_key(key: object) -> bool:
    """True when a mapping key names a credential."""
    return isinstance(key, str) and _names_secret(key)


@functools.lru_cache(maxsize=4096)
def _secret_keys(keys: tuple[object, ...]) -> frozenset[object]:
    """The redaction plan of a mapping with these keys (in its order; a tuple is
    cheaper to make and look up than a frozenset): the keys whose values go."""
    return frozenset(key for key in keys if is_secret_key(key))


def secret_keys(value: Mapping[Any, Any]) -> frozenset[object]:
    """The keys of ``value`` that name a credential (decided once per set of keys)."""
    return _secret_keys(tuple(value))


#: Types whose values hold no keys.
_SCALARS = frozenset((str, int, float, bool, type(None)))


def needs_redacting(value: Any) -> bool:
    """False when :func:`redact` would hand ``value`` back as it is: no secret-looking
    key at any depth and no mapping that is not a ``dict``. Only the keys are looked
    at, and which keys of a mapping are secret is decided once per set of keys."""
    kind = type(value)
    if kind is dict:
        return bool(_secret_keys(tuple(value))) or _any_needs(value.values())
    if kind is list or kind is tuple:
        return _any_needs(value)
    if isinstance(value, Mapping):
        return True
    return isinstance(value, list | tuple) and _any_needs(value)


def _any_needs(values: Any) -> bool:
    for item in values:
        kind = type(item)
        if kind in _SCALARS:
            continue
        if kind is dict:
            if _secret_keys(tuple(item)) or _any_needs(item.values()):
                return True
        elif kind is list or kind is tuple:
            if _any_needs(item):
                return True
        elif needs_redacting(item):
            return True
    return False


def redact(value: Any) -> Any:
    """``value`` with every secret-looking key's value redacted, at any depth.

    Nothing is changed in place: a mapping or list that holds a secret is copied;
    one that holds none is returned as it is (a mapping that is not a ``dict`` as
    a ``dict``), so a document without secrets costs no copy. Which keys of a
    mapping are secret is decided once per set of keys.
    """
    if isinstance(value, Mapping):
        secret = _secret_keys(tuple(value))
        out: dict[Any, Any] | None = None if type(value) is dict else dict(value)
        for key, item in value.items():
            if key in secret:
                new: Any = REDACTED
            elif isinstance(item, Mapping | list | tuple):
                new = redact(item)
                if new is item:
                    continue
            else:
                continue
            if out is None:
                out = dict(value)
            out[key] = new
        return value if out is None else out
    if isinstance(value, list | tuple):
        items = [redact(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    return value


def redact_secrets(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: redact secrets in every field of the event."""
    for key, value in list(event_dict.items()):
        event_dict[key] = REDACTED if is_secret_key(key) else redact(value)
    return event_dict


def get_logger(**context: Any) -> Any:
    """A structlog logger bound to ``context`` (flow=, system=, entity=, record=, run=)."""
    return structlog.get_logger("koppel").bind(**context)


def configure_logging(
    *, json: bool | None = None, level: str = "info", stream: TextIO | None = None
) -> None:
    """Configure structlog for the CLI: readable on a terminal, JSON lines otherwise.

    :param json: force JSON lines (True) or console output (False); None decides
        by whether ``stream`` is a terminal.
    :param level: the lowest level shown.
    :param stream: where log lines go (standard error by default).
    """
    out = stream or sys.stderr
    as_json = not out.isatty() if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer(default=str)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
