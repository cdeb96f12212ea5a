"""The AFAS Profit REST client: environments, the AfasToken header, GetConnector paging,
UpdateConnector writes and AFAS's error answers.

Built on :mod:`koppel.http`: one ``httpx.Client`` per connection and run with the
``Authorization: AfasToken <base64 of the XML token>`` header, retries, and the
connection's own ``calls_per_minute`` and ``concurrency`` (AFAS publishes no rate
limit and allows 8 parallel calls). An error answer ``{"externalMessage",
"errorNumber", "profitLogReference"}`` becomes a koppel error whose message keeps
both the message for the user and the log-book reference the AFAS administrator
looks it up by; a 500 on a write is a refusal of that record (AFAS validates the
content and answers 500), parked, never sent again.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs
import httpx

from koppel.errors import (
    ConfigurationError,
    KoppelError,
    RejectedError,
    RetriableError,
    TransientError,
)
from koppel.http import HeaderAuth, RateLimit, raise_for_status
from koppel_afas.facts import ENVIRONMENTS, GETCONNECTOR_REFUSALS, MAX_QUERY_LENGTH

if TYPE_CHECKING:
    from koppel.connector import Session
    from koppel_afas.settings import AfasSettings

__all__ = [
    "SYSTEM",
    "AfasClient",
    "Filter",
    "authorization",
    "error_message",
    "filter_query",
    "root_url",
]

SYSTEM = "afas"
_WRITES = frozenset({"POST", "PUT", "DELETE"})


def root_url(settings: AfasSettings) -> str:
    """``https://{participant}.{rest|resttest|restaccept}.afas.online/ProfitRestServices/``,
    or the connection's ``base_url``."""
    if settings.base_url:
        return settings.base_url.rstrip("/") + "/"
    host = ENVIRONMENTS[settings.environment]
    return f"https://{settings.participant.strip()}.{host}.afas.online/ProfitRestServices/"


def authorization(token: str) -> str:
    """The ``Authorization`` header value: ``AfasToken`` and the base64 of the XML token.

    ``token`` is the whole token as Profit shows it, or only what is between its
    ``<data>`` tags.

    :raises ConfigurationError: when the token is empty.
    """
    text = token.strip()
    if not text:
        raise ConfigurationError("the AFAS token is empty", field="token")
    if not text.startswith("<token>"):
        text = f"<token><version>1</version><data>{text}</data></token>"
    return "AfasToken " + base64.b64encode(text.encode("utf-8")).decode("ascii")


