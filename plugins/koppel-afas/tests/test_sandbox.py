"""The sandbox answers as AFAS documents: GetConnector paging and filters, metainfo,
UpdateConnector bodies with their mandatory and key fields, and AFAS's error answers."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from koppel_afas.client import authorization
from koppel_afas.sandbox import TOKEN, AfasSandbox

ROOT = "https://12345.rest.afas.online/ProfitRestServices"


def http(sandbox: AfasSandbox, token: str = TOKEN) -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(),
        base_url=ROOT,
        headers={"Authorization": authorization(token)},
    )


def rows(sandbox: AfasSandbox, connector: str, **params: Any) -> dict[str, Any]:
    response = http(sandbox).get(f"/connectors/{connector}", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused(response: httpx.Response, status: int = 500) -> str:
    """AFAS's error answer: its message, after checking the body has all three parts."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"externalMessage", "errorNumber", "profitLogReference"}
    assert len(body["profitLogReference"]) == 32
    message: str = body["externalMessage"]
    return message


def test_sandbox_pages_with_skip_and_take_in_the_documented_envelope(sandbox: AfasSandbox) -> None:
    first = rows(sandbox, "koppel_commitments", skip=0, take=10, orderbyfieldids="CommitmentId")
    last = rows(sandbox, "koppel_commitments", skip=30, take=10, orderbyfieldids="CommitmentId")
    assert set(first) == {"skip", "take", "rows"} and (first["skip"], first["take"]) == (0, 10)
    assert [r["CommitmentId"] for r in first["rows"]][:2] == ["000001", "000002"]
    assert len(last["rows"]) == 6  # 36 demo commitments
    assert len(rows(sandbox, "koppel_commitments")["rows"]) == 36  # take 100 by default
    assert len(rows(sandbox, "koppel_commitments", skip=-1, take=-1)["rows"]) == 36
    assert sandbox.rows_answered["koppel_commitments"] == 10 + 6 + 36 + 36


def test_sandbox_refuses_a_skip_take_combination_as_afas_does(sandbox: AfasSandbox) -> None:
    response = http(sandbox).get("/connectors/koppel_commitments", params={"skip": 2, "take": -1})
    assert refused(response) == "An unexpected error has occurred."


def test_sandbox_filters_with_and_or_and_the_operator_codes(sandbox: AfasSandbox) -> None:
    def numbers(**params: Any) -> list[str]:
        answer = rows(sandbox, "koppel_debtors", orderbyfieldids="DebtorId", **params)
        return [r["DebtorId"] for r in answer["rows"]]

    # , is and; ; is or
    both = numbers(
        filterfieldids="City,IsPerson", filtervalues="Groningen,false", operatortypes="1,1"
    )
    either = numbers(
        filterfieldids="DebtorId;DebtorId", filtervalues="10002;10004", operatortypes="1;1"
    )
    assert both == ["10007", "10008"] and either == ["10002", "10004"]
    assert numbers(filterfieldids="DebtorId", filtervalues="10009", operatortypes="2") == [
        "10009",
        "10010",
    ]
    assert numbers(filterfieldids="Name", filtervalues="Bakker", operatortypes="6") == [
        "10002",
        "10006",
    ]
    assert numbers(filterfieldids="Name", filtervalues="Hotel", operatortypes="10") == ["10005"]
    assert len(numbers(filterfieldids="VatNumber", filtervalues="", operatortypes="8")) == 7
    newest = rows(sandbox, "koppel_debtors", orderbyfieldids="-ModifiedDate", take=1)["rows"]
    assert newest[0]["DebtorId"] == "10010"


def test_sandbox_filters_by_modification_date(sandbox: AfasSandbox) -> None:
    every = rows(sandbox, "koppel_commitments", orderbyfieldids="ModifiedDate")["rows"]
    since = every[30]["ModifiedDate"].removesuffix("Z")
    later = rows(
        sandbox,
        "koppel_commitments",
        filterfieldids="ModifiedDate",
        filtervalues=since,
        operatortypes="2",
    )["rows"]
    assert [r["CommitmentId"] for r in later] == [r["CommitmentId"] for r in every[30:]]


