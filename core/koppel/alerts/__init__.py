"""Alerts: a flow's new problems (a run that stopped or crashed, a parked record) and
resolved ones, told once each, through a signed webhook and/or e-mail.

::

    from koppel.alerts import check_flow, load_alerts

    notice = check_flow(store, "shop-to-exact", load_alerts("/etc/koppel/alerts.toml"))
"""

from __future__ import annotations

from koppel.alerts._check import Notice, check_flow, problems
from koppel.alerts._config import (
    ALERTS_ENV,
    AlertConfig,
    EmailChannel,
    WebhookChannel,
    load_alerts,
)
from koppel.alerts._send import SIGNATURE_HEADER, send_email, send_webhook, signature

__all__ = [
    "ALERTS_ENV",
    "SIGNATURE_HEADER",
    "AlertConfig",
    "EmailChannel",
    "Notice",
    "WebhookChannel",
    "check_flow",
    "load_alerts",
    "problems",
    "send_email",
    "send_webhook",
    "signature",
]
