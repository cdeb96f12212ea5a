"""Lookups by key: a few keys cost a filtered call, many read the whole list once, a
refused filter reads the whole list; reference lists are read again for a missing name."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from koppel.errors import ValidationError
from koppel.sync import Connection
from koppel_eaccounting.client import odata_literal
from koppel_eaccounting.company import Company
from koppel_eaccounting.known import KEY_BATCH, WHOLE_LIST_ABOVE
from koppel_eaccounting.plugin import connector
from koppel_eaccounting.sandbox import EAccountingSandbox


def company(connection: Connection) -> Company:
    return Company.of(connector.session(connection))


def reads(sandbox: EAccountingSandbox, path: str) -> int:
    return sandbox.count("GET", path)


def test_few_ids_cost_one_filtered_call_and_none_once_known(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    ids = [c["Id"] for c in sandbox.store["customers"].all()[:3]]
    run = company(connection)
    run.want_customers(ids)
    assert reads(sandbox, "/v2/customers") == 1
    assert [run.customer(i)["Id"] for i in ids] == ids
    run.want_customers(ids)
    assert reads(sandbox, "/v2/customers") == 1 and not run.customers.complete


def test_many_unknown_ids_read_the_whole_list_once(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    articles = sandbox.store["articles"]
    first = articles.all()[0]
    for n in range(WHOLE_LIST_ABOVE + 1):
        articles.insert({**first, "Id": str(uuid.uuid4()), "Number": f"Y-{n:04d}"})
    ids = [a["Id"] for a in articles.all()]
    run = company(connection)
    run.want_articles(ids)
    pages = reads(sandbox, "/v2/articles")
    assert run.articles.complete and pages == -(-len(ids) // 500)  # page_size 500
    assert all(run.known_article(i) is not None for i in ids)
    run.want_articles(ids[:KEY_BATCH])
    assert reads(sandbox, "/v2/articles") == pages


def test_a_refused_filter_reads_the_whole_list(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    run = company(connection)
    run.articles.want(  # a lambda on a list the sandbox does not take: it answers 400
        "Barcodes",
        ["8712345010016"],
        odata_literal,
        condition="{field}/any(b: b/Barcode eq {value})",
    )
    assert run.articles.complete
    assert len(run.articles.by_id) == len(sandbox.store["articles"].all())


def test_email_lookup_finds_an_address_stored_with_spaces_and_capitals(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    found = company(connection).customers_with_email("JAN@bakkerijvandam.nl ")
    assert [c["EmailAddress"] for c in found] == ["Jan@BakkerijVanDam.nl"]
    assert reads(sandbox, "/v2/customers") == 1


def test_a_unit_added_after_the_list_was_kept_is_found_by_reading_it_again(
    connection: Connection, sandbox: EAccountingSandbox
) -> None:
    run = company(connection)
    assert run.unit_id("st")
    sandbox.store["units"].insert(
        {**sandbox.store["units"].all()[0], "Id": str(uuid.uuid4()), "Code": "DOOS", "Name": "doos"}
    )
    assert run.unit_id("doos") and reads(sandbox, "/v2/units") == 2
    with pytest.raises(ValidationError, match="no unit 'kist'"):
        run.unit_id("kist")
    assert reads(sandbox, "/v2/units") == 2  # read again once a run, not per miss


def test_reference_lists_and_settings_are_kept_in_the_state_store(
    tmp_path: Any, connection: Connection, sandbox: EAccountingSandbox
) -> None:
    from koppel.state import open_state

    store = open_state(str(tmp_path / "state.sqlite3"))
    try:
        for _ in range(2):  # two runs
            connection.state = store
            connection.cache.clear()
            run = company(connection)
            run.unit_id("st")
            run.company_settings()
        assert reads(sandbox, "/v2/units") == 1
        assert reads(sandbox, "/v2/companysettings") == 1
    finally:
        connection.state = None
        store.close()
