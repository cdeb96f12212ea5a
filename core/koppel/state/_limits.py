"""API budgets kept in the store, so that every process on it shares them; paused flows.

A call is granted inside one transaction that locks the (system, tenant) row of
``koppel_rate_budgets`` (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), counts the calls granted in the last minute and day
(``koppel_rate_calls``, a sliding log) and records the new one: N workers
together never exceed the limits. What the API reports in its headers is kept
on the same row, so one worker's answer slows the others down too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs
import sqlalchemy as sa

from koppel.http._ratelimit import window_start
from koppel.state._base import StoreBase
from koppel.state._schema import pauses, rate_budgets, rate_calls, runs

__all__ = ["Grant", "LimitsMixin", "Pause"]

MINUTE = 60.0
DAY = 86_400.0


@attrs.frozen
class Grant:
    """The answer to a request for one call: ``wait`` 0 means granted (and counted);
    otherwise the seconds until one may be, ``day`` True when the day budget is the cause."""

    wait: float
    day: bool = False


@attrs.frozen(kw_only=True)
class Pause:
    """A flow whose run ``run_id`` paused on a spent day budget, until ``resume_at``."""

    flow: str
    run_id: int
    resume_at: datetime
    reason: str


class LimitsMixin(StoreBase):
    """Shared API budgets (:meth:`take_call`, :meth:`report_budget`) and paused runs."""

    def take_call(
        self,
        system: str,
        tenant: str,
        *,
        now: float,
        per_minute: int | None,
        per_day: int | None,
    ) -> Grant:
        """Grant one call to (system, tenant) at ``now`` (epoch seconds) when the limits and
        the reported budget allow it, and count it; else say how long to wait."""
        where = (rate_budgets.c.system == system, rate_budgets.c.tenant == tenant)
        with self._write() as conn:
            conn.execute(
                self._insert(rate_budgets)
                .values(system=system, tenant=tenant)
                .on_conflict_do_nothing()
            )
            budget = conn.execute(rate_budgets.select().where(*where).with_for_update()).one()
            conn.execute(
                rate_calls.delete().where(
                    rate_calls.c.system == system,
                    rate_calls.c.tenant == tenant,
                    rate_calls.c.at <= now - DAY,
                )
            )
            minute_wait = max(
                _log_wait(conn, system, tenant, now, MINUTE, per_minute, budget.minute_reset),
                _reported_wait(budget.minute_remaining, budget.minute_reset, now),
            )
            day_wait = max(
                _log_wait(conn, system, tenant, now, DAY, per_day, budget.day_reset),
                _reported_wait(budget.day_remaining, budget.day_reset, now),
            )
            if minute_wait > 0 or day_wait > 0:
                return Grant(max(minute_wait, day_wait), day=day_wait >= minute_wait)
            conn.execute(rate_calls.insert().values(system=system, tenant=tenant, at=now))
            conn.execute(
                rate_budgets.update()
                .where(*where)
                .values(
                    minute_remaining=_less(budget.minute_remaining, budget.minute_reset, now),
                    day_remaining=_less(budget.day_remaining, budget.day_reset, now),
                )
            )
        return Grant(0.0)

    def report_budget(
        self, system: str, tenant: str, reported: Mapping[float, tuple[int, float]]
    ) -> None:
        """Keep the budget an API reported: window length (60 or 86,400 s) -> (remaining,
        reset moment in epoch seconds). In the same window the lower remaining count wins:
        calls in flight may not be in the header yet."""
        if not reported:
            return
        where = (rate_budgets.c.system == system, rate_budgets.c.tenant == tenant)
        with self._write() as conn:
            conn.execute(
                self._insert(rate_budgets)
                .values(system=system, tenant=tenant)
                .on_conflict_do_nothing()
            )
            budget = conn.execute(rate_budgets.select().where(*where).with_for_update()).one()
            values: dict[str, object] = {}
            for window, name in ((MINUTE, "minute"), (DAY, "day")):
                if window not in reported:
                    continue
                remaining, reset = reported[window]
                known, known_reset = (
                    budget._mapping[f"{name}_remaining"],
                    budget._mapping[f"{name}_reset"],
                )
                if known is not None and known_reset is not None and abs(known_reset - reset) < 1:
                    remaining = min(remaining, known)
                values[f"{name}_remaining"], values[f"{name}_reset"] = remaining, reset
            conn.execute(rate_budgets.update().where(*where).values(**values))

    def calls_granted(self, system: str, tenant: str, *, since: float) -> int:
        """How many calls to (system, tenant) were granted after ``since`` (epoch seconds)."""
        query = sa.select(sa.func.count()).where(
            rate_calls.c.system == system, rate_calls.c.tenant == tenant, rate_calls.c.at > since
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def pause_run(
        self,
        run_id: int,
        *,
        counts: Mapping[str, int],
        resume_at: datetime,
        reason: str,
    ) -> None:
        """End run ``run_id`` as "paused": the day budget is spent until ``resume_at``."""
        with self._write() as conn:
            flow = conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    status="paused", counts=dict(counts), finished_at=self.clock(), message=reason
                )
                .returning(runs.c.flow)
            ).scalar_one()
            stmt = self._insert(pauses).values(
                flow=flow, run_id=run_id, resume_at=resume_at, reason=reason
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[pauses.c.flow],
                    set_={
                        "run_id": stmt.excluded.run_id,
                        "resume_at": stmt.excluded.resume_at,
                        "reason": stmt.excluded.reason,
                    },
                )
            )

    def pause(self, flow: str) -> Pause | None:
        """The pause of ``flow`` when its newest run is the one that paused, else None."""
        newest = sa.select(sa.func.max(runs.c.id)).where(runs.c.flow == flow, ~runs.c.dry_run)
        query = pauses.select().where(
            pauses.c.flow == flow, pauses.c.run_id == newest.scalar_subquery()
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = row._mapping
        return Pause(
            flow=m["flow"], run_id=m["run_id"], resume_at=m["resume_at"], reason=m["reason"]
        )


def _log_wait(
    conn: sa.Connection,
    system: str,
    tenant: str,
    now: float,
    window: float,
    limit: int | None,
    reset: float | None,
) -> float:
    """Seconds until the log of the last ``window`` seconds has room for one more call.

    Sliding, unless the API reported when its window resets: calls before the start of
    its window no longer count (see :func:`koppel.http._ratelimit.window_start`).
    """
    if limit is None:
        return 0.0
    recent = [
        rate_calls.c.system == system,
        rate_calls.c.tenant == tenant,
        rate_calls.c.at > now - window,
    ]
    if reset is not None:
        recent.append(rate_calls.c.at >= window_start(reset, window, now))
    count = conn.execute(sa.select(sa.func.count()).where(*recent)).scalar_one()
    if count < limit:
        return 0.0
    # The (count - limit + 1)-th oldest call must leave the window first.
    leaving = (
        conn.execute(
            sa.select(rate_calls.c.at)
            .where(*recent)
            .order_by(rate_calls.c.at)
            .offset(count - limit)
        )
        .scalars()
        .first()
    )
    if leaving is None:
        return 0.0
    until = float(leaving) + window
    if reset is not None and reset > now:
        until = min(until, reset)
    return max(until - now, 0.001)


def _reported_wait(remaining: int | None, reset: float | None, now: float) -> float:
    if remaining is None or reset is None or reset <= now or remaining > 0:
        return 0.0
    return reset - now


def _less(remaining: int | None, reset: float | None, now: float) -> int | None:
    """A reported remaining count one call lower, while its window lasts."""
    if remaining is None or reset is None or reset <= now:
        return None
    return remaining - 1
