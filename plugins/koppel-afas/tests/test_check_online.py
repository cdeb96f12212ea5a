"""``koppel check --online``: AFAS says whether the customer's GetConnectors have the
fields koppel reads and whether the token may use the UpdateConnectors it writes through."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from koppel.errors import ConfigurationError
from koppel.http import FakeClock
from koppel.state import open_state
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
        "KnPurchaseRelationPer: the mapping fills every mandatory field and writes no field "
        "they lack"
    )
    assert sandbox.calls["GET", "/ProfitRestServices/metainfo/update/{id}"] == 4


@pytest.mark.parametrize(
    ("entity", "settings"),
    [
        ("products", {}),
        ("orders", {"warehouse": "01"}),
        ("orders", {"order_type": "financial_mutation", "administration": 1}),
        ("journal_entries", {}),
    ],
)
def test_check_online_the_default_mappings_fit_the_documented_updateconnectors(
    sandbox: AfasSandbox, entity: str, settings: dict[str, Any]
) -> None:
    connection = connect(sandbox, **settings)
    note = connector.check_online(connection=connection, entity=entity, direction="write")
    assert note is not None and "the mapping fills every mandatory field" in note


def _described(change: Callable[[dict[str, Any]], None]) -> Callable[..., Any]:
    """A metainfo/update answer of the sandbox, changed by ``change`` (the customer's own
    environment: a field made mandatory, one missing)."""
    from koppel_afas import _metainfo

    def answer(self: AfasSandbox, request: Any) -> Any:
        described = _metainfo.update_connector(request.path_params["id"])
        assert described is not None
        change(described)
        return described

    return answer


def _organisation(described: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in described["objects"] if o["name"] == "KnOrganisation")
    return found


def test_check_online_names_a_mandatory_field_the_mapping_does_not_fill(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make_mandatory(described: dict[str, Any]) -> None:
        if described["name"] == "KnSalesRelationOrg":
            for field in _organisation(described)["fields"]:
                if field["fieldId"] == "ViLe":
                    field["mandatory"] = True

    monkeypatch.setattr(AfasSandbox, "_metainfo_update", _described(make_mandatory))
    connection = connect(make_sandbox(0, clock=clock))
    with pytest.raises(ConfigurationError) as caught:
        connector.check_online(connection=connection, entity="relations", direction="write")
    assert (
        "UpdateConnector KnSalesRelationOrg needs KnSalesRelationOrg.KnOrganisation.ViLe"
        in caught.value.message
    )
    assert caught.value.context["path"] == "mapping.fields.ViLe"


def test_check_online_names_the_mapping_field_an_updateconnector_lacks(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop_email(described: dict[str, Any]) -> None:
        if described["name"] == "KnSalesRelationOrg":
            organisation = _organisation(described)
            organisation["fields"] = [f for f in organisation["fields"] if f["fieldId"] != "EmAd"]

    monkeypatch.setattr(AfasSandbox, "_metainfo_update", _described(drop_email))
    connection = connect(make_sandbox(0, clock=clock))
    with pytest.raises(ConfigurationError) as caught:
        connector.check_online(connection=connection, entity="relations", direction="write")
    assert caught.value.message.startswith(
        "the mapping and AFAS's UpdateConnectors disagree: mapping field fields.EmAd writes "
        "KnSalesRelationOrg.KnOrganisation.EmAd, which UpdateConnector KnSalesRelationOrg "
        "does not have in this environment"
    )
    assert caught.value.context["path"] == "mapping.fields.EmAd"


def test_check_online_names_the_mapping_field_behind_a_renamed_key(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop_key(described: dict[str, Any]) -> None:
        if described["name"] == "KnPurchaseRelationPer":
            described["fields"] = [f for f in described["fields"] if f["fieldId"] != "CrId"]

    monkeypatch.setattr(AfasSandbox, "_metainfo_update", _described(drop_key))
    connection = connect(make_sandbox(0, clock=clock))
    with pytest.raises(ConfigurationError) as caught:
        connector.check_online(connection=connection, entity="relations", direction="write")
    assert "mapping field fields.number writes KnPurchaseRelationPer.CrId" in caught.value.message
    assert caught.value.context["path"] == "mapping.fields.number"


def test_check_online_remembers_the_updateconnectors_in_the_state_store(
    sandbox: AfasSandbox, tmp_path: Path
) -> None:
    store = open_state(str(tmp_path / "state.sqlite3"))
    connection = connect(sandbox)
    connection.state = store
    try:
        connector.check_online(connection=connection, entity="products", direction="write")
        key = "afas/12345/production/metainfo/update/FbItemArticle"
        remembered = store.remembered(key, dict, max_age=timedelta(days=1))  # dict: never asked
        assert remembered["name"] == "FbItemArticle"
        assert any(f["fieldId"] == "ItCd" for f in remembered["fields"])
    finally:
        connection.close()
        store.close()


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


def test_check_online_names_the_flows_mapping_field_an_updateconnector_lacks(
    connection: Connection,
) -> None:
    """The flow's ``[mapping.outbound]`` adds a field FbItemArticle does not have: the check
    compares what the flow really writes and names the flow's field."""
    overrides = {"fields": {"U9F3A21C": "name", "ItCd": {"write": "create_only"}}}
    with pytest.raises(ConfigurationError) as caught:
        connector.check_online(
            connection=connection, entity="products", direction="write", overrides=overrides
        )
    assert (
        "the flow's mapping field mapping.outbound.U9F3A21C writes FbItemArticle.U9F3A21C, "
        "which UpdateConnector FbItemArticle does not have in this environment"
    ) in caught.value.message
    assert caught.value.context["path"] == "mapping.outbound.U9F3A21C"
    assert "ItCd" not in caught.value.message  # a write rule alone writes nothing new


def test_check_online_a_field_the_flow_removes_is_not_compared(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop_email(described: dict[str, Any]) -> None:
        for organisation in described.get("objects") or ():
            organisation["fields"] = [f for f in organisation["fields"] if f["fieldId"] != "EmAd"]

    monkeypatch.setattr(AfasSandbox, "_metainfo_update", _described(drop_email))
    connection = connect(make_sandbox(0, clock=clock))
    with pytest.raises(ConfigurationError, match=r"mapping field fields\.EmAd writes"):
        connector.check_online(connection=connection, entity="relations", direction="write")
    note = connector.check_online(
        connection=connection,
        entity="relations",
        direction="write",
        overrides={"fields": {"EmAd": {"remove": True}}},
    )
    assert note is not None and note.endswith("writes no field they lack")


def test_koppel_check_online_compares_the_flows_outbound_mapping(tmp_path: Path) -> None:
    """``koppel check --online --sandbox`` hands the flow's ``[mapping.outbound]`` to AFAS's
    check, which names the flow's field AFAS does not have."""
    pytest.importorskip("koppel_exact_online")
    flow = tmp_path / "products.toml"
    flow.write_text(
        """
name = "exact-products-to-afas"
source = "exact"
target = "afas"
entity = "products"

[connections.exact]
system = "exact-online"
credentials = { client_id = "env:EXACT_CLIENT_ID", client_secret = "env:EXACT_CLIENT_SECRET" }

[connections.afas]
system = "afas"
settings = { participant = "12345", article_group = "HORECA" }
credentials = { token = "env:AFAS_TOKEN" }

[mapping.outbound]
U9F3A21C = "name"
""",
        encoding="utf-8",
    )
    done = subprocess.run(
        koppel_command("check", "--online", "--sandbox", str(flow)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "the flow's mapping field mapping.outbound.U9F3A21C writes FbItemArticle" in (
        done.stdout + done.stderr
    )