def test_sandbox_refuses_a_field_the_getconnector_lacks(sandbox: AfasSandbox) -> None:
    client = http(sandbox)
    response = client.get("/connectors/koppel_debtors", params={"orderbyfieldids": "Nummer"})
    assert refused(response) == "Connector field 'Nummer' not found"
    response = client.get(
        "/connectors/koppel_debtors",
        params={"filterfieldids": "Nummer", "filtervalues": "1", "operatortypes": "1"},
    )
    assert refused(response) == "Connector field 'Nummer' not found"


def test_sandbox_answers_404_to_a_query_over_2049_characters(sandbox: AfasSandbox) -> None:
    values = ";".join(str(n) for n in range(10001, 10500))
    params = {
        "filterfieldids": ";".join(["DebtorId"] * 499),
        "filtervalues": values,
        "operatortypes": ";".join(["1"] * 499),
    }
    assert refused(http(sandbox).get("/connectors/koppel_debtors", params=params), 404)


def test_sandbox_refuses_an_unknown_getconnector(sandbox: AfasSandbox) -> None:
    message = refused(http(sandbox).get("/connectors/Profit_Debtors"))
    assert "not supported for this app" in message


def test_sandbox_metainfo_lists_and_describes_the_connectors(sandbox: AfasSandbox) -> None:
    client = http(sandbox)
    listing = client.get("/metainfo").json()
    assert {c["id"] for c in listing["getConnectors"]} >= {"koppel_commitments", "koppel_debtors"}
    assert {c["id"] for c in listing["updateConnectors"]} >= {"KnSalesRelationOrg", "FiEntries"}
    described = client.get("/metainfo/get/koppel_commitments").json()
    assert described["name"] == "koppel_commitments"
    assert {"id": "OpenAmount", "dataType": "decimal"}.items() <= described["fields"][12].items()
    update = client.get("/metainfo/update/KnSalesRelationOrg").json()
    cuid = next(f for f in update["fields"] if f["fieldId"] == "CuId")
    assert cuid["mandatory"] is True and cuid["length"] == 3
    assert update["objects"][0]["name"] == "KnOrganisation"
    assert update["objects"][0]["objects"][0]["name"] == "KnBasicAddressAdr"


def test_sandbox_refuses_a_token_that_is_not_base64_or_not_the_environments(
    sandbox: AfasSandbox,
) -> None:
    plain = httpx.Client(
        transport=sandbox.transport(),
        base_url=ROOT,
        headers={"Authorization": f"AfasToken {TOKEN}"},
    )
    assert refused(plain.get("/connectors/koppel_debtors")) == "The token is not Base64-encoded."
    wrong = http(sandbox, "<token><version>1</version><data>WRONG</data></token>")
    refused(wrong.get("/connectors/koppel_debtors"), 401)
    assert base64.b64decode(authorization(TOKEN).split()[1]).decode() == TOKEN


def organisation(**fields: Any) -> dict[str, Any]:
    return {
        "KnSalesRelationOrg": {
            "Element": {
                "Fields": {"CuId": "EUR", **fields},
                "Objects": [
                    {
                        "KnOrganisation": {
                            "Element": {
                                "Fields": {
                                    "PadAdr": True,
                                    "AutoNum": True,
                                    "MatchOga": "6",
                                    "Nm": "Nieuw B.V.",
                                }
                            }
                        }
                    }
                ],
            }
        }
    }


def test_sandbox_inserts_a_relation_and_answers_its_new_keys(sandbox: AfasSandbox) -> None:
    response = http(sandbox).post("/connectors/KnSalesRelationOrg", json=organisation())
    assert response.status_code == 201
    assert response.json() == {"results": {"KnSalesRelationOrg": {"DbId": "10011", "BcCo": "2007"}}}
    assert sandbox.store["koppel_debtors"].get("10011")["Name"] == "Nieuw B.V."


def test_sandbox_refuses_a_body_without_a_mandatory_field(
    sandbox: AfasSandbox, koppel_strict_contracts: Any
) -> None:
    body = organisation()
    del body["KnSalesRelationOrg"]["Element"]["Fields"]["CuId"]
    message = refused(http(sandbox).post("/connectors/KnSalesRelationOrg", json=body))
    assert "KnSalesRelationOrg.Element.Fields.CuId" in message
    assert [v.path for v in koppel_strict_contracts.take()] == [
        "KnSalesRelationOrg.Element.Fields.CuId"
    ]


