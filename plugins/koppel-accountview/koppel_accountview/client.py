"""The AccountView.net REST client: OAuth2, the ``X-Company`` header, the data endpoint.

::

    client = AccountViewClient.from_connection(connection)
    for row in client.rows(ARTICLES, filters=[Filter("AG_CODE", "WEBSHOP")]):
        ...
    stored = client.write(DEBTORS, {"SUB_NR": "10001", "ACCT_NAME": "Jansen BV"})

Reads page with ``PageSize`` / ``PageNumber`` and stop at the first short
page (AccountView.net sends no paging metadata). Error bodies
``{"ErrorType", "ErrorNumbers", "ErrorMessage"}`` become koppel errors carrying
``ErrorMessage``; a 200 answer with a non-empty ``ErrorMessage`` is a refusal too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import httpx

from koppel.errors import (
    AuthError,
    ConfigurationError,
    KoppelError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from koppel.http import (
    SYSTEM_CLOCK,
    OAuth2Auth,
    OAuth2Config,
    build_client,
    message_at,
    parse_retry_after,
    raise_for_status,
)
from koppel.records import to_datetime
from koppel.sync import Connection
from koppel_accountview import schema
from koppel_accountview.schema import Table
from koppel_accountview.wire import build_write, read_rows

__all__ = ["AccountViewClient", "Filter", "oauth_config"]

#: Key in ``Connection.cache`` under which the run's client is kept.
CLIENT_CACHE_KEY = "accountview.client"
#: The message of an error body ``{"ErrorType", "ErrorNumbers", "ErrorMessage"}``.
ERROR_MESSAGE = message_at(schema.ERROR_MESSAGE_KEY)


@attrs.frozen
class Filter:
    """One ``FilterControlSource{n}`` / ``FilterOperator{n}`` / ``FilterValue{n}`` condition.

    ``values`` with more than one value is sent as a list (``FilterIsListOfValues``).
    """

    field: str
    values: str | Sequence[str]
    operator: str = "Equal"
    type: str = "C"

    def params(self, n: int) -> dict[str, str]:
        """The query parameters of this condition as the ``n``-th filter."""
        values = [self.values] if isinstance(self.values, str) else list(self.values)
        return {
            f"FilterControlSource{n}": self.field,
            f"FilterOperator{n}": self.operator,
            f"FilterValueType{n}": self.type,
            f"FilterValue{n}": ",".join(values),
            f"FilterIsListOfValues{n}": "true" if len(values) > 1 else "false",
        }


def foxpro_datetime(value: str | datetime) -> str:
    """A date-time as a FoxPro literal for ``FilterValue`` (``{^2024-05-01 10:00:00}``)."""
    moment = to_datetime(value).astimezone(UTC)
    return "{^" + moment.strftime("%Y-%m-%d %H:%M:%S") + "}"


def _setting(connection: Connection, name: str, *, required: bool = True) -> Any:
    value = connection.settings.get(name)
    if required and (value is None or value == ""):
        raise ConfigurationError(
            f"the AccountView connection needs the setting {name!r}",
            connection=connection.name,
            field=f"settings.{name}",
        )
    return value


def base_url(connection: Connection) -> str:
    """The API root for ``connection``: ``settings.base_url``, or the test or live host."""
    explicit = connection.settings.get("base_url")
    if explicit:
        return str(explicit).rstrip("/")
    return schema.TEST_API_BASE if connection.settings.get("test") else schema.API_BASE


def oauth_config(connection: Connection) -> OAuth2Config:
    """The OAuth2 registration of ``connection`` (for ``koppel auth`` and the client)."""
    root = base_url(connection)
    return OAuth2Config(
        authorize_url=str(connection.settings.get("authorize_url") or schema.AUTHORIZE_URL),
        token_url=f"{root}/{schema.TOKEN_PATH}",
        client_id=str(_setting(connection, "client_id")),
        client_secret=connection.secrets.get("client_secret"),
        redirect_uri=connection.settings.get("redirect_uri"),
    )


def check_response(response: httpx.Response, **context: Any) -> Any:
    """The JSON body of a successful answer; otherwise the matching koppel error.

    AccountView.net's ``ErrorMessage`` is the message; statuses map as in
    :func:`koppel.http.raise_for_status` (401/403 auth, 429 rate limit, 5xx
    transient, other 4xx a refused record).
    """
    response.read()
    try:
        body = json.loads(response.content, parse_float=Decimal) if response.content else None
    except ValueError as exc:
        if response.is_success:
            raise TransientError(
                f"AccountView answered something that is not JSON: {exc}",
                path=response.request.url.path,
            ) from exc
        body = None
    message = body.get(schema.ERROR_MESSAGE_KEY) if isinstance(body, Mapping) else None
    if isinstance(message, str) and message.strip():
        where = {"status": response.status_code, "path": response.request.url.path, **context}
        status = response.status_code
        error: KoppelError
        if status in (401, 403):
            error = AuthError(f"access refused by AccountView: {message}", **where)
        elif status == 429:
            retry = parse_retry_after(response.headers.get("retry-after"), now=time.time())
            error = RateLimitedError(f"rate limited: {message}", retry_after=retry, **where)
        elif status >= 500:
            error = TransientError(f"AccountView server error: {message}", **where)
        else:
            error = RejectedError(message.strip(), **where)
        raise error
    raise_for_status(response, **context)
    return body


class AccountViewClient:
    """Talks to one administration (*onderneming*) of AccountView.net.

    :param http: a client from :func:`koppel.http.build_client` with the auth set.
    :param page_size: rows per read request.
    """

    def __init__(self, http: httpx.Client, *, page_size: int = schema.PAGE_SIZE) -> None:
        self.http = http
        self.page_size = page_size

    @classmethod
    def from_connection(cls, connection: Connection) -> AccountViewClient:
        """The client for ``connection``, built once per run and kept in its cache."""
        cached = connection.cache.get(CLIENT_CACHE_KEY)
        if isinstance(cached, AccountViewClient):
            return cached
        company = str(_setting(connection, "company"))
        if connection.token_store is None:
            raise AuthError(
                f"no OAuth token store for AccountView; run `koppel auth {connection.name}`",
                connection=connection.name,
            )
        config = oauth_config(connection)
        token_client = httpx.Client(transport=connection.transport, timeout=30.0)
        clock = connection.clock or SYSTEM_CLOCK
        auth = OAuth2Auth(
            config, connection.token_store, connection.name, token_client=token_client, clock=clock
        )
        http = build_client(
            system="accountview",
            base_url=base_url(connection) + "/",
            tenant=company,
            auth=auth,
            transport=connection.transport,
            headers={schema.COMPANY_HEADER: company},
            error_message=ERROR_MESSAGE,
            clock=clock,
        )
        page_size = int(connection.settings.get("page_size") or schema.PAGE_SIZE)
        client = cls(http, page_size=page_size)
        connection.cache[CLIENT_CACHE_KEY] = client
        return client

    def companies(self) -> list[dict[str, Any]]:
        """The administrations the authorised user may reach (each with its ``Id``)."""
        body = check_response(self.http.get(schema.COMPANIES_PATH))
        if not isinstance(body, list):
            raise TransientError("AccountView's company list is not a list")
        return body

    def rows(
        self,
        table: Table,
        *,
        fields: Sequence[str] | None = None,
        filters: Sequence[Filter] = (),
        sort: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Read the rows of ``table``'s business object, page by page.

        :param fields: the fields to read (``table.FIELD``); all when None.
        :param filters: conditions, combined with AND.
        :param sort: the field to sort on (ascending unless ``descending``).
        :param limit: stop after this many rows.
        """
        params: dict[str, str] = {"BusinessObject": table.business_object}
        if fields:
            params["Fields"] = ",".join(f"{table.name.lower()}.{name.lower()}" for name in fields)
        for n, condition in enumerate(filters, start=1):
            params.update(condition.params(n))
        if sort:
            params["SortFields"] = sort
            params["SortOrder"] = "Descending" if descending else "Ascending"
        size = min(self.page_size, limit) if limit else self.page_size
        page, seen = 1, 0
        while True:
            query = {**params, "PageSize": str(size), "PageNumber": str(page)}
            body = check_response(self.http.get(schema.DATA_PATH, params=query))
            found = read_rows(body, table)
            for row in found:
                yield row
                seen += 1
                if limit is not None and seen >= limit:
                    return
            if len(found) < size:
                return
            page += 1

    def write(
        self,
        table: Table,
        header: Mapping[str, Any],
        lines: Sequence[Mapping[str, Any]] = (),
        *,
        book_date: datetime | None = None,
        record: str | None = None,
    ) -> dict[str, Any]:
        """Write one row of ``table`` (with detail ``lines``); return the row as stored.

        :param record: the source record's id, for error context.
        :raises RejectedError: with AccountView's ``ErrorMessage`` when it refuses the row.
        """
        body = build_write(table, header, lines, book_date=book_date or datetime.now(UTC))
        response = self.http.post(schema.DATA_PATH, content=json.dumps(body), headers=_JSON)
        answer = check_response(response, record=record, entity=table.business_object)
        stored = read_rows(answer, table) if isinstance(answer, Mapping) else []
        return stored[0] if stored else dict(header)


_JSON = {"Content-Type": "application/json; charset=utf-8"}
