"""One record on its way through a run (internal)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import attrs

from koppel.errors import ConfigurationError, FatalError, KoppelError, cut_message
from koppel.sync import Action, SourceRecord, TargetRecord, WriteResult

__all__ = ["STOPPING", "Item", "with_record"]

#: Context that a parked record's message need not repeat.
_KNOWN = frozenset({"flow", "entity", "record", "system", "connection"})


@attrs.define(eq=False)
class Item:
    """What the engine knows about one source record during one chunk.

    ``match`` holds the normalised match-key values; ``after`` is an earlier
    write in the same chunk to the same target record, whose target id this
    one takes; ``bound`` is set when the binding was written right after the
    create (records that no match key protects); ``findable`` is set when the
    target could look the record up by one of its match values (so a crash
    before its binding is healed by that lookup), ``found_by`` the match key that
    found it; ``unchanged`` records cost
    no write and leave no activity entry; ``changed_after_booking`` records changed
    since a target that never updates them took them; ``deleted_in_source`` records
    were deleted in the source while their target records stay.

    ``source_text`` is the raw source record's JSON and ``source_hash`` its hash under
    the flow's fingerprint (a binding with the same ``bound_source_hash`` skips the
    record before mapping); ``sent_text`` is the JSON of ``payload`` when it was made
    for the content hash already and the payload holds no secret; ``structured`` is
    the canonical record object the rules gave (before ``canonical`` unstructured it).
    """

    index: int
    record: SourceRecord
    retried: bool = False
    canonical: Mapping[str, Any] | None = None
    structured: Any = None
    source_text: str | None = None
    source_hash: str | None = None
    bound_source_hash: str | None = None
    sent_text: str | None = None
    match: dict[str, str] = attrs.field(factory=dict)
    order_keys: tuple[Hashable, ...] = ()
    binding_hash: str | None = None
    found: TargetRecord | None = None
    found_by: str | None = None
    action: Action | None = None
    target_id: str | None = None
    payload: Mapping[str, Any] | None = None
    content_hash: str | None = None
    after: Item | None = None
    result: WriteResult | None = None
    bound: bool = False
    findable: bool = False
    bind: bool = False
    unchanged: bool = False
    changed_after_booking: bool = False
    deleted_in_source: bool = False
    message: str | None = None
    error: BaseException | None = None
    _keys: tuple[Hashable, ...] | None = None

    @property
    def source_id(self) -> str:
        return self.record.id

    @property
    def failed(self) -> bool:
        return self.action == Action.FAIL

    def fail(self, error: BaseException) -> None:
        """Mark the record failed with ``error``'s message and where it happened (field, ...)."""
        self.action = Action.FAIL
        self.error = error
        if isinstance(error, KoppelError):
            context = {k: v for k, v in error.context.items() if k not in _KNOWN}
            where = ", ".join(f"{k}={v}" for k, v in context.items())
            self.message = f"{error.message} ({where})" if where else error.message
        else:
            self.message = cut_message(f"{type(error).__name__}: {error}")

    def skip(self, message: str) -> None:
        """Mark the record skipped, saying why."""
        self.action = Action.SKIP
        self.message = cut_message(message)

    def identity_keys(self) -> tuple[Hashable, ...]:
        """Keys naming the target record this one becomes: its id and match values."""
        if self._keys is None:
            match = tuple(("match", key, value) for key, value in self.match.items())
            self._keys = (("id", self.record.id), *match)
        return self._keys


#: Errors that stop the whole run instead of failing one record.
STOPPING = (ConfigurationError, FatalError)


def with_record(exc: BaseException, item: Item) -> BaseException:
    """``exc`` with the record's id in its context (when it is a koppel error)."""
    if isinstance(exc, KoppelError):
        exc.with_context(record=item.source_id)
    return exc
