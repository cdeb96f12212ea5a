"""The Heimdall API client: login, ``q``-paged lists, lookups in batches, writes.

Built on :mod:`koppel.http`: one ``httpx.Client`` per connection and run with
:class:`~koppel_exact_bouw.auth.LoginAuth`, retries, a gentle rate limit and redacted
request logs. Errors become koppel errors carrying the API's ``message``
(:func:`koppel.http.raise_for_status`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from koppel.errors import ConfigurationError, TransientError, UncertainOutcomeError
from koppel.http import RateLimit, raise_for_status
from koppel_exact_bouw import facts, hql
from koppel_exact_bouw.auth import LoginAuth

if TYPE_CHECKING:
    from koppel.connector import Session
    from koppel_exact_bouw.settings import ExactBouwSettings

__all__ = ["CALLS_PER_MINUTE", "LOOKUP_BATCH", "SYSTEM", "ExactBouwClient"]

SYSTEM = "exact-bouw"
#: Bouw7 publishes no rate limit; the plugin stays gentle (ASSUMED).
CALLS_PER_MINUTE = 300
#: Values in one ``IN (...)`` of a lookup.
LOOKUP_BATCH = 50
#: Lists are read oldest change first, ties by id, so a cursor never skips a record.
ORDER = ("updatedAt", "id")
Row = dict[str, Any]


class ExactBouwClient:
    """Calls to one Exact Online Bouw organisation.

    :raises ConfigurationError: when ``page_size`` is outside 1 to ``MAX_PAGE_SIZE``.
    """

    def __init__(self, session: Session) -> None:
        settings: ExactBouwSettings = session.settings
        name = session.connection.name
        if not 1 <= settings.page_size <= facts.MAX_PAGE_SIZE:
            raise ConfigurationError(
                f"page_size must be 1 to {facts.MAX_PAGE_SIZE}, not {settings.page_size}",
                connection=name,
                path=f"connections.{name}.settings.page_size",
            )
        self.page_size = settings.page_size
        base = settings.base_url.rstrip("/")
        login = base + facts.LOGIN_PATH.format(app=settings.application)
        self.http = session.http(
            base_url=base + "/",
            tenant=name,
            auth=LoginAuth(login, settings.api_key, session.clock),
            rate_limit=RateLimit(per_minute=CALLS_PER_MINUTE),
        )

    def rows(
        self, listed: facts.ListEndpoint, conditions: Sequence[str] = (), *, entity: str = ""
    ) -> Iterator[Row]:
        """Every row of ``listed`` meeting ``conditions``, oldest change first, page by page.

        Each page asks from the newest ``updatedAt`` read so far, skipping the rows of that
        moment already read: a row that changes during the read moves to the end and is
        read again there, instead of pushing an unread row back onto a page already read.

        :raises TransientError: when the answer is not the list envelope.
        """
        newest: str | None = None
        seen = 0  # rows read whose updatedAt is ``newest``
        while True:
            since = [hql.condition(listed.changed, ">=", newest)] if newest else []
            q = hql.query([*conditions, *since], ORDER, self.page_size, seen)
            response = self.http.get(listed.path.lstrip("/"), params={"q": q})
            raise_for_status(response, entity=entity or None)
            items, count = _envelope(response.json(), listed.path)
            start = seen
            for item in items:
                yield item
                stamp = item.get(listed.changed) if isinstance(item, dict) else None
                if isinstance(stamp, str) and stamp != newest:
                    newest, seen = stamp, 1
                else:
                    seen += 1
            if not items or start + len(items) >= count:
                return

    def changed(
        self,
        listed: facts.ListEndpoint,
        since: str | None,
        conditions: Sequence[str] = (),
        *,
        entity: str = "",
    ) -> Iterator[Row]:
        """Rows meeting ``conditions`` changed at or after ``since`` (all without it)."""
        after = [hql.condition(listed.changed, ">=", since)] if since else []
        return self.rows(listed, [*conditions, *after], entity=entity)

    def count(self, listed: facts.ListEndpoint, *, entity: str = "") -> int:
        """How many rows ``listed`` holds, read with a page of one row."""
        q = hql.query([], ORDER, 1)
        response = self.http.get(listed.path.lstrip("/"), params={"q": q})
        raise_for_status(response, entity=entity or None)
        return _envelope(response.json(), listed.path)[1]

    def lookup(
        self,
        listed: facts.ListEndpoint,
        field: str,
        values: Sequence[Any],
        *,
        also: Sequence[str] = (),
        batch: int = LOOKUP_BATCH,
        entity: str = "",
    ) -> Iterator[Row]:
        """Rows whose ``field`` holds one of ``values`` (and ``also``), ``batch`` values a
        query."""
        unique = list(dict.fromkeys(values))
        for start in range(0, len(unique), batch):
            chunk = unique[start : start + batch]
            yield from self.rows(listed, [hql.condition(field, "IN", chunk), *also], entity=entity)

    def get(self, path: str, *, entity: str = "") -> Any:
        """The JSON answer of ``GET path``."""
        response = self.http.get(path.lstrip("/"))
        raise_for_status(response, entity=entity or None)
        return response.json()

    def post(self, path: str, body: Mapping[str, Any], **context: Any) -> Row:
        """``POST`` ``body`` (Heimdall creates, or updates when it holds an ``id``).

        :raises UncertainOutcomeError: when the answer holds no ``id``.
        """
        response = self.http.post(
            path.lstrip("/"),
            content=json.dumps(dict(body), default=_json),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        raise_for_status(response, **context)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or answer.get("id") in (None, ""):
            raise UncertainOutcomeError(f"the answer to POST {path} holds no id", **context)
        return answer

    def delete(self, path: str, body: Mapping[str, Any], **context: Any) -> None:
        """``DELETE path`` with ``body`` (Heimdall names the record in the body)."""
        response = self.http.request(
            "DELETE",
            path.lstrip("/"),
            content=json.dumps(dict(body), default=_json),
            headers={"Content-Type": "application/json"},
        )
        raise_for_status(response, **context)


def _envelope(data: Any, path: str) -> tuple[list[Row], int]:
    items = data.get("items") if isinstance(data, dict) else None
    count = data.get("count") if isinstance(data, dict) else None
    if not isinstance(items, list) or not isinstance(count, int) or isinstance(count, bool):
        raise TransientError(
            f"GET {path} answered no list envelope {{items, count, limit, offset}}", path=path
        )
    return items, count


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
