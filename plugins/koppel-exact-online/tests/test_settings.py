"""Typed settings: a bad value of any of them is refused offline, naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.errors import ConfigurationError
from koppel.sync import Connection
from koppel_exact_online.plugin import connector

CREDENTIALS = {"client_id": "env:EXACT_CLIENT_ID", "client_secret": "env:EXACT_CLIENT_SECRET"}
FLOW = """
name = "exact-check"
source = "books"
target = "exact"
entity = "customers"

[connections.books]
system = "exact-online"
credentials = { client_id = "env:EXACT_CLIENT_ID", client_secret = "env:EXACT_CLIENT_SECRET" }

[connections.exact]
system = "exact-online"
settings = { region = "nl", division = "abc" }
credentials = { client_id = "env:EXACT_CLIENT_ID", client_secret = "env:EXACT_CLIENT_SECRET" }
"""


def test_settings_check_refuses_a_division_that_is_no_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXACT_CLIENT_ID", "app")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "secret")
    flow = tmp_path / "flow.toml"
    flow.write_text(FLOW)
    done = CliRunner().invoke(cli, ["check", str(flow)], catch_exceptions=False)
    assert done.exit_code == 2, done.output
    failed = [line for line in done.output.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "connections.exact.settings.division" in failed[0], done.output


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("division", "abc"),
        ("region", "xx"),
        ("order_type", "gift"),
        ("invoice_kind", "both"),
        ("journal_level", "everything"),
        ("accounts", "1300"),
        ("rounding_threshold", "5 cent"),
        ("oss", "maybe"),
        ("default_debtor", ["1300"]),
    ],
)
def test_settings_bad_value_of_any_setting_names_its_key(key: str, value: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connector.check_settings("exact", {**CREDENTIALS, key: value})
    assert caught.value.context["path"] == f"connections.exact.settings.{key}"


def test_settings_without_a_token_store_the_client_is_refused_not_given_one_in_memory() -> None:
    connection = Connection(name="exact", system="exact-online", secrets=CREDENTIALS)
    with pytest.raises(ConfigurationError, match="no token store"):
        connector.session(connection).client  # noqa: B018


DIRECT_INVOICE_FLOW = """
name = "exact-direct-invoice"
source = "books"
target = "exact"
entity = "orders"
order_type = "direct_invoice"

[connections.books]
system = "exact-online"
credentials = { client_id = "env:EXACT_CLIENT_ID", client_secret = "env:EXACT_CLIENT_SECRET" }

[connections.exact]
system = "exact-online"
settings = { region = "nl" }
credentials = { client_id = "env:EXACT_CLIENT_ID", client_secret = "env:EXACT_CLIENT_SECRET" }
"""


@pytest.mark.parametrize("warehouse", [True, False])
def test_settings_check_takes_direct_invoice_with_a_warehouse_under_the_flow_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warehouse: bool
) -> None:
    # issue 15 part 5: check refused what run accepted, as it read only the connection's settings
    monkeypatch.setenv("EXACT_CLIENT_ID", "app")
    monkeypatch.setenv("EXACT_CLIENT_SECRET", "secret")
    settings = '\n[settings]\nwarehouse = "b1b0a1f0-0000-4000-8000-000000000001"\n'
    flow = tmp_path / "flow.toml"
    flow.write_text(DIRECT_INVOICE_FLOW + (settings if warehouse else ""))
    done = CliRunner().invoke(cli, ["check", str(flow)], catch_exceptions=False)
    failed = [line for line in done.output.splitlines() if line.startswith("FAIL")]
    order_type = [line for line in failed if "direct_invoice" in line]
    if warehouse:
        assert not order_type, done.output
    else:
        assert done.exit_code != 0, done.output
        assert order_type and "warehouse" in order_type[0], done.output
