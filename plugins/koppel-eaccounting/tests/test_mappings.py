"""The shipped mappings on orders eAccounting may send."""

from __future__ import annotations

import pytest

from koppel.errors import MappingRecordError
from koppel.mapping import compile_mapping, packaged_mapping
from koppel_eaccounting.functions import FUNCTIONS

ORDER = {"Id": "o1", "Number": 10042, "Amount": 100, "VatAmount": 21}


def orders_inbound():
    spec = packaged_mapping("koppel_eaccounting", "orders.inbound.toml")
    assert spec is not None
    return compile_mapping(spec, name="eaccounting/orders/inbound", functions=FUNCTIONS)


def test_orders_inbound_number_is_text():
    assert orders_inbound().apply(ORDER)["number"] == "10042"


@pytest.mark.parametrize("number", [None, {"nested": {"deep": 1}}, [1]])
def test_orders_inbound_without_a_number_is_a_record_error(number):
    with pytest.raises(MappingRecordError) as caught:
        orders_inbound().apply({**ORDER, "Number": number}, record_id="o1")
    assert caught.value.context["field"] == "number"
    assert caught.value.context["record"] == "o1"
