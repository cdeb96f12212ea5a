"""A project file (koppel.toml): flows by name, ``koppel flows``, the project's state store."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from koppel.cli import cli
from koppel.cli._project import find_project
from koppel.errors import ConfigurationError

FLOW = """
source = "shop"
target = "books"
entity = "{entity}"
{extra}

[connections.shop]
system = "shop"

[connections.books]
system = "books"
"""


@pytest.fixture
def project(flow_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with two flows over the in-memory systems, the current folder inside it."""
    root = tmp_path / "project"
    (root / "flows").mkdir(parents=True)
    (root / "koppel.toml").write_text('[project]\nflows = "flows"\nstate = "state.sqlite3"\n')
    (root / "flows" / "products.toml").write_text(FLOW.format(entity="products", extra=""))
    (root / "flows" / "customers.toml").write_text(
        FLOW.format(entity="customers", extra='name = "crm"\n[schedule]\ncron = "*/5 * * * *"')
    )
    (root / "sub").mkdir()
    monkeypatch.chdir(root / "sub")  # the project file is found in a parent folder
    flow_env.shop.put("products", "p1", {"sku": "S1", "name": "P1", "price_excl_vat": "1.00"})
    return root


def test_run_a_flow_by_name_into_the_projects_state_store(project: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "products"])
    assert result.exit_code == 0, result.output
    assert "products: run 1, 1 record in" in result.output
    assert (project / "state.sqlite3").is_file()
    by_flow_name = CliRunner().invoke(cli, ["state", "show", "crm"])
    assert by_flow_name.exit_code == 0, by_flow_name.output
    assert str(project / "state.sqlite3") in by_flow_name.output


def test_flows_lists_the_projects_flows(project: Path) -> None:
    result = CliRunner().invoke(cli, ["flows", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["project"] == str(project / "koppel.toml")
    assert [(f["name"], f["entity"], f["schedule"]) for f in document["flows"]] == [
        ("crm", "customers", "*/5 * * * *"),
        ("products", "products", None),
    ]
    assert set(document["flows"][0]) == {
        "name",
        "file",
        "source",
        "target",
        "entity",
        "schedule",
        "error",
    }


def test_an_unknown_flow_name_gets_did_you_mean_or_the_projects_flows(project: Path) -> None:
    result = CliRunner().invoke(cli, ["run", "prodcts"])
    assert result.exit_code == 2
    assert "did you mean 'products'?" in result.output
    other = CliRunner().invoke(cli, ["run", "invoices"])
    assert other.exit_code == 2
    assert "flows: customers, products" in other.output


def test_a_broken_project_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / "koppel.toml").write_text('[project]\nflow = "x"\n')
    with pytest.raises(ConfigurationError, match="unknown key"):
        find_project(tmp_path)


def test_the_projects_env_gives_credentials_the_environment_does_not(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KOPPEL_TEST_SHOP_TOKEN", raising=False)
    monkeypatch.setenv("KOPPEL_TEST_KEPT", "from the shell")
    flow = project / "flows" / "products.toml"
    flow.write_text(
        flow.read_text().replace(
            'system = "shop"',
            'system = "shop"\ncredentials = { token = "env:KOPPEL_TEST_SHOP_TOKEN" }',
        )
    )
    (project / ".env").write_text(
        "# credentials\nexport KOPPEL_TEST_SHOP_TOKEN='s3cret'\nKOPPEL_TEST_KEPT=from .env\n"
    )
    result = CliRunner().invoke(cli, ["check", "products"])
    assert result.exit_code == 0, result.output
    assert "ok    connections.shop.credentials.token" in result.output
    assert os.environ["KOPPEL_TEST_SHOP_TOKEN"] == "s3cret"
    assert os.environ["KOPPEL_TEST_KEPT"] == "from the shell"
    monkeypatch.delenv("KOPPEL_TEST_SHOP_TOKEN")
