import pytest

from koppel.accounting import StatusFilter, enrich_order, enrich_source_data
from koppel.errors import ConfigurationError, ValidationError
from koppel.records import Order


def test_status_filter_takes_only_the_chosen_statuses():
    paid_only = StatusFilter(["paid"])
    assert paid_only.accepts(Order(status="paid"))
    assert paid_only.accepts(Order(status=" PAID "))
    assert not paid_only.accepts(Order(status="pending"))
    assert not paid_only.accepts(Order(status=None))


def test_status_filter_takes_a_single_status_string():
    assert StatusFilter("shipped").statuses == frozenset({"shipped"})


def test_status_filter_empty_takes_everything():
    assert StatusFilter().accepts(Order(status=None))
    assert StatusFilter([]).accepts(Order(status="cancelled"))


@pytest.mark.parametrize("bad", [["paid", ""], ["  "], [3]])
def test_status_filter_rejects_bad_statuses(bad):
    with pytest.raises(ConfigurationError, match="statuses are non-empty strings"):
        StatusFilter(bad)


def test_enrich_order_adds_fixed_data_and_flow_values_win():
    order = Order(custom={"channel": "web", "store_id": "old"})
    enriched = enrich_order(order, {"store_id": 5})
    assert enriched.custom == {"channel": "web", "store_id": 5}
    assert order.custom == {"channel": "web", "store_id": "old"}


def test_enrich_order_without_data_is_the_same_order():
    order = Order(number="1")
    assert enrich_order(order, {}) is order


def test_enrich_source_data_puts_the_data_under_its_own_key():
    data = {"id": 1, "status": "paid"}
    assert enrich_source_data(data, {"store_id": 5}) == {
        "id": 1,
        "status": "paid",
        "enrichment": {"store_id": 5},
    }
    assert enrich_source_data(data, {"x": 1}, key="koppel") == {**data, "koppel": {"x": 1}}


def test_enrich_source_data_refuses_to_hide_a_source_field():
    with pytest.raises(ValidationError, match="already has a field 'enrichment'"):
        enrich_source_data({"enrichment": "gift"}, {"store_id": 5})
