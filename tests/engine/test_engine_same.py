from decimal import Decimal

import pytest

from koppel.engine._same import already_in_target


@pytest.mark.parametrize(
    ("payload", "existing"),
    [
        ({"NetPrice": Decimal("18.50")}, {"NetPrice": 18.5, "Other": "x"}),
        ({"Quantity": 3}, {"Quantity": 3.0}),
        ({"Name": "Cup", "_unit": "st"}, {"Name": "Cup", "_unit": "st"}),
        ({"Note": None}, {"Other": 1}),
        ({"Note": ""}, {"Note": None}),
        ({"Address": {"City": "Delft"}}, {"Address": {"City": "Delft", "Zip": "2611"}}),
        ({"Rows": [{"Qty": Decimal(1)}]}, {"Rows": [{"Qty": 1, "Id": 7}]}),
        ({"Active": True}, {"Active": True}),
    ],
)
def test_already_in_target_when_every_field_has_that_value(payload, existing):
    assert already_in_target(payload, existing)


@pytest.mark.parametrize(
    ("payload", "existing"),
    [
        ({"NetPrice": Decimal("19.95")}, {"NetPrice": 18.5}),
        ({"Name": "Cup"}, {}),  # nothing known of the target: write
        ({"Name": "Cup"}, {"Other": 1}),  # a field the target does not show
        ({"Number": "AV-1", "_on_hand": 5}, {"Number": "AV-1", "StockBalance": 5}),
        ({"Code": "12"}, {"Code": 12}),  # a text is not a number
        ({"Active": True}, {"Active": 1}),
        ({"Rows": [{"Qty": 1}]}, {"Rows": [{"Qty": 1}, {"Qty": 2}]}),
        ({"Address": {"City": "Delft"}}, {"Address": "Delft"}),
        ({"Price": Decimal("NaN")}, {"Price": float("nan")}),
    ],
)
def test_not_in_target_when_a_field_differs(payload, existing):
    assert not already_in_target(payload, existing)
