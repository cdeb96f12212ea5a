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


def test_error_long_context_value_is_cut_saying_how_long_it_was():
    error = errors.MappingRecordError("not a number", field="lines[0].qty", value="x" * 5_000_000)
    assert error.context["value"] == "x" * 200 + "... (5,000,000 characters)"
    assert error.context["field"] == "lines[0].qty"
    assert str(error).endswith("... (5,000,000 characters))")


def test_error_long_value_added_as_context_later_is_cut_too():
    error = errors.RejectedError("refused").with_context(record="r" * 1_000, system="exact")
    assert error.context["record"] == "r" * 200 + "... (1,000 characters)"
    assert error.context["system"] == "exact"


def test_error_long_context_value_that_is_not_text_is_cut_as_text():
    error = errors.ValidationError("bad lines", lines=list(range(10_000)), status=500)
    assert error.context["status"] == 500
    assert str(error.context["lines"]).startswith("[0, 1, 2")
    assert len(str(error.context["lines"])) < 250


def test_error_message_with_a_long_value_keeps_its_start_and_end():
    value = "x" * 5_000_000
    error = errors.MappingRecordError(f"{value!r} is not in lookup table 'vat'", field="vat_code")
    assert len(error.message) < 600
    assert error.message.startswith("'xxx")
    assert error.message.endswith("' is not in lookup table 'vat'")
    assert "(5,000,031 characters)" in error.message
    assert str(error).endswith("(field=vat_code)")
    assert error.args == (error.message,)


def test_error_short_message_and_values_stay_as_they_are():
    message = "m" * 500
    error = errors.FlowFileError(message, path="lookups.vat", value="v" * 200)
    assert error.message == message and error.context["value"] == "v" * 200


def test_error_api_message_of_megabytes_is_cut():
    error = errors.RejectedError("Invalid: " + "y" * 5_000_000, status=400, path="/v2/orders")
    assert len(str(error)) < 700
    assert str(error).endswith("(path=/v2/orders, status=400)")
