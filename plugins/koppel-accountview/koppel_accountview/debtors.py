"""Debtors (*debiteuren*): every debtor kept in an index between runs (read in full once
a day, otherwise only the debtors changed since: :mod:`koppel_accountview.kept`), found
by e-mail address, written with the next free number.

E-mail addresses are matched without regard to case, which AccountView's ``Equal``
filter is not known to do; so debtors are looked up in the index, never by a
filtered read per address.

Several debtors may share one e-mail address (a shared mailbox, a chain's branches):
they are all kept, lowest number first, and never one of them picked silently."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from koppel.connector import Session
from koppel.errors import ValidationError
from koppel.sync import WriteResult
from koppel_accountview.client import key_rank
from koppel_accountview.kept import KeptIndex
from koppel_accountview.schema import CREDITORS, DEBTORS, Table
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
    """Every debtor (or, of :data:`~koppel_accountview.schema.CREDITORS`, creditor) by
    number, and those of each e-mail address.

    :param kept: the kept index the rows come from; what :meth:`add` indexes goes
        there too, for the next runs.
    """

    def __init__(self, rows: Iterable[dict[str, Any]], *, kept: KeptIndex | None = None) -> None:
        self.by_number: dict[str, dict[str, Any]] = {}
        self._emails: dict[str, set[str]] = {}
        self._reserved: set[int] = set()
        self._lock = threading.RLock()
        self.kept: KeptIndex | None = None  # rows read from it are in it already
        for row in list(rows):
            self.add(row)
        self.kept = kept

    @classmethod
    def of(cls, session: Session, table: Table = DEBTORS) -> DebtorIndex:
        """The run's index of ``table``'s relations (debtors by default), read on first use
        by one thread while the others wait: kept between runs, refreshed by change date."""

        def make() -> DebtorIndex:
            name = f"{table.business_object.lower()}-index"
            kept = KeptIndex.of(session, table, tuple(table.fields), name=name)
            return cls(kept.rows.values(), kept=kept)

        index: DebtorIndex = session.cached(f"relations:{table.business_object}", make)
        return index

    def add(self, row: dict[str, Any]) -> None:
        """Index a relation read or just written."""
        number = str(row.get("SUB_NR") or "")
        if not number:
            return
        if self.kept is not None:
            self.kept.put(row)
        with self._lock:
            before = email_key(self.by_number.get(number, {}).get("MAIL_BUS"))
            merged = {**self.by_number.get(number, {}), **row}
            self.by_number[number] = merged
            email = email_key(merged.get("MAIL_BUS"))
            if before and before != email:
                self._emails[before].discard(number)
            if email:
                self._emails.setdefault(email, set()).add(number)

    def by_email(self, email: str) -> list[dict[str, Any]]:
        """Every debtor with the e-mail address ``email`` (as :func:`email_key` makes it),
        lowest number first (:func:`~koppel_accountview.client.key_rank`)."""
        numbers = sorted(self._emails.get(email, ()), key=key_rank)
        return [self.by_number[number] for number in numbers]

    def next_number(self, start: int, taken: Collection[str] = ()) -> str:
        """Reserve the next free numeric number at or above ``start``, past every number
        of this index and none of ``taken`` (the other side's: AccountView numbers
        debtors and creditors in one range).

        Writes run on several threads: a number handed out is never handed out
        again in this run, so two new debtors cannot get (and overwrite) one number.
        """
        with self._lock:
            numbers = [int(n) for n in self.by_number if n.isdigit()]
            number = max([start - 1, *numbers, *self._reserved]) + 1
            while str(number) in taken:
                number += 1
            self._reserved.add(number)
            return str(number)


def write_debtor(
    session: Session, fields: dict[str, Any], record: str | None, *, update: bool = False
) -> WriteResult:
    """Create the debtor ``fields`` (with its ``SUB_NR``), or with ``update`` change the
    existing one of that number, and index it as stored."""
    index = DebtorIndex.of(session)
    number = str(fields["SUB_NR"]) if update else None
    stored = session.client.write(DEBTORS, fields, update=number, record=record)
    index.add({**fields, **stored})
    return WriteResult(target_id=str(stored.get("SUB_NR") or fields["SUB_NR"]), response=stored)


def search_code(fields: Mapping[str, Any]) -> str:
    """A new debtor's search code (*zoekcode*, ``SRC_CODE``, mandatory, 10 characters):
    its name's letters and digits, upper-case, cut to 10; else its number."""
    name = "".join(c for c in str(fields.get("ACCT_NAME") or "") if c.isalnum()).upper()
    return name[:10] or str(fields["SUB_NR"])


def create_debtor(session: Session, fields: dict[str, Any], record: str | None) -> WriteResult:
    """Create the debtor ``fields``, on the next free number (no creditor's either) and the
    collective account the settings give unless the fields say them."""
    settings: AccountViewSettings = session.settings
    if not fields.get("SUB_NR"):
        creditors = DebtorIndex.of(session, CREDITORS).by_number
        start = settings.debtor_number_start
        fields["SUB_NR"] = DebtorIndex.of(session).next_number(start, taken=creditors)
    fields.setdefault("ACCT_NR", settings.debtor_account)
    fields.setdefault("SRC_CODE", search_code(fields))
    return write_debtor(session, fields, record)


def order_debtor(session: Session, debtor: Mapping[str, Any] | None, record: str | None) -> str:
    """The number of an order's debtor: the default debtor, or one found by e-mail.

    A debtor found by e-mail address is updated when the order brings changed
    fields (empty ones never blank out AccountView's); one not found is created.

    :raises ValidationError: when there is no default debtor and no e-mail address, or
        when several debtors share the e-mail address (naming them all).
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
    found = DebtorIndex.of(session).by_email(email)
    if not found:
        return create_debtor(session, fields, record).target_id
    if len(found) > 1:
        numbers = ", ".join(str(row["SUB_NR"]) for row in found)
        raise ValidationError(
            f"{len(found)} AccountView debtors share the e-mail address {email} "
            f"({numbers}); make the address unique in AccountView or set default_debtor",
            record=record,
            entity="orders",
            field="customer.email",
            candidates=[str(row["SUB_NR"]) for row in found],
        )
    existing = found[0]
    number = str(existing["SUB_NR"])
    changes = {k: v for k, v in fields.items() if k != "SUB_NR" and existing.get(k) != v}
    if changes:
        write_debtor(session, {"SUB_NR": number, **changes}, record, update=True)
    return number
