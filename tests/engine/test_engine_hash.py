"""The engine's JSON texts: never a NaN or Infinity token (the state store relies on it)."""

from __future__ import annotations

import math
import types
from typing import Any

import pytest

from koppel.engine._hash import payload_text, source_text

NOT_FINITE = [math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("value", NOT_FINITE, ids=repr)
@pytest.mark.parametrize("encode", [source_text, payload_text])
def test_hash_json_writes_a_number_that_is_not_finite_as_null_as_orjson_does(
    encode: Any, value: float
) -> None:
    # a number beyond 64 bits makes orjson refuse the record: json's text is taken
    plain = {"b": [value, {"c": value}], "a": value, "s": "NaN Infinity"}
    assert encode(plain) == encode({"b": [None, {"c": None}], "a": None, "s": "NaN Infinity"})
    big = {**plain, "n": 2**70}
    assert encode(big) == encode({**big, "b": [None, {"c": None}], "a": None})


def test_hash_json_still_refuses_a_circular_record() -> None:
    record: dict[str, Any] = {"n": 2**70, "x": math.nan}
    record["self"] = record
    with pytest.raises(ValueError, match="Circular"):
        source_text(record)


def test_hash_json_writes_what_it_cannot_encode_as_its_str_whether_or_not_a_nan_is_there() -> None:
    proxy = types.MappingProxyType({"x": 1.5})
    record = {"n": 2**70, "proxy": proxy, "rows": ({"a": 1},)}
    assert source_text({**record, "y": math.nan}) == source_text({**record, "y": None})
    assert f'"proxy":"{proxy}"' in source_text({**record, "y": math.nan})


@pytest.mark.parametrize("key", NOT_FINITE, ids=repr)
def test_hash_json_writes_a_key_that_is_not_finite_as_json_names_it(key: float) -> None:
    record = {key: 1, "n": 2**70, "x": math.nan}
    name = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(key)]
    assert source_text(record) == f'{{"{name}":1,"n":{2**70},"x":null}}'
