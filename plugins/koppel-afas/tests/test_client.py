"""The client: environments, the AfasToken header, settings checked, and AFAS's errors
turned into koppel errors that keep the message and the log-book reference."""

from __future__ import annotations

import base64

import pytest

from koppel.errors import AuthError, ConfigurationError, RejectedError
from koppel.sync import Action
from koppel_afas.client import authorization, root_url
from koppel_afas.plugin import connector
from koppel_afas.sandbox import AfasSandbox
from koppel_afas.settings import AfasSettings

from .conftest import connect


@pytest.mark.parametrize(
    ("environment", "host"),
    [("production", "rest"), ("test", "resttest"), ("accept", "restaccept")],
)
def test_client_root_url_per_environment(environment: str, host: str) -> None:
    settings = AfasSettings(participant="12345", token="t", environment=environment)  # type: ignore[arg-type]
    assert root_url(settings) == f"https://12345.{host}.afas.online/ProfitRestServices/"


def test_client_authorization_is_afastoken_and_the_base64_of_the_xml_token() -> None:
    token = "<token><version>1</version><data>ABC123</data></token>"
    assert authorization(token) == "AfasToken " + base64.b64encode(token.encode()).decode()
    assert authorization("ABC123") == authorization(token)  # only the data part given
    with pytest.raises(ConfigurationError):
        authorization("  ")


def test_client_rejection_keeps_afas_message_and_log_reference(sandbox: AfasSandbox) -> None:
    connection = connect(sandbox)
    payload = {"_kind": "debtor", "number": "10001", "Nm": "Dubbel B.V."}
    with pytest.raises(RejectedError) as refused:
        connector.upsert(
            connection=connection,
            entity="relations",
            action=Action.CREATE,
            payload=payload,
            target_id=None,
        )
    reference = refused.value.context["profit_log_reference"]
    assert (
        refused.value.message
        == f"Debtor '10001' already exists. (Profit log reference {reference})"
    )
    assert refused.value.context["error_number"] == -2147220469


def test_client_wrong_token_is_an_auth_error(sandbox: AfasSandbox) -> None:
    connection = connect(sandbox, secrets={"token": "NOT-THE-TOKEN"})
    with pytest.raises(AuthError):
        list(
            connector.fetch_records(
                connection=connection, entity="commitments", cursor=None, filters={}
            )
        )


def test_client_checks_the_customers_getconnector_against_its_metainfo(
    sandbox: AfasSandbox,
) -> None:
    connection = connect(sandbox, commitments_fields={"Code": "VerplichtingCode"})
    with pytest.raises(ConfigurationError) as refused:
        list(
            connector.fetch_records(
                connection=connection, entity="commitments", cursor=None, filters={}
            )
        )
    assert "koppel_commitments has no field VerplichtingCode" in refused.value.message
    assert refused.value.context["path"] == "connections.afas.settings.commitments_fields"


def test_client_reads_a_getconnector_with_the_customers_own_ids(sandbox: AfasSandbox) -> None:
    # The customer's GetConnector "Verplichtingen_koppel" answers "VplCode" for Code.
    sandbox.define("Verplichtingen_koppel", "commitments", {"Code": "VplCode"})
    connection = connect(
        sandbox,
        commitments_connector="Verplichtingen_koppel",
        commitments_fields={"Code": "VplCode"},
    )
    records = list(
        connector.fetch_records(
            connection=connection, entity="commitments", cursor=None, filters={}
        )
    )
    assert len(records) == 36 and records[0].data["Code"] == "VPL-2024-00001"
    assert sandbox.rows_answered == {"Verplichtingen_koppel": 36}


def test_client_a_getconnector_the_app_may_not_use_is_a_configuration_error(
    sandbox: AfasSandbox,
) -> None:
    connection = connect(sandbox, commitments_connector="Profit_Verplichtingen")
    with pytest.raises(ConfigurationError) as refused:
        list(
            connector.fetch_records(
                connection=connection, entity="commitments", cursor=None, filters={}
            )
        )
    assert refused.value.message.startswith("GetConnector not supported for this app")
    assert refused.value.context["path"] == "/ProfitRestServices/metainfo/get/Profit_Verplichtingen"
