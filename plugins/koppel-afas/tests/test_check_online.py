"""``koppel check --online``: AFAS says whether the customer's GetConnectors have the
fields koppel reads and whether the token may use the UpdateConnectors it writes through."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from koppel.errors import ConfigurationError
from koppel.http import FakeClock
from koppel.sync import Connection
from koppel.testing import koppel_command
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox, make_sandbox

from .conftest import connect

EXAMPLES = Path(__file__).parents[3] / "examples"


def test_hook_check_online_reads_every_getconnector_an_entity_reads(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    note = connector.check_online(connection=connection, entity="relations", direction="read")
    assert note == (
        "GetConnector koppel_debtors, koppel_creditors: every field koppel reads is there"
    )
    assert sandbox.calls["GET", "/ProfitRestServices/metainfo/get/{id}"] == 2
    assert not any(method != "GET" for method, _ in sandbox.calls)  # nothing written


def test_check_online_to_write_asks_for_every_updateconnector(
    connection: Connection, sandbox: AfasSandbox
) -> None:
    note = connector.check_online(connection=connection, entity="relations", direction="write")
    assert note is not None and note.endswith(
        "UpdateConnector KnSalesRelationOrg, KnSalesRelationPer, KnPurchaseRelationOrg, "
        "KnPurchaseRelationPer answered"
    )
    assert sandbox.calls["GET", "/ProfitRestServices/metainfo/update/{id}"] == 4


def test_check_online_names_the_setting_of_a_getconnector_that_lacks_a_field(
    sandbox: AfasSandbox,
) -> None:
    connection = connect(sandbox, articles_fields={"ItemCode": "ItemCodeThatIsNotThere"})
    with pytest.raises(ConfigurationError) as caught:
        connector.check_online(connection=connection, entity="products", direction="read")
    assert "has no field ItemCodeThatIsNotThere" in caught.value.message
    assert caught.value.context["path"] == "connections.afas.settings.articles_fields"


def test_check_online_names_an_updateconnector_the_token_may_not_use(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AfasSandbox, "_metainfo_update", _refuses)
    connection = connect(make_sandbox(0, clock=clock))
    with pytest.raises(ConfigurationError, match="AFAS refuses UpdateConnector FbItemArticle"):
        connector.check_online(connection=connection, entity="products", direction="write")


def _refuses(self: AfasSandbox, request: object) -> object:
    from koppel_afas.sandbox import AfasError

    raise AfasError(500, "UpdateConnector not supported for this app or the user is not authorized")


def test_koppel_check_online_sandbox_runs_on_the_example_without_a_token(tmp_path: Path) -> None:
    pytest.importorskip("koppel_exact_online")
    example = EXAMPLES / "afas-relations-to-exact-online.toml"
    if not example.is_file():
        pytest.skip("the example is not part of this checkout")
    done = subprocess.run(
        koppel_command("check", "--online", "--sandbox", str(example)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    afas reads relations (online) (GetConnector koppel_debtors" in done.stdout
    assert "warn" not in done.stdout  # the sandboxes give their own credentials
