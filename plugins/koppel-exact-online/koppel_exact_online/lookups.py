"""Lookups by match key, read in bulk once per run and cached: API calls are the scarce resource.

Master data (accounts, items, GL accounts) is read once per run through the
Sync API with ``$select`` of only the keys (1,000 a page) and indexed in
memory; records this run creates are added to the index. A key value several
records share (real Exact data has one e-mail address on several accounts)
keeps all of them, ranked best first: lowest code first. Documents (orders,
entries) grow without bound, so they are looked up by reference in batches:
one filtered call for up to :data:`BATCH` references, never one per record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from koppel.errors import ValidationError
from koppel_exact_online.client import SYSTEM, ExactClient
from koppel_exact_online.entity_sets import ACCOUNTS, GL_ACCOUNTS, ITEMS, EntitySet
from koppel_exact_online.odata import any_of, unpad_code
from koppel_exact_online.prices import PriceList

__all__ = ["BATCH", "GUID", "AmbiguousMatch", "Index", "Lookups", "by_code", "is_guid"]

#: References per filtered lookup call (keeps the URL well under 2,000 characters).
BATCH = 25

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: Any) -> bool:
    """True for a guid such as ``5d1a…-…``."""
    return isinstance(value, str) and bool(GUID.match(value))


def _guid(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


def _email(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


def by_code(row: Mapping[str, Any]) -> tuple[int, int, str, str]:
    """The rank of a record among those sharing a key value: lowest ``Code`` first
    (numerically when it is a number, as account codes are), then by id."""
    code = str(row.get("Code") or "").strip()
    number = int(code) if code.isdigit() else 0
    return (0 if code.isdigit() else 1, number, code, str(row.get("ID") or ""))


class AmbiguousMatch(ValidationError):
    """Several records of ``entity_set`` share one key value: none is picked silently."""

    def __init__(
        self, entity_set: EntitySet, field: str, value: Any, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        codes = ", ".join(str(r.get("Code") or r.get("ID") or "?").strip() for r in rows)
        super().__init__(
            f"{len(rows)} {entity_set.name} share {field} {str(value).strip()!r} "
            + f"(codes {codes}); name one by its code",
            system=SYSTEM,
            field=field,
        )
        self.rows = list(rows)


class Index:
    """Records of one entity set keyed by one or more fields, loaded on first use.

    Every record sharing a key value is kept, ranked by :func:`by_code`.
    """

    def __init__(
        self,
        client: ExactClient,
        entity_set: EntitySet,
        keys: Mapping[str, Any],
        select: tuple[str, ...],
    ) -> None:
        self.client = client
        self.entity_set = entity_set
        self.keys = dict(keys)  # index name -> normaliser
        self.select = select
        self._by: dict[str, dict[str, list[dict[str, Any]]]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, list[dict[str, Any]]]]:
        with self._lock:
            if self._by is None:
                by: dict[str, dict[str, list[dict[str, Any]]]] = {name: {} for name in self.keys}
                for row in self.client.sync(self.entity_set, select=self.select):
                    self._add(by, row)
                self._by = by
            return self._by

    def _add(self, by: dict[str, dict[str, list[dict[str, Any]]]], row: Mapping[str, Any]) -> None:
        key = str(row.get("ID") or "").lower()
        for name, normalise in self.keys.items():
            value = normalise(row.get(name))
            if value:
                rows = [r for r in by[name].get(value, []) if str(r.get("ID")).lower() != key]
                by[name][value] = sorted([*rows, dict(row)], key=by_code)

    def all(self, field: str, value: Any) -> list[dict[str, Any]]:
        """Every record whose ``field`` equals ``value`` (normalised), best first."""
        normalised = self.keys[field](value)
        return list(self._load()[field].get(normalised, ())) if normalised else []

    def get(self, field: str, value: Any) -> dict[str, Any] | None:
        """The only record whose ``field`` equals ``value``, or None.

        :raises AmbiguousMatch: when several records share the value.
        """
        found = self.all(field, value)
        if len(found) > 1:
            raise AmbiguousMatch(self.entity_set, field, value, found)
        return found[0] if found else None

    def add(self, row: Mapping[str, Any]) -> None:
        """Index a record this run created or changed (no call when not loaded yet)."""
        with self._lock:
            if self._by is not None:
                self._add(self._by, row)

    def remove(self, record_id: str) -> None:
        """Forget a record this run deleted."""
        key = record_id.lower()
        with self._lock:
            for values in (self._by or {}).values():
                for value, rows in list(values.items()):
                    kept = [r for r in rows if str(r.get("ID")).lower() != key]
                    if kept:
                        values[value] = kept
                    else:
                        del values[value]


class Lookups:
    """The run's lookup caches for one connection: an :class:`Index` per master-data set,
    the items' usual sales prices (:class:`~koppel_exact_online.prices.PriceList`)."""

    def __init__(
        self, client: ExactClient, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.client = client
        self.prices = PriceList(client, now)
        self.indexes = {
            ACCOUNTS: Index(
                client,
                ACCOUNTS,
                {"ID": _guid, "Email": _email, "Code": unpad_code},
                ("ID", "Code", "Email", "Name"),
            ),
            ITEMS: Index(
                client,
                ITEMS,
                {"Code": unpad_code, "Barcode": unpad_code},
                ("ID", "Code", "Barcode"),
            ),
            GL_ACCOUNTS: Index(client, GL_ACCOUNTS, {"Code": unpad_code}, ("ID", "Code")),
        }
        self._documents: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    # -- master data ---------------------------------------------------------

    def account(self, reference: Any) -> dict[str, Any] | None:
        """An account by e-mail (a value with ``@``) or by code."""
        text = str(reference or "").strip()
        if "@" in text:
            return self.indexes[ACCOUNTS].get("Email", text)
        return self.indexes[ACCOUNTS].get("Code", text)

    def account_by_id(self, account_id: Any) -> dict[str, Any] | None:
        """An account by its guid (an order's ``OrderedBy``), from the same one read per run."""
        return self.indexes[ACCOUNTS].get("ID", account_id)

    def item(self, code: Any = None, barcode: Any = None) -> dict[str, Any] | None:
        """An item by code, else by barcode."""
        items = self.indexes[ITEMS]
        found = items.get("Code", code) if code else None
        if found is None and barcode:
            found = items.get("Barcode", barcode)
        return found

    def gl_account(self, code: Any) -> dict[str, Any] | None:
        """A general ledger account by its code."""
        return self.indexes[GL_ACCOUNTS].get("Code", code)

    # -- documents -------------------------------------------------------------

    def documents(self, entity_set: EntitySet, references: Sequence[str]) -> dict[str, str]:
        """Ids of ``entity_set`` documents by reference, for many references in few calls."""
        field = entity_set.reference or "YourRef"
        known = self._documents.setdefault(entity_set.path, {})
        with self._lock:
            wanted = [r for r in dict.fromkeys(references) if r and r not in known]
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            condition = f"({any_of(field, chunk)})"
            found: dict[str, str] = {}
            rows = self.client.read(entity_set, select=(entity_set.key, field), filter=condition)
            for row in rows:
                ref = row.get(field)
                if ref is not None:
                    found.setdefault(str(ref), str(row[entity_set.key]))
            with self._lock:
                for ref in chunk:
                    known[ref] = found.get(ref, "")
        return {r: known[r] for r in references if known.get(r)}

    def remember(self, entity_set: EntitySet, reference: str, key: str) -> None:
        """Record a document this run created, so a retry in the run finds it."""
        with self._lock:
            self._documents.setdefault(entity_set.path, {})[reference] = key
