"""The shipped mappings on orders Exact Online may send."""

from __future__ import annotations

import pytest

from koppel.errors import MappingRecordError
from koppel.mapping import compile_mapping, packaged_mapping
from koppel_exact_online.functions import FUNCTIONS


def orders_inbound():
    spec = packaged_mapping("koppel_exact_online", "orders.inbound.toml")
    assert spec is not None
    return compile_mapping(spec, name="exact-online/orders/inbound", functions=FUNCTIONS)


def test_orders_inbound_number_is_text():
    assert orders_inbound().apply({"OrderID": "g1", "OrderNumber": 7})["number"] == "7"


@pytest.mark.parametrize("number", [None, {"nested": {"deep": 1}}, [1]])
def test_orders_inbound_without_a_number_is_a_record_error(number):
    with pytest.raises(MappingRecordError) as caught:
        orders_inbound().apply({"OrderID": "g1", "OrderNumber": number}, record_id="g1")
    assert caught.value.context["field"] == "number"