def test_sandbox_refuses_an_unknown_field_and_a_value_too_long(
    sandbox: AfasSandbox, koppel_strict_contracts: Any
) -> None:
    body = organisation(Colour="blue", VaId="X" * 22)
    message = refused(http(sandbox).post("/connectors/KnSalesRelationOrg", json=body))
    assert "Colour" in message and "VaId" in message
    assert len(koppel_strict_contracts.take()) == 2


def test_sandbox_enforces_the_key_fields(
    sandbox: AfasSandbox, koppel_strict_contracts: Any
) -> None:
    client = http(sandbox)
    taken = client.post("/connectors/KnSalesRelationOrg", json=organisation(DbId="10001"))
    assert refused(taken) == "Debtor '10001' already exists."
    missing = client.put("/connectors/KnSalesRelationOrg", json=organisation(DbId="99999"))
    assert refused(missing) == "The entered value for 'Debtor' does not exist."
    without_key = organisation()
    del without_key["KnSalesRelationOrg"]["Element"]["Fields"]["CuId"]
    assert "Fields.DbId" in refused(client.put("/connectors/KnSalesRelationOrg", json=without_key))
    assert [v.path for v in koppel_strict_contracts.take()] == [
        "KnSalesRelationOrg.Element.Fields.DbId"
    ]
    manual = organisation()
    party = manual["KnSalesRelationOrg"]["Element"]["Objects"][0]["KnOrganisation"]["Element"][
        "Fields"
    ]
    party.update(AutoNum=False, MatchOga="0")
    assert "BcCo" in refused(client.post("/connectors/KnSalesRelationOrg", json=manual))


def entry(*amounts: tuple[str, float, float]) -> dict[str, Any]:
    lines = [
        {
            "Fields": {
                "VaAs": "1",
                "AcNr": account,
                "EnDa": "2024-05-01",
                "BpDa": "2024-05-01",
                "AmDe": de,
                "AmCr": cr,
            }
        }
        for account, de, cr in amounts
    ]
    return {
        "FiEntryPar": {
            "Element": {
                "Fields": {"Year": 2024, "Peri": 5, "JoCo": "90"},
                "Objects": [{"FiEntries": {"Element": lines}}],
            }
        }
    }


def test_sandbox_books_a_balanced_entry_and_refuses_an_unbalanced_one(sandbox: AfasSandbox) -> None:
    client = http(sandbox)
    booked = client.post(
        "/connectors/FiEntries", json=entry(("1300", 121.0, 0), ("8000", 0, 121.0))
    )
    assert booked.status_code == 201 and booked.json()["results"]["FiEntries"]["EnNo"] == "502"
    unbalanced = client.post(
        "/connectors/FiEntries", json=entry(("1300", 121.0, 0), ("8000", 0, 100.0))
    )
    assert refused(unbalanced).startswith("The entry is not balanced")


def test_sandbox_refuses_an_order_line_for_an_unknown_article(sandbox: AfasSandbox) -> None:
    line = {"Fields": {"VaIt": "2", "ItCd": "AV-9999", "BiUn": "stk", "QuUn": 1}}
    body = {
        "FbSales": {
            "Element": {
                "Fields": {"DbId": "10001"},
                "Objects": [{"FbSalesLines": {"Element": [line]}}],
            }
        }
    }
    message = refused(http(sandbox).post("/connectors/FbSales", json=body))
    assert message == "The entered value for 'Itemcode' does not exist."


def test_sandbox_applies_a_json_filter_as_documented(sandbox: AfasSandbox) -> None:
    # (City = Groningen and Name contains Catering) or DebtorId = 10002
    field = [
        {"@FieldId": "City", "@OperatorType": "1", "#text": "Groningen"},
        {"@FieldId": "Name", "@OperatorType": "6", "#text": "Catering"},
    ]
    filters = {
        "Filters": {
            "Filter": [
                {"@FilterId": "Filter 1", "Field": field},
                {
                    "@FilterId": "Filter 2",
                    "Field": [{"@FieldId": "DebtorId", "@OperatorType": "1", "#text": "10002"}],
                },
            ]
        }
    }
    answer = rows(
        sandbox, "koppel_debtors", filterjson=json.dumps(filters), orderbyfieldids="DebtorId"
    )
    assert [r["DebtorId"] for r in answer["rows"]] == ["10002", "10008"]
    bad = http(sandbox).get("/connectors/koppel_debtors", params={"filterjson": "{}"})
    assert refused(bad) == "An unexpected error has occurred."
