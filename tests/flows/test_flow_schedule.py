"""Flow schedules: cron expressions checked by cronsim, a time zone, next run times across DST."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from koppel.cli import main
from koppel.errors import FlowFileError
from koppel.flows import Schedule, next_runs, parse_flow

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def flow(schedule: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "f",
        "source": "a",
        "target": "b",
        "entity": "customers",
        "connections": {"a": {"system": "x"}, "b": {"system": "y"}},
    }
    if schedule is not None:
        data["schedule"] = schedule
    return data


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs(cron: str, after: datetime, count: int, timezone: str = "Europe/Amsterdam") -> list[str]:
    found = Schedule(cron, timezone).next_runs(after, count=count)
    return [moment.strftime("%Y-%m-%d %H:%M") for moment in found]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0 9 * * MON-FRI", Schedule("0 9 * * MON-FRI")),
        ("  */15  * * * *", Schedule("*/15 * * * *")),
        ("0 22 * * sun", Schedule("0 22 * * sun")),
        ({"cron": "0 9 * * 1-5"}, Schedule("0 9 * * 1-5")),
        (
            {"cron": "0 9 * * MON-FRI", "timezone": "Europe/Amsterdam"},
            Schedule("0 9 * * MON-FRI", "Europe/Amsterdam"),
        ),
    ],
)
def test_flow_schedule_accepts_cron_and_time_zone(value: Any, expected: Schedule) -> None:
    assert parse_flow(flow(value)).schedule == expected


def test_flow_schedule_is_optional() -> None:
    parsed = parse_flow(flow(None))
    assert parsed.schedule is None
    assert next_runs(parsed, utc(2025, 1, 1)) == []


@pytest.mark.parametrize(
    ("value", "path", "why"),
    [
        ("99 99 99 99 99", "schedule", "bad minute in cron expression '99 99 99 99 99'"),
        ("0 99 * * *", "schedule", "bad hour"),
        ("*/0 * * * *", "schedule", "bad minute in cron expression '*/0 * * * *'"),
        ("0 9 * * MON-FRY", "schedule", "bad day-of-week"),
        ("0 9 5-1 * *", "schedule", "bad day-of-month"),
        ("0 0 30 2 *", "schedule", "bad day-of-month"),
        ("0 0 1 13 *", "schedule", "bad month"),
        ("every hour", "schedule", "a cron expression of 5 fields"),
        ("0 0 9 * * MON", "schedule", "a cron expression of 5 fields"),
        (15, "schedule", "expected a cron expression"),
        ({"timezone": "UTC"}, "schedule.cron", "is required"),
        ({"cron": "*/0 * * * *"}, "schedule.cron", "bad minute"),
        ({"cron": "0 9 * * *", "timezone": "Mars/Olympus"}, "schedule.timezone", "unknown"),
        ({"cron": "0 9 * * *", "timezone": "../etc/passwd"}, "schedule.timezone", "unknown"),
        ({"cron": "0 9 * * *", "timezone": "Europe"}, "schedule.timezone", "unknown"),
        ({"cron": "0 9 * * *", "timezone": 1}, "schedule.timezone", "a non-empty string"),
        ({"cron": "0 9 * * *", "zone": "UTC"}, "schedule.zone", "unknown key"),
    ],
)
def test_flow_schedule_error_names_the_key_and_why(value: Any, path: str, why: str) -> None:
    with pytest.raises(FlowFileError) as info:
        parse_flow(flow(value))
    assert info.value.context["path"] == path
    assert str(info.value).startswith(f"{path}: ")
    assert why in info.value.message


def test_flow_check_exits_2_on_a_bad_schedule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "f.toml"
    file.write_text(
        'source = "a"\ntarget = "b"\nentity = "customers"\nschedule = "*/0 * * * *"\n'
        '[connections.a]\nsystem = "x"\n[connections.b]\nsystem = "y"\n'
    )
    with pytest.raises(SystemExit) as info:
        main(["check", str(file)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "schedule: bad minute in cron expression '*/0 * * * *'" in err
    assert len(err.strip().splitlines()) == 1


def test_flow_next_runs_in_utc_by_default() -> None:
    assert runs("0 9 * * MON-FRI", utc(2025, 1, 3, 12), 3, "UTC") == [
        "2025-01-06 09:00",
        "2025-01-07 09:00",
        "2025-01-08 09:00",
    ]


def test_flow_next_runs_are_after_the_moment_and_in_utc() -> None:
    parsed = parse_flow(flow({"cron": "0 9 * * *", "timezone": "Europe/Amsterdam"}))
    after = datetime(2025, 1, 6, 9, 0, tzinfo=AMSTERDAM)  # exactly a run: not included
    [first, second] = next_runs(parsed, after, count=2)
    assert first == utc(2025, 1, 7, 8) and second == utc(2025, 1, 8, 8)
    assert first.tzinfo is UTC


def test_flow_next_runs_refuse_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule("0 9 * * *").next_runs(datetime(2025, 1, 1))


def test_flow_next_runs_follow_the_zone_across_dst() -> None:
    # Amsterdam: CET (UTC+1) until 2025-03-30 02:00, CEST (UTC+2) until 2025-10-26 03:00.
    assert runs("0 9 * * MON-FRI", utc(2025, 3, 27, 12), 3) == [
        "2025-03-28 08:00",  # Friday, winter time
        "2025-03-31 07:00",  # Monday, summer time: still 09:00 in Amsterdam
        "2025-04-01 07:00",
    ]


def test_flow_next_runs_time_in_the_spring_gap_runs_once_after_it() -> None:
    # 02:30 does not exist on 2025-03-30 in Amsterdam: the run comes at 03:00 CEST.
    assert runs("30 2 * * *", utc(2025, 3, 29, 0), 3) == [
        "2025-03-29 01:30",
        "2025-03-30 01:00",
        "2025-03-31 00:30",
    ]


def test_flow_next_runs_time_that_repeats_in_autumn_runs_once() -> None:
    # 02:30 happens twice on 2025-10-26 in Amsterdam (00:30 and 01:30 UTC): one run, the first.
    assert runs("30 2 * * *", utc(2025, 10, 25, 12), 2) == ["2025-10-26 00:30", "2025-10-27 01:30"]
    # Asked between the two: the run has been, the next one is the next day.
    assert runs("30 2 * * *", utc(2025, 10, 26, 1, 15), 1) == ["2025-10-27 01:30"]


def test_flow_next_runs_intervals_keep_their_pace_across_dst() -> None:
    assert runs("*/30 * * * *", utc(2025, 10, 26, 0), 4) == [
        "2025-10-26 00:30",
        "2025-10-26 01:00",
        "2025-10-26 01:30",
        "2025-10-26 02:00",
    ]
    assert runs("0 * * * *", utc(2025, 3, 30, 0), 3) == [
        "2025-03-30 01:00",
        "2025-03-30 02:00",
        "2025-03-30 03:00",
    ]
