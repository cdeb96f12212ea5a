"""Every error koppel raises, in one tree.

The branches say how the caller should react::

    KoppelError
    ├── ConfigurationError      fix the flow file, mapping or installation; nothing ran
    │   ├── FlowFileError       a flow file is malformed or inconsistent
    │   ├── MappingError        a mapping does not load or compile
    │   └── PluginError         a plugin is missing, broken or implements a hook wrongly
    ├── RecordError             this record cannot be synced now: park it, go on with the rest
    │   ├── ValidationError     the record breaks a rule (missing product, totals, ...)
    │   ├── MappingRecordError  a mapping failed on this record (type, lookup, date)
    │   ├── SourceRecordError   the source plugin could not read or enrich this record
    │   └── RejectedError       the target API refused the record, with its message
    ├── RetriableError          a passing condition: back off and try again
    │   ├── RateLimitedError    the API said slow down
    │   ├── TransientError      5xx, time-out or connection error
    │   └── UncertainOutcomeError  a write may or may not have happened: check by match key
    └── FatalError              stop the run
        ├── AuthError           credentials are missing, revoked or spent: run ``koppel auth``
        ├── FlowBusyError       another run of the flow is running: nothing ran
        ├── StateError          the state store is unusable
        └── DayBudgetSpentError the day's API calls are spent: the run pauses, no record fails

Every error carries its context (flow, system, entity, record, field, ...) in
``context``; ``str(error)`` shows the message followed by that context.

Errors echo data (a source value, an API's answer) that can be megabytes long,
so a context value longer than 200 characters keeps its first 200, followed by
``... (N characters)`` with N its full length, and a message longer than 500
keeps its start and end around that mark. Raisers embed values whole; the cut
happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuthError",
    "ConfigurationError",
    "DayBudgetSpentError",
    "FatalError",
    "FlowBusyError",
    "FlowFileError",
    "KoppelError",
    "MappingError",
    "MappingRecordError",
    "PluginError",
    "RateLimitedError",
    "RecordError",
    "RejectedError",
    "RetriableError",
    "SourceRecordError",
    "StateError",
    "TransientError",
    "UncertainOutcomeError",
    "ValidationError",
]

#: Context keys shown first, in this order; others follow alphabetically.
_CONTEXT_ORDER = ("flow", "file", "system", "connection", "entity", "record", "field", "path")

#: The longest context value shown whole.
_VALUE_LIMIT = 200
#: The longest message shown whole; a longer one keeps this much of its start and end.
_MESSAGE_LIMIT, _MESSAGE_HEAD, _MESSAGE_TAIL = 500, 350, 100


class KoppelError(Exception):
    """Root of every error koppel raises on purpose."""

    def __init__(self, message: str, **context: Any) -> None:
        message = cut_message(str(message))
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = {
            k: _cut_value(v) for k, v in context.items() if v is not None
        }

    def with_context(self, **context: Any) -> KoppelError:
        """Add context that the raiser did not know; existing keys win. Returns ``self``."""
        for key, value in context.items():
            if value is not None and key not in self.context:
                self.context[key] = _cut_value(value)
        return self

    def __str__(self) -> str:
        if not self.context:
            return self.message
        return f"{self.message} ({_format_context(self.context)})"


def _format_context(context: Mapping[str, Any]) -> str:
    known = [k for k in _CONTEXT_ORDER if k in context]
    rest = sorted(k for k in context if k not in _CONTEXT_ORDER)
    return ", ".join(f"{key}={context[key]}" for key in known + rest)


def _mark(length: int) -> str:
    return f"... ({length:,} characters)"


def _cut_value(value: Any) -> Any:
    """``value``, or its text cut to :data:`_VALUE_LIMIT` characters when longer."""
    if isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    if len(text) <= _VALUE_LIMIT:
        return value
    return text[:_VALUE_LIMIT] + _mark(len(text))


def cut_message(message: str) -> str:
    """``message``, or its start and end around a mark when longer than 500 characters.

    Every :class:`KoppelError` message is cut so; use it for other messages shown to
    an operator (a skip reason, a Python error's text).
    """
    message = message.replace("\x00", "\\x00")  # no database keeps a NUL in text
    if len(message) <= _MESSAGE_LIMIT:
        return message
    return f"{message[:_MESSAGE_HEAD]}{_mark(len(message))} ...{message[-_MESSAGE_TAIL:]}"


class ConfigurationError(KoppelError):
    """Something the operator must fix in a file or the installation before running."""


class FlowFileError(ConfigurationError):
    """A flow file is malformed: ``context`` names the file and the key path."""


class MappingError(ConfigurationError):
    """A mapping does not load or an expression does not compile."""


class PluginError(ConfigurationError):
    """A plugin is missing, failed to import or implements a hook that matches no spec."""


class RecordError(KoppelError):
    """One record cannot be synced now; the run parks it and goes on."""


class ValidationError(RecordError):
    """A record breaks a business rule (a missing product, totals that do not add up, ...)."""


class MappingRecordError(RecordError):
    """A mapping failed on one record: a type error, a missing lookup value, a bad date."""


class SourceRecordError(RecordError):
    """The source plugin could not read, enrich or structure one record of a page.

    The engine parks the record with this message; the rest of the page goes on.
    """


class RejectedError(RecordError):
    """The target API refused the record; ``message`` is the API's own message."""


class RetriableError(KoppelError):
    """A passing condition; the same call may succeed after a pause."""

    def __init__(self, message: str, *, retry_after: float | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class RateLimitedError(RetriableError):
    """The API answered that the rate limit is spent."""


class TransientError(RetriableError):
    """A server error, time-out or broken connection."""


class UncertainOutcomeError(RetriableError):
    """A write may have reached the server: check existence by match key before retrying."""


class FatalError(KoppelError):
    """The run cannot go on."""


class AuthError(FatalError):
    """Credentials are missing, revoked or spent; the operator must run ``koppel auth``."""


class FlowBusyError(FatalError):
    """Another run of the flow (or of a flow writing the same bindings) holds its lock."""


class StateError(FatalError):
    """The state store cannot be opened, migrated or written."""


class DayBudgetSpentError(FatalError):
    """The day's budget of API calls is spent: the run pauses until ``resume_at`` (epoch
    seconds) instead of failing its records (a stopping error, so no record is parked)."""

    def __init__(self, message: str, *, resume_at: float, **context: Any) -> None:
        super().__init__(message, **context)
        self.resume_at = resume_at
