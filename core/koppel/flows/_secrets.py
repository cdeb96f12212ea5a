"""Credential references (``env:NAME``, ``keyring:service/name``), resolved only at run time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from koppel.errors import ConfigurationError
from koppel.flows._model import ConnectionConfig
from koppel.sync import Connection

__all__ = ["build_connection", "is_reference", "resolve_credentials", "resolve_reference"]

_PREFIXES = ("env:", "keyring:")


def is_reference(value: object) -> bool:
    """True when ``value`` is a credential reference rather than a secret itself."""
    return isinstance(value, str) and value.startswith(_PREFIXES)


def resolve_reference(reference: str, *, where: str = "credential", file: str | None = None) -> str:
    """The secret a reference points at.

    ``env:NAME`` reads the environment variable NAME; ``keyring:service/name``
    asks the OS keyring (the optional ``keyring`` package). Any other string is
    taken as the secret itself (the flow file's loader warned about it).

    :param where: the key path, for error messages.
    :raises ConfigurationError: naming the key path when the secret is not there.
    """
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name)
        if not value:
            raise ConfigurationError(
                f"{where}: environment variable {name} is not set", file=file, path=where
            )
        return value
    if reference.startswith("keyring:"):
        service, _, name = reference[8:].partition("/")
        if not service or not name:
            raise ConfigurationError(
                f"{where}: expected keyring:service/name, got {reference!r}", file=file, path=where
            )
        secret = _keyring_get(service, name, where=where, file=file)
        if secret is None:
            raise ConfigurationError(
                f"{where}: the OS keyring has no secret {name!r} for service {service!r} "
                f"(store it with: keyring set {service} {name})",
                file=file,
                path=where,
            )
        return secret
    return reference


def _keyring_get(service: str, name: str, *, where: str, file: str | None) -> str | None:
    try:
        import keyring
    except ImportError:
        raise ConfigurationError(
            f"{where}: keyring references need the keyring package (pip install keyring)",
            file=file,
            path=where,
        ) from None
    try:
        secret: Any = keyring.get_password(service, name)
    except Exception as exc:  # any backend failure is a configuration problem here
        raise ConfigurationError(
            f"{where}: the OS keyring failed: {type(exc).__name__}: {exc}", file=file, path=where
        ) from exc
    return secret if isinstance(secret, str) else None


def resolve_credentials(config: ConnectionConfig, *, file: str | None = None) -> dict[str, str]:
    """Every credential of a connection, resolved."""
    return {
        key: resolve_reference(ref, where=f"connections.{config.name}.credentials.{key}", file=file)
        for key, ref in config.credentials.items()
    }


def build_connection(
    config: ConnectionConfig,
    *,
    file: str | None = None,
    transport: Any = None,
    token_store: Any = None,
    settings: Mapping[str, Any] | None = None,
) -> Connection:
    """A live :class:`~koppel.sync.Connection` for ``config``, with its secrets resolved.

    :param settings: extra settings laid over the file's (the flow's own settings,
        such as the default debtor, reach the plugins this way).
    """
    merged = {**(settings or {}), **config.settings}
    return Connection(
        name=config.name,
        system=config.system,
        settings=merged,
        secrets=resolve_credentials(config, file=file),
        transport=transport,
        token_store=token_store,
    )
