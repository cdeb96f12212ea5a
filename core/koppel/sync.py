"""What flows through the hooks during a sync: connections, source records, writes."""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from koppel.errors import (
    ConfigurationError,
    FatalError,
    KoppelError,
    RetriableError,
    SourceRecordError,
)

#: A control character (below U+0020), which no id may hold.
_CONTROL = re.compile(r"[\x00-\x1f]")


@attrs.define(kw_only=True)
class Connection:
    """One configured account of a system, as a flow names it.

    ``settings`` are the plain settings, ``secrets`` the resolved credentials
    (never logged). ``transport`` replaces the network (a sandbox's
    ``httpx.MockTransport``); ``token_store`` keeps rotating OAuth tokens;
    ``clock`` is the :class:`koppel.http.Clock` the plugin's retries, rate-limit
    waits and token expiry run on (None: the real clock; a sandbox's fake one in
    tests); ``cache`` lives for one run and lets a plugin keep batched lookups;
    ``state`` is the run's :class:`koppel.state.StateStore`, for built-in systems
    that keep their data in it (the commitments register); plugins leave it alone.
    The engine calls :meth:`close` when the run ends, also when it fails.
    """

    name: str
    system: str
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    secrets: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    transport: Any = attrs.field(default=None, repr=False)
    token_store: Any = attrs.field(default=None, repr=False)
    clock: Any = attrs.field(default=None, repr=False)
    cache: dict[str, Any] = attrs.field(factory=dict, repr=False)
    state: Any = attrs.field(default=None, repr=False)
    _closers: list[Callable[[], None]] = attrs.field(factory=list, repr=False, init=False)

    def on_close(self, close: Callable[[], None]) -> None:
        """Call ``close`` when the run ends (an HTTP client to close, a file to flush)."""
        self._closers.append(close)

    def close(self) -> None:
        """End the connection's run: call what :meth:`on_close` registered, newest first.
        Every closer is called even when one fails; the first failure is raised afterwards."""
        failure: BaseException | None = None
        while self._closers:
            try:
                self._closers.pop()()
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure


@attrs.frozen(kw_only=True)
class SourceRecord:
    """One native record read from a source.

    ``cursor`` is the source's position after this record (a modification time,
    a sync timestamp); the engine stores the highest one it may safely pass.
    ``error`` is set when the plugin could not read, enrich or structure the
    record: the engine parks it with that message and goes on with the rest
    (build such records with :func:`read_each` or :meth:`unreadable`).
    ``deleted`` says the record was deleted in the source (``data`` is then
    empty or the last known data): the engine reports it, and deletes the bound
    target record where the flow says ``deletions = "propagate"`` (build such
    records with :meth:`removed`).
    """

    id: str
    data: Mapping[str, Any]
    cursor: str | None = None
    error: SourceRecordError | None = attrs.field(default=None, eq=False)
    deleted: bool = False

    @classmethod
    def removed(
        cls, record_id: str, *, cursor: str | None = None, data: Mapping[str, Any] | None = None
    ) -> SourceRecord:
        """The record standing for one deleted in the source since the last run."""
        return cls(id=record_id, data=dict(data or {}), cursor=cursor, deleted=True)

    @classmethod
    def unreadable(cls, row: Any, error: BaseException, *, id_field: str) -> SourceRecord:
        """The record standing for ``row``, which could not be read because of ``error``.

        Its id is the row's own when that can be read, else one derived from the
        row's content (stable from run to run, so parking it twice counts once).
        """
        if isinstance(error, SourceRecordError):
            problem = error
        elif isinstance(error, KoppelError):
            problem = SourceRecordError(f"cannot read the record: {error.message}", **error.context)
        else:
            problem = SourceRecordError(f"cannot read the record: {type(error).__name__}: {error}")
        try:
            record_id = read_id(row, id_field)
        except SourceRecordError:
            digest = hashlib.sha1(repr(row).encode("utf-8", "replace")).hexdigest()[:16]
            record_id = f"unreadable:{digest}"
        data = dict(row) if isinstance(row, Mapping) else {"unreadable": repr(row)}
        problem.with_context(record=record_id)
        return cls(id=record_id, data=data, error=problem)


