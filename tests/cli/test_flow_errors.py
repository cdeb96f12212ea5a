"""A flow's errors name the flow file; one flow that cannot run does not stop the others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import EXIT_CONFIG, cli, main
from koppel.errors import FlowFileError, MappingError
from koppel.flows import load_flow

MAPPED = """
source = "a"
target = "b"
entity = "products"

[connections.a]
system = "folder"

[connections.b]
system = "folder"

[mapping.inbound]
name = "Customer.TermsOfPayment.((("
"""


def test_a_bad_expression_in_the_flows_mapping_names_the_flow_file(tmp_path: Path) -> None:
    flow = tmp_path / "mine.toml"
    flow.write_text(MAPPED)
    with pytest.raises(FlowFileError) as info:
        load_flow(flow)
    assert info.value.context["file"].endswith("mine.toml")
    assert info.value.context["path"] == "mapping.inbound.name"


def test_field_tables_and_nested_targets_are_checked_but_not_their_settings(
    tmp_path: Path,
) -> None:
    flow = tmp_path / "mine.toml"
    body = MAPPED.replace(
        'name = "Customer.TermsOfPayment.((("',
        'name = { expr = "Name", default = "no name given" }\n'
        'price.amount = "Price"\n'
        'sku = { write = "create_only" }',
    )
    flow.write_text(body)
    assert load_flow(flow).mapping_overrides("inbound")
    flow.write_text(body.replace('"Price"', '"Price[("'))
    with pytest.raises(FlowFileError, match=r"mapping\.inbound\.price\.amount"):
        load_flow(flow)


def test_run_of_several_flows_runs_the_others_and_names_the_bad_one(
    flow_env: Any, tmp_path: Path
) -> None:
    flow_env.shop.put("products", "p1", {"sku": "S1", "name": "P1", "price_excl_vat": "1.00"})
    flow_env.shop.put("customers", "c1", {"email": "ann@example.com", "name": "Ann"})
    first = flow_env.write("products")
    bad = tmp_path / "bad.toml"
    bad.write_text(first.read_text().replace('entity = "products"', 'entity = "nonsense"'))
    last = tmp_path / "customers.toml"
    last.write_text(first.read_text().replace('entity = "products"', 'entity = "customers"'))
    last.write_text(last.read_text().replace('source = "shop"', 'name = "c"\nsource = "shop"'))

    result = CliRunner().invoke(
        cli, ["run", str(first), str(bad), str(last), "--state", flow_env.state]
    )

    assert result.exit_code == EXIT_CONFIG, result.output
    assert "shop-customers: run" in result.output and "c: run" in result.output
    assert f"error: {bad}:" in result.stderr
    assert "1 of 3 flows could not run" in result.stderr
    assert flow_env.books.rows("products") and flow_env.books.rows("customers")


def test_a_flow_whose_target_refuses_a_lookup_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AccountView's sandbox refuses an unknown company when the orders are looked up:
    that flow is named and could not run, the next one still runs."""
    monkeypatch.chdir(tmp_path)
    examples = Path(__file__).parents[2] / "examples"
    orders = tmp_path / "orders.toml"
    orders.write_text(
        (examples / "eaccounting-orders-to-accountview.toml")
        .read_text()
        .replace('company = "DEMO"', 'company = "NOPE"')
    )
    products = examples / "accountview-products-to-eaccounting.toml"
    state = str(tmp_path / "s.sqlite3")

    result = CliRunner().invoke(
        cli, ["run", "--sandbox", "--state", state, str(orders), str(products)]
    )

    assert result.exit_code == EXIT_CONFIG, result.output
    assert f"error: {orders}: Onbekende onderneming 'NOPE'" in result.stderr
    assert "accountview-products-to-eaccounting: run" in result.output
    assert "1 of 2 flows could not run" in result.stderr
    # Alone, it could not run either: exit 2, not 1 (that is for parked records).
    alone = CliRunner().invoke(cli, ["run", "--sandbox", "--state", state, str(orders)])
    assert alone.exit_code == EXIT_CONFIG, alone.output
    assert "Onbekende onderneming 'NOPE'" in alone.stderr


def test_run_of_one_bad_flow_is_exit_2(tmp_path: Path, capsys: Any) -> None:
    flow = tmp_path / "mine.toml"
    flow.write_text(MAPPED)
    with pytest.raises(SystemExit) as info:
        main(["run", str(flow)])
    assert info.value.code == EXIT_CONFIG
    assert "mine.toml" in capsys.readouterr().err


def test_an_override_that_does_not_compile_names_the_flow_file(flow_env: Any) -> None:
    flow_env.shop.put("customers", "c1", {"email": "ann@example.com", "name": "Ann"})
    flow = flow_env.write("customers", '[mapping.outbound]\nname = "lookup(`\\"nosuch\\"`, name)"')
    with pytest.raises(MappingError) as info:
        flow_env.invoke("run", str(flow))
    assert "no lookup table 'nosuch'" in str(info.value)
    assert info.value.context["file"] == str(flow)
    assert info.value.context["path"] == "mapping.outbound.name"
