"""Reading every page of a list endpoint, in the styles the supported APIs use.

Each helper yields the items of every page lazily and raises a
:class:`~koppel.errors.KoppelError` subclass for an error response (see
:func:`raise_for_status`). A next-page link seen twice, or the same page
answered twice, stops with a :class:`TransientError` instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from koppel.errors import TransientError
from koppel.http._errors import raise_for_status
from koppel.http._json import json_body
from koppel.http._logging import redacted_target

__all__ = ["limit_offset_pages", "odata_pages", "page_number_pages", "skip_take_pages"]

Params = Mapping[str, Any]


def _get_json(client: httpx.Client, url: str, params: Params | None) -> Any:
    response = raise_for_status(client.get(url, params=params))
    try:
        return json_body(response)
    except ValueError as exc:
        raise TransientError(
            f"the API answered a page that is not JSON: {exc}", path=response.request.url.path
        ) from exc


def _where(url: str) -> str:
    """``url`` fit for an error: path and query with credentials redacted."""
    return redacted_target(httpx.URL(url))


def _shape_error(what: str, url: str) -> TransientError:
    return TransientError(f"unexpected page shape: {what}", path=_where(url))


def _list_page(
    client: httpx.Client, url: str, params: Params, key: str
) -> tuple[dict[str, Any], list[Any]]:
    """One page: its whole body and the list under ``key``."""
    data = _get_json(client, url, params)
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise _shape_error(f"no {key!r} list", url)
    return data, items


def _number(data: dict[str, Any], key: str, url: str) -> int | None:
    """The whole number the page reports under ``key`` (a total), or None."""
    value = data.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _shape_error(f"{key!r} is {value!r}, not a number", url) from None


def _same_page_again(items: list[Any], previous: list[Any] | None, url: str) -> None:
    """Stop a server that ignores the paging parameters from looping forever."""
    if items and items == previous:
        raise TransientError(
            "the API answered the same page twice; stopping instead of looping",
            path=_where(url),
        )


def odata_pages(
    client: httpx.Client, url: str, params: Params | None = None
) -> Iterator[dict[str, Any]]:
    """OData v2 (Exact Online): ``{"d": {"results": [...], "__next": "<url>"}}``."""
    seen: set[str] = set()
    next_url: str | None = url
    next_params = params
    while next_url:
        data = _get_json(client, next_url, next_params)
        body = data.get("d") if isinstance(data, dict) else None
        if isinstance(body, list):
            yield from body
            return
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise _shape_error("no d.results list", next_url)
        yield from body["results"]
        following = body.get("__next")
        if following and following in seen:
            raise TransientError(
                "the API sent the same __next link twice; stopping instead of looping",
                path=_where(following),
            )
        if following:
            seen.add(following)
        next_url, next_params = following or None, None


def skip_take_pages(
    client: httpx.Client,
    url: str,
    params: Params | None = None,
    *,
    take: int = 100,
    rows_key: str = "rows",
    skip_param: str = "skip",
    take_param: str = "take",
) -> Iterator[dict[str, Any]]:
    """skip/take (AFAS GetConnector): ``{"skip": .., "take": .., "rows": [...]}``.

    Stops at the first page shorter than ``take``.
    """
    skip = 0
    previous: list[Any] | None = None
    while True:
        query = {**(params or {}), skip_param: skip, take_param: take}
        _, rows = _list_page(client, url, query, rows_key)
        _same_page_again(rows, previous, url)
        yield from rows
        if len(rows) < take:
            return
        skip += take
        previous = rows


def page_number_pages(
    client: httpx.Client,
    url: str,
    params: Params | None = None,
    *,
    page_size: int = 100,
    data_key: str = "Data",
    meta_key: str = "Meta",
    total_pages_key: str = "TotalNumberOfPages",
    page_param: str = "$page",
    size_param: str = "$pagesize",
    first_page: int = 1,
) -> Iterator[dict[str, Any]]:
    """page/page size with a meta block (Visma eAccounting):
    ``{"Meta": {"TotalNumberOfPages": n, ...}, "Data": [...]}``."""
    page = first_page
    previous: list[Any] | None = None
    while True:
        query = {**(params or {}), page_param: page, size_param: page_size}
        data, items = _list_page(client, url, query, data_key)
        _same_page_again(items, previous, url)
        yield from items
        meta = data.get(meta_key)
        total = _number(meta, total_pages_key, url) if isinstance(meta, dict) else None
        if not items or (
            len(items) < page_size if total is None else page - first_page + 1 >= total
        ):
            return
        page += 1
        previous = items


def limit_offset_pages(
    client: httpx.Client,
    url: str,
    params: Params | None = None,
    *,
    limit: int = 100,
    items_key: str = "items",
    count_key: str = "count",
    limit_param: str = "limit",
    offset_param: str = "offset",
) -> Iterator[dict[str, Any]]:
    """limit/offset with a total count (Bouw7): ``{"items": [...], "count": n, ...}``.

    Stops when ``count`` items were read (or, without a count, at a short page).
    """
    offset = 0
    previous: list[Any] | None = None
    while True:
        query = {**(params or {}), limit_param: limit, offset_param: offset}
        data, items = _list_page(client, url, query, items_key)
        _same_page_again(items, previous, url)
        yield from items
        offset += len(items)
        # With a count, a short page only means the API caps the page size below ``limit``.
        count = _number(data, count_key, url)
        if not items or (len(items) < limit if count is None else offset >= count):
            return
        previous = items
