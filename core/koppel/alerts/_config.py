"""Where alerts go: a TOML file with a webhook and/or e-mail, globally and per flow.

::

    [webhook]
    url = "https://alerts.example.com/koppel"
    secret = "env:KOPPEL_WEBHOOK_SECRET"

    [email]
    host = "smtp.example.com"
    port = 587
    starttls = true
    username = "koppel"
    password = "env:KOPPEL_SMTP_PASSWORD"
    sender = "koppel@example.com"
    to = ["ops@example.com"]

    [flows.shop-to-exact.email]      # this flow's e-mail goes here instead
    to = ["shop-team@example.com"]

A flow's section replaces the global channel of the same kind key by key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from koppel.errors import ConfigurationError
from koppel.flows._secrets import resolve_reference

__all__ = ["ALERTS_ENV", "AlertConfig", "EmailChannel", "WebhookChannel", "load_alerts"]

#: The environment variable naming the alerts file when no option does.
ALERTS_ENV = "KOPPEL_ALERTS"

_WEBHOOK_KEYS = {"url", "secret", "timeout"}
_EMAIL_KEYS = {"host", "port", "starttls", "ssl", "username", "password", "sender", "to", "timeout"}


@attrs.frozen(kw_only=True)
class WebhookChannel:
    """A POST of the alert as JSON to ``url``, signed with ``secret`` (see docs)."""

    url: str
    secret: str
    timeout: float = 10.0


@attrs.frozen(kw_only=True)
class EmailChannel:
    """An e-mail through an SMTP server."""

    host: str
    sender: str
    to: tuple[str, ...]
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


@attrs.frozen(kw_only=True)
class AlertConfig:
    """The channels of every flow: the global ones, and per flow its own sections."""

    webhook: Mapping[str, Any] | None = None
    email: Mapping[str, Any] | None = None
    flows: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    file: str | None = None

    def channels(self, flow: str) -> tuple[WebhookChannel | None, EmailChannel | None]:
        """The webhook and the e-mail channel of ``flow`` (None where there is none).

        :raises ConfigurationError: naming the key when a setting is missing or wrong.
        """
        own = self.flows.get(flow, {})
        webhook = _merged(self.webhook, own.get("webhook"))
        email = _merged(self.email, own.get("email"))
        where = f"flows.{flow}." if flow in self.flows else ""
        return (
            self._webhook(webhook, f"{where}webhook") if webhook else None,
            self._email(email, f"{where}email") if email else None,
        )

    def _webhook(self, data: Mapping[str, Any], where: str) -> WebhookChannel:
        url = self._text(data, "url", where)
        if not url.startswith(("http://", "https://")):
            raise self._error(f"{where}.url", f"expected an http(s) URL, got {url!r}")
        return WebhookChannel(
            url=url,
            secret=resolve_reference(
                self._text(data, "secret", where), where=f"{where}.secret", file=self.file
            ),
            timeout=float(data.get("timeout", 10.0)),
        )

    def _email(self, data: Mapping[str, Any], where: str) -> EmailChannel:
        to = data.get("to")
        if isinstance(to, str):
            to = [to]
        if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
            raise self._error(f"{where}.to", "expected one or more e-mail addresses")
        port = data.get("port", 25)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise self._error(f"{where}.port", f"expected a port number, got {port!r}")
        password = data.get("password")
        return EmailChannel(
            host=self._text(data, "host", where),
            sender=self._text(data, "sender", where),
            to=tuple(to),
            port=port,
            starttls=bool(data.get("starttls", False)),
            ssl=bool(data.get("ssl", False)),
            username=data.get("username"),
            password=(
                resolve_reference(password, where=f"{where}.password", file=self.file)
                if isinstance(password, str)
                else None
            ),
            timeout=float(data.get("timeout", 10.0)),
        )

    def _text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self._error(f"{where}.{key}", "is required (a text)")
        return value

    def _error(self, key: str, message: str) -> ConfigurationError:
        return ConfigurationError(f"alerts: {key}: {message}", file=self.file, path=key)


def _merged(base: Mapping[str, Any] | None, own: Mapping[str, Any] | None) -> dict[str, Any]:
    return {**(base or {}), **(own or {})}


def load_alerts(path: str | os.PathLike[str] | None = None) -> AlertConfig | None:
    """The alerts file at ``path``, else at ``$KOPPEL_ALERTS``; None when neither is set.

    :raises ConfigurationError: naming the file and key when it cannot be used.
    """
    location = path or os.environ.get(ALERTS_ENV)
    if not location:
        return None
    file = Path(location)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"alerts: cannot read {file}: {exc}", file=str(file)) from exc
    config = AlertConfig(file=str(file))
    unknown = set(data) - {"webhook", "email", "flows"}
    if unknown:
        raise config._error(sorted(unknown)[0], "unknown key (expected webhook, email, flows)")
    flows = data.get("flows", {})
    if not isinstance(flows, dict):
        raise config._error("flows", "expected a table of flows")
    for key, keys in (("webhook", _WEBHOOK_KEYS), ("email", _EMAIL_KEYS)):
        tables = [(key, data.get(key))]
        tables += [(f"flows.{name}.{key}", section.get(key)) for name, section in flows.items()]
        for where, table in tables:
            if table is None:
                continue
            if not isinstance(table, dict):
                raise config._error(where, "expected a table")
            extra = set(table) - keys
            if extra:
                raise config._error(f"{where}.{sorted(extra)[0]}", "unknown key")
    return attrs.evolve(config, webhook=data.get("webhook"), email=data.get("email"), flows=flows)
