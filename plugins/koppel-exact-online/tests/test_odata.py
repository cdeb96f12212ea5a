"""Exact's literals and settings: dates, padded codes, filters, hosts, the sandbox's $filter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from koppel.connector import read_settings
from koppel.errors import ConfigurationError
from koppel.sync import Connection
from koppel_exact_online._filter import FilterSyntaxError, compile_filter
from koppel_exact_online.client import host_of
from koppel_exact_online.functions import exact_amount, exact_percent
from koppel_exact_online.odata import (
    any_of,
    format_date,
    pad_code,
    parse_date,
    timestamp_filter,
    unpad_code,
)
from koppel_exact_online.plugin import connector
from koppel_exact_online.settings import ExactSettings


def test_odata_dates_round_trip() -> None:
    assert parse_date("/Date(1672531200000)/") == datetime(2023, 1, 1, tzinfo=UTC)
    assert format_date(date(2023, 1, 1)) == "/Date(1672531200000)/"
    assert parse_date(None) is None
    with pytest.raises(ValueError, match="not an OData date"):
        parse_date("2023-01-01")


def test_odata_codes_are_padded_to_18_characters() -> None:
    assert pad_code(25) == " " * 16 + "25"
    assert unpad_code("                25") == "25"
    with pytest.raises(ValueError, match="longer than 18"):
        pad_code("1" * 19)
    with pytest.raises(ValueError, match="empty"):
        pad_code("  ")


def test_odata_filters() -> None:
    assert timestamp_filter(None) == "Timestamp gt 1L"
    assert timestamp_filter("123") == "Timestamp gt 123L"
    assert any_of("YourRef", ["a", "o'b"]) == "YourRef eq 'a' or YourRef eq 'o''b'"


def test_client_hosts_per_region() -> None:
    def host(**settings: str) -> str:
        credentials = {"client_id": "app", "client_secret": "s"}
        return host_of(read_settings(ExactSettings, {**credentials, **settings}, connection="e"))

    assert host() == "https://start.exactonline.nl"
    assert host(region="uk") == "https://start.exactonline.co.uk"
    assert host(base_url="http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    with pytest.raises(ConfigurationError, match="region: expected one of nl, be") as caught:
        host(region="xx")
    assert caught.value.context["path"] == "connections.e.settings.region"


def test_filter_parser_matches_exact_syntax() -> None:
    rows = [
        {
            "Code": "                25",
            "YourRef": "A",
            "Timestamp": 5,
            "ID": "5D1A0C53-0000-4000-8000-000000000001",
        },
        {"Code": "                26", "YourRef": "B", "Timestamp": 9, "ID": "x"},
    ]
    pick = lambda text: [r["YourRef"] for r in rows if compile_filter(text)(r)]  # noqa: E731
    assert pick("Timestamp gt 6L") == ["B"]
    assert pick("(YourRef eq 'A' or YourRef eq 'B') and Timestamp le 5") == ["A"]
    assert pick("trim(Code) eq '26'") == ["B"]
    assert pick("ID eq guid'5d1a0c53-0000-4000-8000-000000000001'") == ["A"]
    with pytest.raises(FilterSyntaxError, match="Error in query syntax"):
        compile_filter("YourRef like 'A'")


def test_mapping_functions() -> None:
    assert exact_percent(0.21) == Decimal(21)
    assert exact_percent(None) is None
    assert exact_amount("3", "7.333", "10") == Decimal("19.80")


def test_hook_oauth_config_gives_exacts_endpoints_per_region() -> None:
    connection = Connection(
        name="exact",
        system="exact-online",
        settings={"region": "be", "redirect_uri": "https://example.org/cb"},
        secrets={"client_id": "app", "client_secret": "s"},
    )
    config = connector.oauth_config(connection=connection)
    assert config is not None
    assert config.authorize_url == "https://start.exactonline.be/api/oauth2/auth"
    assert config.token_url == "https://start.exactonline.be/api/oauth2/token"
    assert (config.client_id, config.redirect_uri) == ("app", "https://example.org/cb")
