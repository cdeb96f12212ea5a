"""Sending an alert: a signed webhook POST, an e-mail."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

import httpx

from koppel.alerts._config import EmailChannel, WebhookChannel
from koppel.errors import TransientError

__all__ = ["SIGNATURE_HEADER", "send_email", "send_webhook", "signature"]

#: The header of a webhook's signature: ``t=<unix time>,v1=<hex HMAC-SHA256>``.
SIGNATURE_HEADER = "Koppel-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of :data:`SIGNATURE_HEADER`: HMAC-SHA256 with ``secret`` over
    ``"<timestamp>." + body``, hex-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def send_webhook(channel: WebhookChannel, alert: Mapping[str, Any]) -> None:
    """POST ``alert`` as JSON to the channel's URL, signed.

    :raises TransientError: when the receiver cannot be reached or answers no 2xx.
    """
    body = json.dumps(alert, separators=(",", ":"), default=str).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(channel.secret, timestamp, body),
    }
    try:
        answer = httpx.post(channel.url, content=body, headers=headers, timeout=channel.timeout)
    except httpx.HTTPError as exc:
        raise TransientError(f"alert webhook {channel.url}: {exc}", path=channel.url) from exc
    if not answer.is_success:
        raise TransientError(
            f"alert webhook {channel.url} answered {answer.status_code}", path=channel.url
        )


def send_email(channel: EmailChannel, subject: str, text: str) -> None:
    """Send ``text`` as a plain e-mail through the channel's SMTP server.

    :raises TransientError: when the server cannot be reached or refuses the message.
    """
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        channel.sender,
        ", ".join(channel.to),
        subject,
    )
    message.set_content(text)
    connect = smtplib.SMTP_SSL if channel.ssl else smtplib.SMTP
    try:
        with connect(channel.host, channel.port, timeout=channel.timeout) as smtp:
            if channel.starttls:
                smtp.starttls()
            if channel.username and channel.password:
                smtp.login(channel.username, channel.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientError(
            f"alert e-mail through {channel.host}:{channel.port}: {exc}", path=channel.host
        ) from exc
