import pytest

from koppel import errors
from koppel.errors import (
    ConfigurationError,
    FatalError,
    KoppelError,
    RecordError,
    RetriableError,
)


def test_error_context_is_shown_in_a_stable_order():
    error = errors.MappingRecordError("not a number", record="42", field="lines[0].qty", flow="f")
    assert str(error) == "not a number (flow=f, record=42, field=lines[0].qty)"


def test_error_with_context_keeps_what_the_raiser_knew():
    error = errors.RejectedError("refused", record="1").with_context(record="2", system="exact")
    assert error.context == {"record": "1", "system": "exact"}


def test_error_without_context_is_just_the_message():
    assert str(errors.StateError("database is locked")) == "database is locked"


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_belongs_to_one_branch(name):
    cls = getattr(errors, name)
    assert issubclass(cls, KoppelError)
    if cls in (KoppelError, ConfigurationError, RecordError, RetriableError, FatalError):
        return
    branches = [
        b
        for b in (ConfigurationError, RecordError, RetriableError, FatalError)
        if issubclass(cls, b)
    ]
    assert len(branches) == 1, name
    assert name in errors.__doc__


def test_retriable_error_carries_retry_after():
    assert errors.RateLimitedError("slow down", retry_after=2.0).retry_after == 2.0
