"""The problems alerts were sent for, so that a problem is told once when it opens and once
when it is resolved, however often it is seen in between; and the flows the store knows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs
import sqlalchemy as sa

from koppel.state._base import StoreBase
from koppel.state._schema import alerts, parked, runs

__all__ = ["AlertsMixin", "OpenAlert"]


@attrs.frozen(kw_only=True)
class OpenAlert:
    """A problem of ``flow`` an alert was sent for and that is not resolved yet."""

    flow: str
    key: str
    message: str
    opened_at: datetime


class AlertsMixin(StoreBase):
    """Open alerts per flow (:meth:`settle_alerts`), and :meth:`known_flows`."""

    def settle_alerts(
        self, flow: str, problems: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Record that ``flow``'s problems (key -> message) are exactly ``problems`` now.

        Returns (opened, resolved): the problems that are new, and the open ones that
        are gone (with the message they were opened with). A problem seen again
        stays open and is in neither.
        """
        with self._write() as conn:
            known = {
                key: message
                for key, message in conn.execute(
                    sa.select(alerts.c.key, alerts.c.message).where(alerts.c.flow == flow)
                )
            }
            opened = {key: msg for key, msg in problems.items() if key not in known}
            resolved = {key: msg for key, msg in known.items() if key not in problems}
            if resolved:
                conn.execute(
                    alerts.delete().where(alerts.c.flow == flow, alerts.c.key.in_(list(resolved)))
                )
            if opened:
                now = self.clock()
                conn.execute(
                    alerts.insert(),
                    [
                        {"flow": flow, "key": key, "message": msg, "opened_at": now}
                        for key, msg in opened.items()
                    ],
                )
        return opened, resolved

    def open_alerts(self, flow: str | None = None) -> list[OpenAlert]:
        """The open alerts (of ``flow``), oldest first."""
        query = alerts.select().order_by(alerts.c.opened_at, alerts.c.key)
        if flow is not None:
            query = query.where(alerts.c.flow == flow)
        with self._read() as conn:
            return [
                OpenAlert(flow=row.flow, key=row.key, message=row.message, opened_at=row.opened_at)
                for row in conn.execute(query)
            ]

    def known_flows(self) -> list[str]:
        """Every flow that has runs or parked records in this store, by name."""
        query = sa.union(sa.select(runs.c.flow), sa.select(parked.c.flow))
        with self._read() as conn:
            return sorted(str(name) for name in conn.execute(query).scalars())
