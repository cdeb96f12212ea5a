"""Match keys that join several canonical fields (``invoice_number+line``)."""

from koppel.engine._hash import match_value, read_match_key


def test_read_match_key_reads_one_field_by_path() -> None:
    assert read_match_key({"customer": {"email": " A@B.nl "}}, "customer.email") == " A@B.nl "


def test_read_match_key_joins_fields_as_a_json_list() -> None:
    data = {"invoice_number": " INV-7 ", "line": 530006, "delivery_note": None}
    assert read_match_key(data, "invoice_number+line") == '["INV-7", "530006"]'
    assert match_value("invoice_number+line", read_match_key(data, "invoice_number+line")) == (
        '["INV-7", "530006"]'
    )


def test_read_match_key_is_empty_when_any_field_is() -> None:
    data = {"invoice_number": "INV-7", "delivery_note": " "}
    assert read_match_key(data, "invoice_number+delivery_note") is None
    assert read_match_key(data, "invoice_number+line") is None
