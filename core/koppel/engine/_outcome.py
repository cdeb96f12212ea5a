"""What the engine reports per record and per run."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from koppel.sync import Action

__all__ = ["COUNT_NAMES", "RecordOutcome", "RunObserver", "RunResult"]

#: The counters of a run summary, in display order.
COUNT_NAMES = ("created", "updated", "deleted", "skipped", "failed", "parked")


@attrs.frozen(kw_only=True)
class RecordOutcome:
    """What happened (or, in a dry run, would happen) to one source record.

    ``payload`` is what was (or would be) sent; ``existing`` the target's data
    when the engine knew it; ``previous`` the payload sent last time when the
    engine knew it (for plans); ``field`` names the field a failure is about.
    """

    source_id: str
    action: Action
    target_id: str | None = None
    message: str | None = None
    field: str | None = None
    error: str | None = None
    source: Mapping[str, Any] | None = None
    payload: Mapping[str, Any] | None = None
    existing: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    retried: bool = False


@attrs.define
class RunResult:
    """The end of a run: its id in the state store, its counters and whether it stopped early."""

    run_id: int | None
    flow: str
    dry_run: bool
    counts: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    fetched: int = 0
    elapsed: float = 0.0
    stopped: str | None = None
    #: Source ids of records that changed after the target took them, where the target
    #: never updates the entity (a booked sales order): skipped and reported once.
    changed_after_booking: list[str] = attrs.field(factory=list)
    #: Source ids of bound records deleted in the source whose target records the flow
    #: keeps (``deletions = "report"``).
    deleted_in_source: list[str] = attrs.field(factory=list)
    #: Set when the run paused on a spent day budget: when it may go on (UTC). Not a
    #: failure: no record counts as failed and the cursor stays where it was.
    paused_until: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when no record failed and the run was not stopped."""
        return self.counts["failed"] == 0 and self.stopped is None


class RunObserver:
    """Receives progress while a run goes; subclass and override what you need."""

    def fetched(self, count: int) -> None:
        """``count`` more records were read from the source (or the parked list)."""

    def processed(self, outcome: RecordOutcome) -> None:
        """One record is done: synced, skipped, or failed and parked."""