def read_each(
    rows: Iterable[Any],
    read: Callable[[Mapping[str, Any]], SourceRecord | None],
    *,
    id_field: str,
) -> Iterator[SourceRecord]:
    """``read`` each row of a source's answer, isolating the rows it cannot read.

    A row that is not an object, or whose reading raises a record error or a
    Python error (a missing field, a wrong type, a bad value in a URL), comes
    out as an unreadable :class:`SourceRecord` carrying a
    :class:`~koppel.errors.SourceRecordError`: the engine parks it and the
    rest of the page goes on. Configuration, fatal and retriable errors stop
    the read as before. ``read`` may return None to leave a row out.
    """
    for row in rows:
        try:
            if not isinstance(row, Mapping):
                raise SourceRecordError(f"the record is {_kind(row)}, not an object")
            record = read(row)
        except (ConfigurationError, FatalError, RetriableError):
            raise
        except Exception as exc:
            record = SourceRecord.unreadable(row, exc, id_field=id_field)
        if record is not None:
            yield record


def read_id(row: Any, field: str) -> str:
    """The id in ``row[field]``: a non-empty string or a whole number, as text.

    :raises SourceRecordError: naming ``field`` when it is missing or not an id.
    """
    value = row.get(field) if isinstance(row, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SourceRecordError(
            f"the record has no usable id: {field} is {_kind(value)}", field=field
        )
    text = str(value).strip()
    if not text or _CONTROL.search(text):
        raise SourceRecordError(
            f"the record's id {text!r} is empty or has control characters", field=field
        )
    return text


def read_text(row: Mapping[str, Any], field: str) -> str | None:
    """``row[field]`` when it is text (or missing/null: None).

    :raises SourceRecordError: naming ``field`` when it holds anything else.
    """
    value = row.get(field)
    if value is None or isinstance(value, str):
        return value
    raise SourceRecordError(f"{field} is {_kind(value)}, not text", field=field)


def read_moment(row: Mapping[str, Any], field: str) -> str | None:
    """``row[field]`` when it is an ISO 8601 date-time as text (or missing/null: None):
    a change time used as a cursor.

    :raises SourceRecordError: naming ``field`` when it holds anything else, so that
        a junk change time never becomes the cursor a source is asked from.
    """
    value = read_text(row, field)
    if value is None:
        return None
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SourceRecordError(f"{field} {value!r} is not a date and time", field=field) from None
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "missing or null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


class Action(enum.StrEnum):
    """What the engine decided for one record."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SKIP = "skip"
    FAIL = "fail"


class Direction(enum.StrEnum):
    """Which way a mapping goes: native -> canonical, or canonical -> native."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@attrs.frozen(kw_only=True)
class TargetRecord:
    """A record that exists in the target: its id and, when known, its current data."""

    id: str
    data: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Ambiguous:
    """Several target records share one match-key value: ``find_existing`` answers
    this instead of picking one. ``candidates`` come best first, as the plugin ranks
    them (oldest number first); the engine fails the record naming them all, or takes
    the first where the flow says ``on_ambiguous = "first"``."""

    candidates: tuple[TargetRecord, ...]


def one_match(records: Iterable[TargetRecord]) -> TargetRecord | Ambiguous | None:
    """What ``find_existing`` answers for one value: its only record, None for none,
    :class:`Ambiguous` for several (in the order given)."""
    found = tuple(records)
    if not found:
        return None
    return found[0] if len(found) == 1 else Ambiguous(found)


@attrs.frozen(kw_only=True)
class WriteResult:
    """The target's answer to a create or update."""

    target_id: str
    response: Mapping[str, Any] = attrs.field(factory=dict)
