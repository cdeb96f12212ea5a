"""When a flow runs on its own: a cron expression read in a time zone, and its next runs.

Expressions are parsed by cronsim (5 fields: minute, hour, day-of-month, month,
day-of-week; lists, ranges, steps, ``JAN``-``DEC``, ``SUN``-``SAT``, ``L``,
``W`` and ``#``). Daylight saving time follows Debian cron: a time of day that
does not exist (the spring gap) runs once, at the first minute after the gap;
a time of day that happens twice (autumn) runs once, the first time.
Expressions with ``*`` in the minute or hour field keep their pace in real
time: ``*/30 * * * *`` runs every 30 minutes across both changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from cronsim import CronSim, CronSimError

from koppel.errors import ConfigurationError

if TYPE_CHECKING:
    from koppel.flows._model import Flow

__all__ = ["Schedule", "check_cron", "check_timezone", "next_runs"]

#: What each field takes, by the name cronsim's errors give it ("Bad minute").
_ALLOWED = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31, L or LW, in a month that has it",
    "month": "1-12 or JAN-DEC",
    "day-of-week": "0-7 or SUN-SAT (and 5L, MON#2)",
}


def check_cron(expression: str) -> str:
    """``expression`` with single spaces, when it is a valid 5-field cron expression.

    :raises ConfigurationError: saying which field is wrong.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigurationError(
            "expected a cron expression of 5 fields (minute hour day-of-month month "
            f"day-of-week), e.g. '*/15 * * * *' or '0 9 * * MON-FRI', got {expression!r}"
        )
    normal = " ".join(fields)
    try:
        CronSim(normal, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        field = str(exc).removeprefix("Bad ")
        raise ConfigurationError(
            f"bad {field} in cron expression {normal!r}: {field} takes "
            f"{_ALLOWED.get(field, 'a number')}; a range (1-5) goes up, a step (*/15) is 1 or more"
        ) from None
    return normal


def check_timezone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Amsterdam``, ``UTC``).

    :raises ConfigurationError: when no such zone is known.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigurationError(
            f"unknown time zone {name!r}; expected an IANA name such as 'Europe/Amsterdam' or 'UTC'"
        ) from None


def _known_zone(instance: object, attribute: object, name: str) -> None:
    check_timezone(name)


@attrs.frozen
class Schedule:
    """A flow's schedule: a 5-field ``cron`` expression read in ``timezone`` (IANA name).

    :raises ConfigurationError: for an invalid expression or an unknown zone.
    """

    cron: str = attrs.field(converter=check_cron)
    timezone: str = attrs.field(default="UTC", validator=_known_zone)

    def next_runs(self, after: datetime, *, count: int = 1) -> list[datetime]:
        """The next ``count`` run times strictly after ``after`` (timezone-aware), in UTC.

        UTC, not the schedule's zone: two runs an hour apart in autumn can have the
        same wall-clock time, and aware datetimes in one zone compare by wall clock.
        """
        if after.tzinfo is None or after.utcoffset() is None:
            raise ValueError("next_runs needs a timezone-aware moment")
        if count < 1:
            return []
        start = after.astimezone(UTC)
        found: list[datetime] = []
        for moment in CronSim(self.cron, start.astimezone(ZoneInfo(self.timezone))):
            run = moment.astimezone(UTC)
            # In a repeated hour cronsim may go back to the first of the two times.
            if run > start:
                found.append(run)
            if len(found) >= count:
                break
        return found


def next_runs(flow: Flow, after: datetime, *, count: int = 1) -> list[datetime]:
    """When ``flow`` runs next: its ``count`` scheduled times after ``after``, in UTC.

    Empty when the flow has no schedule; see :meth:`Schedule.next_runs`.
    """
    if flow.schedule is None:
        return []
    return flow.schedule.next_runs(after, count=count)
