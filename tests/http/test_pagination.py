"""Pagination helpers against sandbox list endpoints in each API's style."""

from __future__ import annotations

import httpx
import pytest

from koppel.errors import RejectedError, TransientError
from koppel.http import (
    limit_offset_pages,
    odata_pages,
    page_number_pages,
    skip_take_pages,
)
from koppel.sandbox import Sandbox, SandboxRequest, json_response

ROWS = [{"n": i} for i in range(1, 251)]


@pytest.fixture
def client() -> httpx.Client:
    box = Sandbox("pages")

    @box.route("GET", "/odata")
    def odata(request: SandboxRequest) -> object:
        start = int(request.params.get("$skiptoken", 0))
        body: dict[str, object] = {"results": ROWS[start : start + 60]}
        if start + 60 < len(ROWS):
            body["__next"] = f"{box.base_url}/odata?$skiptoken={start + 60}"
        return {"d": body}

    @box.route("GET", "/odata-loop")
    def odata_loop(request: SandboxRequest) -> object:
        return {"d": {"results": ROWS[:2], "__next": f"{box.base_url}/odata-loop?$skiptoken=1"}}

    @box.route("GET", "/afas")
    def afas(request: SandboxRequest) -> object:
        skip, take = int(request.params["skip"]), int(request.params["take"])
        return {"skip": skip, "take": take, "rows": ROWS[skip : skip + take]}

    @box.route("GET", "/visma")
    def visma(request: SandboxRequest) -> object:
        page, size = int(request.params["$page"]), int(request.params["$pagesize"])
        pages = -(-len(ROWS) // size)
        meta = {"CurrentPage": page, "PageSize": size, "TotalNumberOfPages": pages}
        return {"Meta": meta, "Data": ROWS[(page - 1) * size : page * size]}

    @box.route("GET", "/bouw7")
    def bouw7(request: SandboxRequest) -> object:
        limit, offset = int(request.params["limit"]), int(request.params["offset"])
        items = ROWS[offset : offset + limit]
        return {"items": items, "count": len(ROWS), "limit": limit, "offset": offset}

    box.add_route("GET", "/shape", lambda request: {"rows": []})

    @box.route("GET", "/bouw7-capped")
    def bouw7_capped(request: SandboxRequest) -> object:
        limit, offset = min(int(request.params["limit"]), 30), int(request.params["offset"])
        return {"items": ROWS[offset : offset + limit], "count": len(ROWS)}

    @box.route("GET", "/ignores-skip")
    def ignores_skip(request: SandboxRequest) -> object:
        box.store["calls"].insert({})
        if len(box.store["calls"]) > 20:  # ends the test if the helper never stops
            return json_response({"message": "enough"}, 400)
        return {"rows": ROWS[: int(request.params["take"])]}

    @box.route("GET", "/odata-loop-with-key")
    def odata_loop_with_key(request: SandboxRequest) -> object:
        following = f"{box.base_url}/odata-loop-with-key?apikey=s3cr3t-key&$skiptoken=1"
        return {"d": {"results": ROWS[:2], "__next": following}}

    box.add_route(
        "GET", "/bad-total", lambda request: {"Meta": {"TotalNumberOfPages": "many"}, "Data": []}
    )

    @box.route("GET", "/refused")
    def refused(request: SandboxRequest) -> object:
        return json_response({"title": "Bad Request", "detail": "Filter is invalid"}, 400)

    return httpx.Client(transport=box.transport(), base_url=box.base_url)


def test_pagination_odata_follows_next(client: httpx.Client) -> None:
    assert list(odata_pages(client, "/odata")) == ROWS


def test_pagination_odata_repeated_next_stops(client: httpx.Client) -> None:
    with pytest.raises(TransientError, match="same __next link twice"):
        list(odata_pages(client, "/odata-loop"))


def test_pagination_skip_take(client: httpx.Client) -> None:
    assert list(skip_take_pages(client, "/afas", take=100)) == ROWS
    assert list(skip_take_pages(client, "/afas", take=50)) == ROWS  # exact multiple


def test_pagination_page_pagesize_with_meta(client: httpx.Client) -> None:
    assert list(page_number_pages(client, "/visma", page_size=70)) == ROWS


def test_pagination_limit_offset_with_count(client: httpx.Client) -> None:
    assert list(limit_offset_pages(client, "/bouw7", limit=125)) == ROWS


def test_pagination_error_response_carries_api_message(client: httpx.Client) -> None:
    with pytest.raises(RejectedError, match="Filter is invalid"):
        list(odata_pages(client, "/refused"))


def test_pagination_wrong_shape_is_named(client: httpx.Client) -> None:
    with pytest.raises(TransientError, match="no 'Data' list"):
        list(page_number_pages(client, "/shape"))


def test_pagination_limit_offset_page_capped_by_the_api_reads_everything(
    client: httpx.Client,
) -> None:
    # The API gives 30 at most; the count, not the short page, says when to stop.
    assert list(limit_offset_pages(client, "/bouw7-capped", limit=100)) == ROWS


def test_pagination_api_ignoring_paging_parameters_stops(client: httpx.Client) -> None:
    with pytest.raises(TransientError, match="same page twice"):
        list(skip_take_pages(client, "/ignores-skip", take=10))


def test_pagination_loop_error_redacts_credentials_in_the_link(client: httpx.Client) -> None:
    with pytest.raises(TransientError) as info:
        list(odata_pages(client, "/odata-loop-with-key"))
    assert "s3cr3t-key" not in str(info.value)
    assert "odata-loop-with-key" in str(info.value)


def test_pagination_total_that_is_no_number_is_a_shape_error(client: httpx.Client) -> None:
    with pytest.raises(TransientError, match="'TotalNumberOfPages' is 'many'"):
        list(page_number_pages(client, "/bad-total"))
