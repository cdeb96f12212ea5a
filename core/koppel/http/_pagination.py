"""Reading every page of a list endpoint, in the styles the supported APIs use.

Each helper yields the items of every page lazily and raises a
:class:`~koppel.errors.KoppelError` subclass for an error response (see
:func:`raise_for_status`). A next-page link or token seen twice stops with a
:class:`TransientError` instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from koppel.errors import TransientError
from koppel.http._errors import raise_for_status

__all__ = ["limit_offset_pages", "odata_pages", "page_number_pages", "skip_take_pages"]

Params = Mapping[str, Any]


def _get_json(client: httpx.Client, url: str, params: Params | None) -> Any:
    response = raise_for_status(client.get(url, params=params))
    try:
        return response.json()
    except ValueError as exc:
        raise TransientError(
            f"the API answered a page that is not JSON: {exc}", path=response.request.url.path
        ) from exc


def _shape_error(what: str, url: str) -> TransientError:
    return TransientError(f"unexpected page shape: {what}", path=url)


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
                path=following,
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
    while True:
        data = _get_json(client, url, {**(params or {}), skip_param: skip, take_param: take})
        rows = data.get(rows_key) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise _shape_error(f"no {rows_key!r} list", url)
        yield from rows
        if len(rows) < take:
            return
        skip += take


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
    while True:
        query = {**(params or {}), page_param: page, size_param: page_size}
        data = _get_json(client, url, query)
        items = data.get(data_key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _shape_error(f"no {data_key!r} list", url)
        yield from items
        meta = data.get(meta_key) or {}
        total = meta.get(total_pages_key) if isinstance(meta, dict) else None
        if total is None:
            if len(items) < page_size:
                return
        elif page - first_page + 1 >= int(total):
            return
        if not items:
            return
        page += 1


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
    """limit/offset with a total count (Bouw7): ``{"items": [...], "count": n, ...}``."""
    offset = 0
    while True:
        query = {**(params or {}), limit_param: limit, offset_param: offset}
        data = _get_json(client, url, query)
        items = data.get(items_key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise _shape_error(f"no {items_key!r} list", url)
        yield from items
        offset += len(items)
        count = data.get(count_key)
        if not items or (count is not None and offset >= int(count)) or len(items) < limit:
            return
