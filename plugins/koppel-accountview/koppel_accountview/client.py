"""The AccountView.net REST client: OAuth2, the ``X-Company`` header, the data endpoint.

koppel builds one per connection and run from its session (``session.client``)
and closes it when the run ends::

    for row in client.rows(ARTICLES, filters=[Filter("AG_CODE", "WEBSHOP")]):
        ...
    stored = client.write(DEBTORS, {"SUB_NR": "10001", "ACCT_NAME": "Jansen BV"})
    client.write(DEBTORS, {"SUB_NR": "10001", "CITY": "Utrecht"}, update="10001")

Reads page with ``PageSize`` / ``PageNumber`` and stop at the first short
page (AccountView.net sends no paging metadata). Error bodies
``{"ErrorType", "ErrorNumbers", "ErrorMessage"}`` become koppel errors carrying
``ErrorMessage``; a 200 answer with a non-empty ``ErrorMessage`` is a refusal too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import httpx

from koppel.connector import Session
from koppel.errors import RejectedError, TransientError
from koppel.http import OAuth2Config, message_at, raise_for_status
from koppel.records import to_datetime
from koppel.sync import Ambiguous, TargetRecord, one_match
from koppel_accountview import schema
from koppel_accountview.schema import Table
from koppel_accountview.settings import AccountViewSettings
from koppel_accountview.wire import build_write, read_rows

__all__ = ["AccountViewClient", "Filter", "key_rank", "oauth"]

#: The message of an error body ``{"ErrorType", "ErrorNumbers", "ErrorMessage"}``.
ERROR_MESSAGE = message_at(schema.ERROR_MESSAGE_KEY)
#: How many match values go into one list filter.
BATCH = 50


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


def key_rank(key: str) -> tuple[int, int, str]:
    """How records sharing a match-key value are ordered, best first: the lowest (oldest)
    key, numeric keys by value (``"9"`` before ``"10"``), then the others as text."""
    text = key.strip()
    return (0, int(text), text) if text.isdigit() else (1, 0, text)


def foxpro_datetime(value: str | datetime) -> str:
    """A date-time as a FoxPro literal for ``FilterValue`` (``{^2024-05-01 10:00:00}``)."""
    moment = to_datetime(value).astimezone(UTC)
    return "{^" + moment.strftime("%Y-%m-%d %H:%M:%S") + "}"


def oauth(session: Session) -> OAuth2Config:
    """The OAuth2 registration of the session's connection (for ``koppel auth`` and the client)."""
    settings: AccountViewSettings = session.settings
    return session.oauth_app(
        authorize_url=settings.authorize_url,
        token_url=f"{settings.api_root}/{schema.TOKEN_PATH}",
        scope=schema.SCOPES,
    )


def check_response(response: httpx.Response, **context: Any) -> Any:
    """The JSON body of a successful answer; otherwise the matching koppel error.

    Statuses map as :func:`koppel.http.raise_for_status` maps them, with
    AccountView.net's ``ErrorMessage`` as the message; a success that carries
    an ``ErrorMessage`` is a refused record too.
    """
    response.read()
    raise_for_status(response, **context)
    try:
        body = json.loads(response.content, parse_float=Decimal) if response.content else None
    except ValueError as exc:
        raise TransientError(
            f"AccountView answered something that is not JSON: {exc}",
            path=response.request.url.path,
        ) from exc
    message = ERROR_MESSAGE(response)
    if message:
        where = {"status": response.status_code, "path": response.request.url.path}
        raise RejectedError(message, **where, **context)
    return body


class AccountViewClient:
    """Talks to one administration (*onderneming*) of AccountView.net, with the
    connection's OAuth2 token and its company in ``X-Company``."""

    def __init__(self, session: Session) -> None:
        settings: AccountViewSettings = session.settings
        self.page_size = settings.page_size
        self.clock = session.clock
        self.http = session.http(
            base_url=settings.api_root + "/",
            tenant=settings.company,
            headers={schema.COMPANY_HEADER: settings.company},
            error_message=ERROR_MESSAGE,
        )

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
    ) -> Iterator[dict[str, Any]]:
        """Read the rows of ``table``'s business object, page by page.

        :param fields: the fields to read (``table.FIELD``); all when None.
        :param filters: conditions, combined with AND.
        :param sort: the field to sort on, ascending.
        """
        params: dict[str, str] = {"BusinessObject": table.business_object}
        if fields:
            params["Fields"] = ",".join(f"{table.name.lower()}.{name.lower()}" for name in fields)
        for n, condition in enumerate(filters, start=1):
            params.update(condition.params(n))
        if sort:
            params["SortFields"] = sort
            params["SortOrder"] = "Ascending"
        page = 1
        while True:
            query = {**params, "PageSize": str(self.page_size), "PageNumber": str(page)}
            found = read_rows(check_response(self.http.get(schema.DATA_PATH, params=query)), table)
            yield from found
            if len(found) < self.page_size:
                return
            page += 1

    def find(
        self, table: Table, field: str, values: Sequence[str]
    ) -> dict[str, TargetRecord | Ambiguous]:
        """The rows of ``table`` whose ``field`` is one of ``values``, by value, read in
        batches; a value several rows share is :class:`~koppel.sync.Ambiguous`, lowest
        key first (:func:`key_rank`)."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(values), BATCH):
            chunk = list(values[start : start + BATCH])
            for row in self.rows(table, filters=[Filter(field, chunk)]):
                value = str(row.get(field) or "").strip()
                if value in chunk:
                    rows.setdefault(value, []).append(row)
        found: dict[str, TargetRecord | Ambiguous] = {}
        for value, shared in rows.items():
            shared.sort(key=lambda row: key_rank(str(row[table.key])))
            match = one_match(TargetRecord(id=str(row[table.key]), data=row) for row in shared)
            if match is not None:
                found[value] = match
        return found

    def write(
        self,
        table: Table,
        header: Mapping[str, Any],
        lines: Sequence[Mapping[str, Any]] = (),
        *,
        update: str | None = None,
        book_date: datetime | None = None,
        record: str | None = None,
    ) -> dict[str, Any]:
        """Create one row of ``table`` (with detail ``lines``), or update the row whose key
        is ``update``; return the row as stored.

        A create is a POST of the write envelope; an update a PUT of the same envelope
        with the row's key as its ``id`` (:data:`schema.UPDATE_METHOD`).

        :param update: the key of the existing row to update (None: create).
        :param record: the source record's id, for error context.
        :raises RejectedError: with AccountView's ``ErrorMessage`` when it refuses the row.
        :raises RejectedError: also for an update of a business object that takes none,
            before anything is sent.
        """
        when = book_date or datetime.fromtimestamp(self.clock.now(), UTC)
        body = build_write(table, header, lines, book_date=when)
        if update is None:
            response = self.http.post(schema.DATA_PATH, content=json.dumps(body), headers=_JSON)
        else:
            if table.business_object not in schema.UPDATABLE:
                raise RejectedError(
                    f"AccountView takes no update of {table.business_object} "
                    f"({table.name}); only of {', '.join(sorted(schema.UPDATABLE))}",
                    record=record,
                    entity=table.business_object,
                )
            body[schema.UPDATE_ID] = update
            response = self.http.put(schema.DATA_PATH, content=json.dumps(body), headers=_JSON)
        answer = check_response(response, record=record, entity=table.business_object)
        stored = read_rows(answer, table) if isinstance(answer, Mapping) else []
        return stored[0] if stored else dict(header)


_JSON = {"Content-Type": "application/json; charset=utf-8"}
