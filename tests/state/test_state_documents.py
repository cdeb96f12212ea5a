"""How the activity log encodes a source record: redaction and parts in one walk."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from koppel.engine._hash import source_text as engine_text
from koppel.log import needs_redacting, redact
from koppel.state._documents import (
    PART_KEY,
    PartSeen,
    _candidates,
    _plain_candidates,
    dump,
    expand,
    source_text,
)


class Rows(list[Any]):
    pass


class Doc(dict[str, Any]):
    pass


ARTICLE = {"Number": "A-1", "Barcodes": [{"Barcode": "871234", "Type": 0}], "Vat": 0.21}
CUSTOMER = {"Name": "Jansen BV", "Terms": {"Days": 30, "Name": "30 dagen"}, "City": "Utrecht"}

SOURCES: list[dict[str, Any]] = [
    {"Id": 1, "Customer": CUSTOMER, "Rows": [{"Article": ARTICLE, "Qty": 2}, None, 3]},
    {"Id": 2, "Token": "t", "Customer": CUSTOMER},
    {"Id": 3, "Customer": {**CUSTOMER, "Terms": {"ApiKey": "k"}}},
    {"Id": 4, "Rows": [{"Article": ARTICLE, "password": "p"}]},
    {"Id": 5, "Rows": [{"Article": {"Number": "A-2", "Secret": "s"}}]},
    {"Id": 6, "Rows": [{"Extra": [{"Cookie": "c"}], "Article": ARTICLE}]},
    {"Id": 7, "Rows": [[{"refresh_token": "r"}]]},
    {"Id": 8, "Rows": [types.MappingProxyType({"n": 1})]},
    {"Id": 9, "Rows": [{"Article": types.MappingProxyType({"n": 1})}]},
    {"Id": 10, "Customer": Doc(CUSTOMER)},
    {"Id": 11, "Rows": Rows([{"Article": ARTICLE}])},
    {"Id": 12, "Rows": ({"Article": ARTICLE}, {"Credentials": 1})},
    {"Id": 13, "Rows": ({"Article": ARTICLE},)},
    {"Id": 14, "Notes": {"Deep": [{"Deeper": {"Authorization": "x"}}]}},
]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: str(s["Id"]))
def test_documents_one_walk_finds_what_redaction_and_candidates_find(
    source: dict[str, Any],
) -> None:
    found = _plain_candidates(source, {})
    assert (found is None) == needs_redacting(source)
    if found is not None:
        assert [(p, id(c)) for p, c in found] == [(p, id(c)) for p, c in _candidates(source)]


@pytest.mark.parametrize("with_engine_text", [False, True])
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: str(s["Id"]))
def test_documents_source_text_keeps_the_redacted_record(
    source: dict[str, Any], with_engine_text: bool
) -> None:
    known = engine_text(source) if with_engine_text else None
    seen, parts, memo = PartSeen(), {}, {}
    for _ in range(3):  # met again: candidates become parts
        text = source_text(source, known, seen, parts, memo)
    stored = expand(json.loads(text), lambda key: json.loads(parts[key]))
    assert stored == json.loads(dump(redact(source)))


def test_documents_parts_are_found_in_the_engines_text() -> None:
    customer = {"Name": "Crème Brûlée B.V.", "Since": datetime(2024, 5, 1, tzinfo=UTC)}
    article = {"Number": "A-1", "Price": Decimal("12.50"), "Weight": 1e16, "Ratio": 1e-07}
    customer["City"] = article["Text"] = "Utrecht" * 5  # both long enough to be parts
    record = {"Id": 1, "Customer": customer, "Rows": [{"Article": article}]}
    seen, parts, memo = PartSeen(), {}, {}
    source_text(record, engine_text(record), seen, parts, memo)
    text = source_text(record, engine_text(record), seen, parts, {})
    assert text.count(PART_KEY) == 2 and len(parts) == 2


def test_documents_a_nan_shows_the_same_in_every_entry_of_a_run() -> None:
    # orjson refuses the customer (a number beyond 64 bits): the engine's text is json's,
    # which writes NaN as null as orjson does (the text the source hash was taken of), so
    # the record kept whole and the record with the customer as a reference agree
    customer = {"Id": "c2", "Name": "x" * 90, "Big": 2**70}
    seen, parts, memo = PartSeen(), {}, {}
    texts = []
    for number in range(3):
        record = {"Id": number, "Amount": float("nan"), "Customer": customer}
        texts.append(source_text(record, engine_text(record), seen, parts, memo))
    assert all('"Amount":null' in text for text in texts), texts
    assert PART_KEY not in texts[0] and PART_KEY in texts[-1]
