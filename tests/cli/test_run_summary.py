"""The run summary names what needs the operator's eye besides failures."""

from __future__ import annotations

import pytest

from koppel.cli.run import print_summary
from koppel.engine import RunResult


def test_run_summary_lists_records_deleted_in_the_source_and_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = RunResult(run_id=7, flow="customers", dry_run=False)
    result.counts.update(skipped=25)
    result.deleted_in_source.extend(f"c{n}" for n in range(25))

    print_summary(result, [])

    out = capsys.readouterr().out
    assert "created  updated  deleted  skipped  failed  parked" in out
    assert '25 record(s) deleted in the source stay in the target (deletions = "report")' in out
    assert "c18, c19 ..." in out and "c20" not in out


def test_run_summary_says_nothing_of_deletions_when_there_were_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_summary(RunResult(run_id=1, flow="customers", dry_run=False), [])

    assert "deleted in the source" not in capsys.readouterr().out


def test_run_summary_says_a_parked_record_is_one_of_the_failed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = RunResult(run_id=3, flow="orders", dry_run=False)
    result.counts.update(created=11, failed=1, parked=1)

    print_summary(result, [])

    out = capsys.readouterr().out
    assert "(parked now: 1, this run's 1 failed record among them; later runs retry" in out


def test_run_summary_says_a_paused_run_goes_on_after_the_reset(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import UTC, datetime

    result = RunResult(run_id=4, flow="orders", dry_run=False)
    result.paused_until = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)

    print_summary(result, [])

    out = capsys.readouterr().out
    assert "paused: the day's API calls are spent; it goes on after 2026-11-26 00:00 UTC" in out


def test_run_summary_names_a_failed_order_by_its_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from koppel.engine._outcome import RecordOutcome

    uuid = "9f17cf65-d74a-598f-92ac-ac6faaef883d"
    failure = RecordOutcome(
        source_id=uuid, action="fail", message="no product", source={"Id": uuid, "Number": 1036}
    )
    result = RunResult(run_id=3, flow="orders", dry_run=False)
    result.counts.update(failed=1, parked=1)

    print_summary(result, [failure])

    assert "failed 1036/9f17cf65…: no product" in capsys.readouterr().out
