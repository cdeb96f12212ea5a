"""Debtors (*debiteuren*): every debtor read once per run (one paged read, not one query
per order), found by e-mail address, written with the next free number."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from koppel.connector import Session
from koppel.errors import ValidationError
from koppel.sync import WriteResult
from koppel_accountview.schema import DEBTORS
from koppel_accountview.settings import AccountViewSettings
from koppel_accountview.wire import present

__all__ = [
    "DebtorIndex",
    "create_debtor",
    "email_key",
    "order_debtor",
    "search_code",
    "write_debtor",
]


def email_key(value: Any) -> str | None:
    """An e-mail address as it is matched: trimmed, lower-case; None when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


class DebtorIndex:
    """Every debtor by e-mail address and number, read once per run."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.by_number: dict[str, dict[str, Any]] = {}
        self.by_email: dict[str, dict[str, Any]] = {}
        self._reserved: set[int] = set()
        self._lock = threading.Lock()
        for row in rows:
            self.add(row)

    @classmethod
    def of(cls, session: Session) -> DebtorIndex:
        """The run's index, read on first use by one thread while the others wait."""
        index: DebtorIndex = session.cached(
            "debtors", lambda: cls(session.client.rows(DEBTORS, sort="SUB_NR"))
        )
        return index

    def add(self, row: dict[str, Any]) -> None:
        """Index a debtor read or just written."""
        number = str(row.get("SUB_NR") or "")
        if not number:
            return
        merged = {**self.by_number.get(number, {}), **row}
        self.by_number[number] = merged
        email = email_key(merged.get("MAIL_BUS"))
        if email and email not in self.by_email:
            self.by_email[email] = merged

    def next_number(self, start: int) -> str:
        """Reserve the next free numeric debtor number at or above ``start``.

        Writes run on several threads: a number handed out is never handed out
        again in this run, so two new debtors cannot get (and overwrite) one number.
        """
        with self._lock:
            numbers = [int(n) for n in self.by_number if n.isdigit()]
            number = max([start - 1, *numbers, *self._reserved]) + 1
            self._reserved.add(number)
            return str(number)


def write_debtor(session: Session, fields: dict[str, Any], record: str | None) -> WriteResult:
    """Write the debtor ``fields`` (with its ``SUB_NR``) and index it as stored."""
    index = DebtorIndex.of(session)
    stored = session.client.write(DEBTORS, fields, record=record)
    index.add({**fields, **stored})
    return WriteResult(target_id=str(stored.get("SUB_NR") or fields["SUB_NR"]), response=stored)


def search_code(fields: Mapping[str, Any]) -> str:
    """A new debtor's search code (*zoekcode*, ``SRC_CODE``, mandatory, 10 characters):
    its name's letters and digits, upper-case, cut to 10; else its number."""
    name = "".join(c for c in str(fields.get("ACCT_NAME") or "") if c.isalnum()).upper()
    return name[:10] or str(fields["SUB_NR"])


def create_debtor(session: Session, fields: dict[str, Any], record: str | None) -> WriteResult:
    """Create the debtor ``fields``, on the next free number and the collective account
    the settings give unless the fields say them."""
    settings: AccountViewSettings = session.settings
    fields.setdefault("SUB_NR", DebtorIndex.of(session).next_number(settings.debtor_number_start))
    fields.setdefault("ACCT_NR", settings.debtor_account)
    fields.setdefault("SRC_CODE", search_code(fields))
    return write_debtor(session, fields, record)


def order_debtor(session: Session, debtor: Mapping[str, Any] | None, record: str | None) -> str:
    """The number of an order's debtor: the default debtor, or one found by e-mail.

    A debtor found by e-mail address is updated when the order brings changed
    fields (empty ones never blank out AccountView's); one not found is created.

    :raises ValidationError: when there is no default debtor and no e-mail address.
    """
    settings: AccountViewSettings = session.settings
    fields = present(debtor)
    if settings.default_debtor:
        return settings.default_debtor
    if set(fields) == {"SUB_NR"}:
        return str(fields["SUB_NR"])
    email = email_key(fields.get("MAIL_BUS"))
    if email is None:
        raise ValidationError(
            "the order's customer has no e-mail address to find the debtor by; "
            "give it one or set a default debtor",
            record=record,
            entity="orders",
            field="customer.email",
        )
    fields["MAIL_BUS"] = email
    existing = DebtorIndex.of(session).by_email.get(email)
    if existing is None:
        return create_debtor(session, fields, record).target_id
    number = str(existing["SUB_NR"])
    changes = {k: v for k, v in fields.items() if k != "SUB_NR" and existing.get(k) != v}
    if changes:
        write_debtor(session, {"SUB_NR": number, **changes}, record)
    return number
