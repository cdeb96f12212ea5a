"""json_body reads a response as Response.json() does: the same values, key order and errors."""

from __future__ import annotations

import json
import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from koppel.http import json_body

BODIES = [
    b'{"b": 1, "a": [1.5, -0.0, 5e-324, 1e-400, "\\u00e9", true, null], "b": 2}',
    b"9223372036854775807",
    b"-9223372036854775809",  # orjson would make it a float
    b'[18446744073709551616, {"n": 123456789012345678901234567890}]',
    b'"a text with 12345678901234567890 in it"',
    b"[NaN, Infinity, -Infinity, 1e400]",  # orjson refuses these
    b'"\\ud800"',  # a lone surrogate
    b"\xef\xbb\xbf[1]",  # a byte order mark
    '{"a": "é"}'.encode("utf-16"),
    b' \n {"nested": {"deep": [[[]]]}} \t',
]


def _same(left: object, right: object) -> bool:
    """Equal, with the same types, key order and NaN where the other has NaN."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        assert isinstance(right, dict)
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        assert isinstance(right, list)
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right) and repr(left) == repr(right)


@pytest.mark.parametrize("body", BODIES)
def test_json_body_reads_what_response_json_reads(body: bytes) -> None:
    response = httpx.Response(200, content=body)
    assert _same(json_body(response), response.json())


@pytest.mark.parametrize("body", [b"", b"[1,]", b'{"a": 1}x', b'"a\tb"', b'["\xff"]', b"[1"])
def test_json_body_raises_what_response_json_raises(body: bytes) -> None:
    response = httpx.Response(200, content=body)
    with pytest.raises(ValueError) as expected:
        response.json()
    with pytest.raises(ValueError) as raised:
        json_body(response)
    assert type(raised.value) is type(expected.value)
    assert str(raised.value) == str(expected.value)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    )
)
def test_json_body_matches_json_loads_on_any_json(value: object) -> None:
    body = json.dumps(value).encode()
    assert _same(json_body(httpx.Response(200, content=body)), json.loads(body))
