"""A flow's problems now, compared with those alerts were sent for: tell what is new and
what is resolved, once, in one notice per flow (never one per record)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from koppel.alerts._config import AlertConfig
from koppel.alerts._send import send_email, send_webhook

if TYPE_CHECKING:
    from koppel.state import StateStore

__all__ = ["Notice", "check_flow", "problems"]

#: Run statuses that are a problem of their own ("failed" means parked records,
#: which are problems one by one; "paused" waits for a budget, as planned).
_BAD_RUNS = ("stopped", "crashed")


@attrs.frozen(kw_only=True)
class Notice:
    """What one check found new and resolved for a flow (key -> message)."""

    flow: str
    opened: dict[str, str]
    resolved: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        """The webhook's body."""
        return {
            "flow": self.flow,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "opened": [{"key": k, "message": m} for k, m in self.opened.items()],
            "resolved": [{"key": k, "message": m} for k, m in self.resolved.items()],
        }

    def subject(self) -> str:
        """The e-mail's subject."""
        parts = []
        if self.opened:
            parts.append(f"{len(self.opened)} new problem(s)")
        if self.resolved:
            parts.append(f"{len(self.resolved)} resolved")
        return f"koppel: {self.flow}: {', '.join(parts)}"

    def text(self) -> str:
        """The e-mail's body."""
        lines = [f"Flow {self.flow}", ""]
        for title, items in (("New problems:", self.opened), ("Resolved:", self.resolved)):
            if items:
                lines += [title, *(f"- {key}: {message}" for key, message in items.items()), ""]
        return "\n".join(lines)


def problems(store: StateStore, flow: str) -> dict[str, str]:
    """The problems of ``flow`` now: its newest finished run when it stopped or crashed
    (key "run"), and each parked record (key "parked:ENTITY:ID")."""
    found: dict[str, str] = {}
    newest = next(
        (run for run in store.runs(flow, limit=10) if not run.dry_run and run.status != "running"),
        None,
    )
    if newest is not None and newest.status in _BAD_RUNS:
        found["run"] = f"run {newest.id} {newest.status}: {newest.message or 'no message'}"
    for record in store.parked(flow):
        found[f"parked:{record.entity}:{record.source_id}"] = record.message
    return found


def check_flow(store: StateStore, flow: str, config: AlertConfig | None) -> Notice | None:
    """Send one notice for ``flow`` when a problem is new or resolved; the notice, or None.

    The open problems are recorded only after every channel took the notice, so a
    notice that could not be sent is sent at the next check.

    :raises TransientError: when a channel failed (nothing recorded).
    :raises ConfigurationError: when the alerts file is wrong for this flow.
    """
    now = problems(store, flow)
    known = {alert.key: alert.message for alert in store.open_alerts(flow)}
    opened = {key: message for key, message in now.items() if key not in known}
    resolved = {key: message for key, message in known.items() if key not in now}
    if not opened and not resolved:
        return None
    notice = Notice(flow=flow, opened=opened, resolved=resolved)
    if config is not None:
        webhook, email = config.channels(flow)
        if webhook is not None:
            send_webhook(webhook, notice.as_json())
        if email is not None:
            send_email(email, notice.subject(), notice.text())
    store.settle_alerts(flow, now)
    return notice
