"""The EasyParty API client: paged lists, one relation, updates of a relation.

Built on :mod:`koppel.http`: one ``httpx.Client`` per connection and run with the API
key as a bearer token, retries, a rate limit and redacted request logs. Errors become
koppel errors carrying the API's ``error.message`` (:func:`koppel.http.raise_for_status`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from koppel.errors import ConfigurationError, TransientError
from koppel.http import BearerAuth, RateLimit, raise_for_status
from koppel_easyparty import facts

if TYPE_CHECKING:
    from koppel.connector import Session
    from koppel_easyparty.settings import EasyPartySettings

__all__ = ["CALLS_PER_MINUTE", "SYSTEM", "EasyPartyClient"]

SYSTEM = "easyparty"
#: EasyParty publishes no rate limit; the plugin stays gentle (ASSUMED).
CALLS_PER_MINUTE = 120
Row = dict[str, Any]


class EasyPartyClient:
    """Calls to one EasyParty environment.

    :raises ConfigurationError: when ``page_size`` is outside 1 to ``MAX_PAGE_SIZE``.
    """

    def __init__(self, session: Session) -> None:
        settings: EasyPartySettings = session.settings
        name = session.connection.name
        if not 1 <= settings.page_size <= facts.MAX_PAGE_SIZE:
            raise ConfigurationError(
                f"page_size must be 1 to {facts.MAX_PAGE_SIZE}, not {settings.page_size}",
                connection=name,
                path=f"connections.{name}.settings.page_size",
            )
        self.page_size = settings.page_size
        base = settings.base_url.replace("{tenant}", settings.tenant).rstrip("/")
        self.http = session.http(
            base_url=base + "/",
            tenant=name,
            auth=BearerAuth(settings.api_key),
            rate_limit=RateLimit(per_minute=CALLS_PER_MINUTE),
        )

    def rows(
        self, listed: facts.Listed, params: Mapping[str, str], *, entity: str
    ) -> Iterator[Row]:
        """Every row of ``listed`` selected by ``params``, page by page.

        :raises TransientError: when an answer is not the list envelope.
        """
        page = 1
        while True:
            query = {**params, "page": str(page), "per_page": str(self.page_size)}
            response = self.http.get(listed.path.lstrip("/"), params=query)
            raise_for_status(response, entity=entity)
            rows, pages = _envelope(response.json(), listed.path)
            yield from rows
            if page >= pages or not rows:
                return
            page += 1

    def relation(self, relation_id: str, *, entity: str) -> Row | None:
        """Relation ``relation_id``, or None when EasyParty has none of that id."""
        response = self.http.get(f"relations/{relation_id}")
        if response.status_code == 404:
            return None
        raise_for_status(response, entity=entity, record=relation_id)
        answer: Row = response.json()
        return answer

    def update_relation(self, relation_id: str, changes: Mapping[str, Any], *, entity: str) -> Row:
        """``PATCH /relations/{id}`` with ``changes``; the relation as saved."""
        response = self.http.patch(
            f"relations/{relation_id}",
            content=json.dumps(dict(changes)),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        raise_for_status(response, entity=entity, record=relation_id)
        answer: Row = response.json()
        return answer


def _envelope(data: Any, path: str) -> tuple[list[Row], int]:
    rows = data.get("data") if isinstance(data, dict) else None
    meta = data.get("meta") if isinstance(data, dict) else None
    pages = meta.get("pages") if isinstance(meta, dict) else None
    if not isinstance(rows, list) or not isinstance(pages, int) or isinstance(pages, bool):
        raise TransientError(f"GET {path} answered no list envelope {{data, meta}}", path=path)
    return rows, pages