def error_message(response: httpx.Response) -> str | None:
    """AFAS's message of an error answer, with its log-book reference:
    ``The entered value for 'Employee' does not exist. (Profit log reference B821...)``."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, Mapping) or not isinstance(body.get("externalMessage"), str):
        return None
    message = str(body["externalMessage"]).strip()
    reference = body.get("profitLogReference")
    if reference:
        message = f"{message} (Profit log reference {reference})"
    return message


@attrs.frozen
class Filter:
    """One condition of a GetConnector call: ``field`` (the customer's field id),
    ``operator`` (facts.OPERATORS: 1 is =, 2 is >=) and ``value``."""

    field: str
    operator: int
    value: str


def filter_query(groups: Sequence[Sequence[Filter]]) -> dict[str, str]:
    """The ``filterfieldids``/``filtervalues``/``operatortypes`` of ``groups``: the
    conditions in a group all hold (``,``), any group will do (``;``)."""
    if not groups:
        return {}
    parts: dict[str, list[str]] = {"filterfieldids": [], "filtervalues": [], "operatortypes": []}
    for group in groups:
        parts["filterfieldids"].append(",".join(f.field for f in group))
        parts["filtervalues"].append(",".join(f.value for f in group))
        parts["operatortypes"].append(",".join(str(f.operator) for f in group))
    return {name: ";".join(values) for name, values in parts.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class AfasClient:
    """Calls to one AFAS Profit environment.

    Built once per connection and run from its session (``session.http`` hands in
    the transport and clock; core closes it). The settings check their own ranges.
    """

    def __init__(self, session: Session) -> None:
        settings: AfasSettings = session.settings
        self.page_size = settings.page_size
        self._slots = threading.BoundedSemaphore(settings.concurrency)
        self.http = session.http(
            base_url=root_url(settings),
            tenant=settings.participant,
            auth=HeaderAuth({"Authorization": authorization(settings.token)}),
            rate_limit=RateLimit(per_minute=settings.calls_per_minute, headers=None),
            error_message=error_message,
            headers={"Accept": "application/json"},
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        context = kwargs.pop("context", None) or {}
        with self._slots:
            response = self.http.request(method, path, **kwargs)
        check(response, **context)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(
                f"AFAS answered {method} {path} with a body that is not JSON", path=path
            ) from exc

    # -- GetConnectors ------------------------------------------------------------------

    def page(
        self,
        connector: str,
        *,
        filters: Sequence[Sequence[Filter]] = (),
        order_by: Sequence[str] = (),
        skip: int = 0,
    ) -> list[Any]:
        """One page (``page_size`` rows from ``skip`` on) of GetConnector ``connector`` in
        ``order_by`` (field ids; ``-`` before one sorts it descending).

        :raises ConfigurationError: when the query is longer than AFAS takes.
        :raises TransientError: when the answer has no ``rows`` list.
        """
        params: dict[str, Any] = {**filter_query(filters)}
        if order_by:
            params["orderbyfieldids"] = ",".join(order_by)
        params.update(skip=skip, take=self.page_size)
        if len("?" + urlencode(params)) > MAX_QUERY_LENGTH:
            raise ConfigurationError(
                f"the call to GetConnector {connector} is longer than the "
                f"{MAX_QUERY_LENGTH} characters AFAS takes",
                path=f"connectors/{connector}",
            )
        answer = self._send("GET", f"connectors/{connector}", params=params)
        rows = answer.get("rows") if isinstance(answer, Mapping) else None
        if not isinstance(rows, list):
            raise TransientError(
                f"AFAS answered GetConnector {connector} without its rows", skip=skip
            )
        return rows

    def rows(
        self,
        connector: str,
        *,
        filters: Sequence[Sequence[Filter]] = (),
        order_by: Sequence[str] = (),
    ) -> Iterator[Any]:
        """Every row of GetConnector ``connector``, a page at a time, in ``order_by`` (which
        AFAS asks of every paged read: without it pages may overlap or miss rows)."""
        skip = 0
        while True:
            rows = self.page(connector, filters=filters, order_by=order_by, skip=skip)
            yield from rows
            if len(rows) < self.page_size:
                return
            skip += self.page_size

    def get_fields(self, connector: str) -> list[dict[str, Any]]:
        """The fields of GetConnector ``connector`` (``metainfo/get``)."""
        info = self._send("GET", f"metainfo/get/{connector}")
        fields = info.get("fields") if isinstance(info, Mapping) else None
        if not isinstance(fields, list):
            raise TransientError(f"AFAS answered the metainfo of {connector} without fields")
        return [dict(f) for f in fields if isinstance(f, Mapping)]

    def update_metainfo(self, connector: str) -> dict[str, Any]:
        """What AFAS says of UpdateConnector ``connector`` (``metainfo/update``).

        :raises ConfigurationError: when AFAS does not know it or this token may not use it.
        """
        try:
            info = self._send("GET", f"metainfo/update/{connector}")
        except (RejectedError, RetriableError) as exc:  # AFAS answers a refusal with a 500
            raise ConfigurationError(
                f"AFAS refuses UpdateConnector {connector}: {exc.message}; check the app "
                "connector in Profit",
                system=SYSTEM,
            ) from exc
        if not isinstance(info, Mapping):
            raise TransientError(f"AFAS answered the metainfo of {connector} with no object")
        return dict(info)

    # -- UpdateConnectors ---------------------------------------------------------------

    def insert(
        self, connector: str, body: Mapping[str, Any], *, context: Mapping[str, Any]
    ) -> dict[str, Any]:
        """POST (insert) ``body`` to UpdateConnector ``connector``; its ``results``
        (the new record's keys, by object)."""
        return self._results(
            self._send("POST", f"connectors/{connector}", json=_plain(body), context=context)
        )

    def update(
        self, connector: str, body: Mapping[str, Any], *, context: Mapping[str, Any]
    ) -> dict[str, Any]:
        """PUT (update) ``body`` on UpdateConnector ``connector``; its ``results``."""
        return self._results(
            self._send("PUT", f"connectors/{connector}", json=_plain(body), context=context)
        )

    @staticmethod
    def _results(answer: Any) -> dict[str, Any]:
        results = answer.get("results") if isinstance(answer, Mapping) else None
        return dict(results) if isinstance(results, Mapping) else {}


def check(response: httpx.Response, **context: Any) -> httpx.Response:
    """``response`` when it succeeded; else the koppel error with AFAS's message.

    A 500 answer to a write is AFAS refusing the record's content
    (:class:`RejectedError`); one to a GetConnector call naming a missing field, a
    GetConnector the app may not use or a blocked one is a :class:`ConfigurationError`.
    The error's context carries ``profit_log_reference`` and ``error_number`` from the body.
    """
    if response.is_success:
        return response
    response.read()
    extra: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        extra = {
            k: v
            for k, v in (
                ("profit_log_reference", body.get("profitLogReference")),
                ("error_number", body.get("errorNumber")),
            )
            if v is not None
        }
    message = error_message(response)
    if response.status_code == 500 and message:
        if response.request.method in _WRITES:
            raise RejectedError(message, status=500, **context, **extra)
        if message.startswith(GETCONNECTOR_REFUSALS):
            raise ConfigurationError(
                f"{message}: check the connection's GetConnector settings and the app "
                "connector in Profit",
                path=response.request.url.path,
                **context,
                **extra,
            )
    try:
        raise_for_status(response, **context)
    except KoppelError as exc:
        exc.with_context(**extra)
        raise
    return response
