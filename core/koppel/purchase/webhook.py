"""The webhook after export: tell receivers that a booking is in the finance ERP.

When a flow whose source is the ``booking`` system has exported bookings (the engine
bound them to the finance ERP's records, as ``purchase_invoices`` or
``journal_entries``), :meth:`Webhook.notify` puts one notification per booking and URL
in the state store's outbox (``koppel_booking_deliveries``), then POSTs each one that
is due. The outbox is filled from the bindings, which the engine
stores with the export: a process killed between the export and the notification
loses nothing (the next run finds the binding without a notification) and a
notification is marked delivered only after a 2xx answer, so it is sent at least
once; every copy carries the same body and ``Koppel-Idempotency-Key``.

The request::

    POST <url>
    Content-Type: application/json
    Koppel-Event: booking.exported
    Koppel-Idempotency-Key: booking:<source>:<target>:<booking id>
    Koppel-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>

    {"administration": "acme", "booking_id": 12, "entity": "purchase_invoices",
     "event": "booking.exported", "idempotency_key": "...", "invoice": "NL.../F-1",
     "target": "exact", "target_id": "...", "time": "2026-11-25T19:30:00+00:00"}

Every attempt and its answer (status and the start of the body, or the error) is
logged in ``koppel_booking_attempts``; after ``attempts`` failures in one run the
notification waits (``backoff`` seconds, doubled per attempt) for the next run, and so
do the other notifications to that URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
import httpx

from koppel.alerts._send import SIGNATURE_HEADER, signature
from koppel.log import get_logger

if TYPE_CHECKING:
    from koppel.state import StateStore
    from koppel.state._bookings import Delivery

__all__ = ["EVENT", "IDEMPOTENCY_HEADER", "SIGNATURE_HEADER", "Webhook"]

EVENT = "booking.exported"
IDEMPOTENCY_HEADER = "Koppel-Idempotency-Key"
#: The longest part of an answer kept in the attempts log.
_ANSWER_LIMIT = 500

_log = get_logger(component="purchase.webhook")


@attrs.frozen(kw_only=True)
class Webhook:
    """Where and how notifications of exported bookings are sent."""

    urls: tuple[str, ...]
    secret: str
    attempts: int = 5
    backoff: float = 2.0
    timeout: float = 10.0
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep

    def notify(self, store: StateStore, *, source: str, entity: str) -> int:
        """Queue a notification for every booking ``source`` exported as ``entity`` that
        has none yet, then send the due ones; returns how many were delivered now."""
        self.queue(store, source=source, entity=entity)
        return self.deliver(store, source=source)

    def queue(self, store: StateStore, *, source: str, entity: str) -> None:
        """Put the notifications of newly exported bookings in the outbox."""
        now = store.clock()
        rows: list[dict[str, Any]] = []
        for target, booking_id, target_id in store.exported_unnotified(source, entity):
            booking = store.booking(booking_id)
            key = f"booking:{source}:{target}:{booking_id}"
            body = {
                "event": EVENT,
                "idempotency_key": key,
                "administration": booking and booking.administration,
                "booking_id": booking_id,
                "entity": entity,
                "invoice": booking and booking.invoice,
                "target": target,
                "target_id": target_id,
                "time": now.isoformat(),
            }
            text = json.dumps(body, sort_keys=True, separators=(",", ":"))
            rows.extend(
                {
                    "key": key,
                    "source": source,
                    "target": target,
                    "booking_id": booking_id,
                    "url": url,
                    "body": text,
                }
                for url in self.urls
            )
        store.queue_deliveries(rows)

    def deliver(self, store: StateStore, *, source: str) -> int:
        """Send every due notification of ``source``, each up to ``attempts`` times."""
        delivered = 0
        down: set[str] = set()  # a URL that failed every attempt waits for the next run
        with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
            for delivery in store.due_deliveries(source):
                if delivery.url in down:
                    continue
                if self._send(store, client, delivery):
                    delivered += 1
                else:
                    down.add(delivery.url)
        return delivered

    def _send(self, store: StateStore, client: httpx.Client, delivery: Delivery) -> bool:
        tries = delivery.attempts
        for n in range(self.attempts):
            status, answer = self._post(client, delivery)
            tries += 1
            ok = status is not None and 200 <= status < 300
            wait = self.backoff * 2 ** (tries - 1)
            store.record_attempt(
                delivery.id,
                status=status,
                answer=answer,
                delivered=ok,
                next_attempt_at=store.clock() + timedelta(seconds=wait),
            )
            _log.info(
                "webhook delivery",
                url=delivery.url,
                key=delivery.key,
                status=status,
                delivered=ok,
                attempt=tries,
            )
            if ok:
                return True
            if n + 1 < self.attempts:
                self.sleep(wait)
        return False

    def _post(self, client: httpx.Client, delivery: Delivery) -> tuple[int | None, str]:
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "Koppel-Event": EVENT,
            IDEMPOTENCY_HEADER: delivery.key,
            SIGNATURE_HEADER: signature(self.secret, int(time.time()), body),
        }
        try:
            answer = client.post(delivery.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:_ANSWER_LIMIT]
        return answer.status_code, answer.text[:_ANSWER_LIMIT]
