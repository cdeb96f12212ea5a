"""The run's lookups for one connection: master data by key, documents by reference.

Master data (accounts, items, GL accounts) lives in :class:`~koppel_exact_online.index.Index`
objects, read by key or whole and kept in the state store between runs. A key
value several records share (real Exact data has one e-mail address on several
accounts) keeps all of them, ranked best first: lowest code first. Documents
(orders, entries) grow without bound, so they are looked up by reference in
batches: one filtered call for up to :data:`BATCH` references, never one per record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from koppel.errors import ValidationError
from koppel.log import get_logger
from koppel_exact_online.client import SYSTEM, ExactClient
from koppel_exact_online.entity_sets import ACCOUNTS, GL_ACCOUNTS, ITEMS, EntitySet
from koppel_exact_online.index import BATCH, Index, Kept, by_code
from koppel_exact_online.odata import any_of, guid, pad_code, quote, unpad_code
from koppel_exact_online.prices import PriceList

__all__ = ["BATCH", "GUID", "AmbiguousMatch", "Index", "Lookups", "by_code", "is_guid"]

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_guid(value: Any) -> bool:
    """True for a guid such as ``5d1a…-…``."""
    return isinstance(value, str) and bool(GUID.match(value))


def _lower(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


def _vat_number(value: Any) -> str | None:
    """A VAT number compared without spaces and dots, upper case (``NL 8531.65.720B01``)."""
    text = "".join(ch for ch in str(value or "") if ch.isalnum()).upper()
    return text or None


def _code_literal(value: str) -> str:
    return quote(pad_code(value))


def _guid_literal(value: str) -> str:
    if not is_guid(value):
        raise ValueError(f"not a guid: {value!r}")
    return guid(value)


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


#: A lookup a document used: (entity set, index field, value), re-read when a write is refused.
Used = tuple[EntitySet, str, Any]


class Lookups:
    """The run's lookups for one connection: an :class:`Index` per master-data set (kept
    between runs in ``kept``), the items' usual sales prices
    (:class:`~koppel_exact_online.prices.PriceList`), documents by reference.

    :param now: the connection's clock as a datetime.
    """

    def __init__(
        self,
        client: ExactClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        kept: Kept | None = None,
    ) -> None:
        self.client = client
        self.prices = PriceList(client, now)

        def seconds() -> float:
            return now().timestamp()

        def index(entity_set: EntitySet, keys: dict[str, Any], literals: dict[str, Any]) -> Index:
            select = tuple(keys) if "ID" in keys else ("ID", *keys)
            if entity_set is ACCOUNTS:
                select = (*select, "Name", "IsSupplier")
            return Index(
                client, entity_set, keys, select, literals=literals, kept=kept, now=seconds
            )

        self.indexes = {
            ACCOUNTS: index(
                ACCOUNTS,
                {"ID": _lower, "Code": unpad_code, "Email": _lower, "VATNumber": _vat_number},
                # No Email or VATNumber literal: real data spells one address or number in
                # several ways (case, spaces, dots), so those are looked up in the whole index.
                {"ID": _guid_literal, "Code": _code_literal},
            ),
            ITEMS: index(
                ITEMS,
                {"ID": _lower, "Code": unpad_code, "Barcode": unpad_code},
                {"ID": _guid_literal, "Code": quote, "Barcode": quote},
            ),
            # A company has some hundreds of GL accounts: read whole (one Sync API page).
            GL_ACCOUNTS: index(GL_ACCOUNTS, {"ID": _lower, "Code": unpad_code}, {}),
        }
        self._documents: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def save(self) -> None:
        """Keep every index this run changed for the next runs. What is kept only saves
        calls: a store that cannot take it is logged, and the run is not failed for it."""
        for index in self.indexes.values():
            try:
                index.save()
            except Exception as exc:  # a lost cache costs calls, nothing else
                get_logger(system=SYSTEM).warning(
                    "lookups not kept for the next run",
                    entity_set=index.entity_set.name,
                    error=str(exc),
                )

    # -- master data ---------------------------------------------------------

    def one(self, entity_set: EntitySet, field: str, value: Any) -> dict[str, Any] | None:
        """The only record of ``entity_set`` whose ``field`` equals ``value``, or None.

        :raises AmbiguousMatch: when several records share the value.
        """
        found = self.indexes[entity_set].all(field, value)
        if len(found) > 1:
            raise AmbiguousMatch(entity_set, field, value, found)
        return found[0] if found else None

    def account(self, reference: Any) -> dict[str, Any] | None:
        """An account by e-mail (a value with ``@``) or by code."""
        text = str(reference or "").strip()
        return self.one(ACCOUNTS, "Email" if "@" in text else "Code", text)

    def account_by_id(self, account_id: Any) -> dict[str, Any] | None:
        """An account by its guid (an order's ``OrderedBy``)."""
        return self.one(ACCOUNTS, "ID", account_id)

    def item(self, code: Any = None, barcode: Any = None) -> dict[str, Any] | None:
        """An item by code, else by barcode."""
        found = self.one(ITEMS, "Code", code) if code else None
        if found is None and barcode:
            found = self.one(ITEMS, "Barcode", barcode)
        return found

    def gl_account(self, code: Any) -> dict[str, Any] | None:
        """A general ledger account by its code."""
        return self.one(GL_ACCOUNTS, "Code", code)

    def verify(self, used: Sequence[Used]) -> None:
        """Read again the values a refused write used: a kept id may be gone."""
        by: dict[tuple[EntitySet, str], list[Any]] = {}
        for entity_set, field, value in used:
            by.setdefault((entity_set, field), []).append(value)
        for (entity_set, field), values in by.items():
            self.indexes[entity_set].verify(field, values)

    # -- documents -------------------------------------------------------------

    def entries(
        self, entity_set: EntitySet, references: Sequence[str], fields: tuple[str, ...] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        """``entity_set`` documents by reference (with their ``fields`` too), for many
        references in few calls; each reference read once per run."""
        field = entity_set.reference or "YourRef"
        known = self._documents.setdefault(entity_set.path, {})
        with self._lock:
            wanted = [r for r in dict.fromkeys(references) if r and r not in known]
        select = tuple(dict.fromkeys((entity_set.key, field, *fields)))
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            found: dict[str, list[dict[str, Any]]] = {}
            condition = f"({any_of(field, chunk)})"
            for row in self.client.read(entity_set, select=select, filter=condition):
                if row.get(field) is not None:
                    found.setdefault(str(row[field]), []).append(dict(row))
            with self._lock:
                for ref in chunk:
                    known.setdefault(ref, []).extend(found.get(ref, []))
        return {r: list(known[r]) for r in references if known.get(r)}

    def documents(self, entity_set: EntitySet, references: Sequence[str]) -> dict[str, str]:
        """Ids of ``entity_set`` documents by reference (the first found per reference)."""
        found = self.entries(entity_set, references)
        return {ref: str(rows[0][entity_set.key]) for ref, rows in found.items()}

    def remember(self, entity_set: EntitySet, reference: str, key: str, **fields: Any) -> None:
        """Record a document this run created, so a retry in the run finds it."""
        with self._lock:
            rows = self._documents.setdefault(entity_set.path, {}).setdefault(reference, [])
            rows.append(
                {entity_set.key: key, entity_set.reference or "YourRef": reference, **fields}
            )
