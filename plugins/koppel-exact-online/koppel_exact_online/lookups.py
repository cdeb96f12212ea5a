"""Lookups by match key, read in bulk once per run and cached: API calls are the scarce resource.

Master data (accounts, items, GL accounts) is read once per run through the
Sync API with ``$select`` of only the keys (1,000 a page) and indexed in
memory; records this run creates are added to the index. Documents (orders,
entries) grow without bound, so they are looked up by reference in batches:
one filtered call for up to :data:`BATCH` references, never one per record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from koppel.sync import Connection, TargetRecord
from koppel_exact_online.client import ExactClient
from koppel_exact_online.odata import any_of, unpad_code
from koppel_exact_online.resources import ACCOUNTS, GL_ACCOUNTS, ITEMS, Resource

__all__ = ["BATCH", "GUID", "Index", "Lookups", "is_guid", "lookups_for", "target_records"]

#: References per filtered lookup call (keeps the URL well under 2,000 characters).
BATCH = 25

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_CACHE_KEY = "exact-online.lookups"
_cache_lock = threading.Lock()


def is_guid(value: Any) -> bool:
    """True for a guid such as ``5d1a…-…``."""
    return isinstance(value, str) and bool(GUID.match(value))


def _email(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


class Index:
    """Records of one resource keyed by one or more fields, loaded on first use."""

    def __init__(
        self,
        client: ExactClient,
        resource: Resource,
        keys: Mapping[str, Any],
        select: tuple[str, ...],
    ) -> None:
        self.client = client
        self.resource = resource
        self.keys = dict(keys)  # index name -> normaliser
        self.select = select
        self._by: dict[str, dict[str, dict[str, Any]]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, dict[str, Any]]]:
        with self._lock:
            if self._by is None:
                by: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in self.keys}
                for row in self.client.sync(self.resource, select=self.select):
                    self._add(by, row)
                self._by = by
            return self._by

    def _add(self, by: dict[str, dict[str, dict[str, Any]]], row: Mapping[str, Any]) -> None:
        for name, normalise in self.keys.items():
            value = normalise(row.get(name))
            if value:
                by[name].setdefault(value, dict(row))

    def get(self, field: str, value: Any) -> dict[str, Any] | None:
        """The record whose ``field`` equals ``value`` (normalised), or None."""
        normalised = self.keys[field](value)
        return self._load()[field].get(normalised) if normalised else None

    def add(self, row: Mapping[str, Any]) -> None:
        """Index a record this run created or changed (no call when not loaded yet)."""
        with self._lock:
            if self._by is not None:
                self._add(self._by, row)


class Lookups:
    """The run's lookup caches for one connection."""

    def __init__(self, client: ExactClient) -> None:
        self.client = client
        self.accounts = Index(
            client,
            ACCOUNTS,
            {"Email": _email, "Code": unpad_code},
            ("ID", "Code", "Email", "Name"),
        )
        self.items = Index(
            client,
            ITEMS,
            {"Code": unpad_code, "Barcode": unpad_code},
            ("ID", "Code", "Barcode"),
        )
        self.gl_accounts = Index(client, GL_ACCOUNTS, {"Code": unpad_code}, ("ID", "Code"))
        self._documents: dict[tuple[str, str], dict[str, str]] = {}
        self._lock = threading.Lock()

    # -- master data ---------------------------------------------------------

    def account(self, reference: Any) -> dict[str, Any] | None:
        """An account by e-mail (a value with ``@``) or by code."""
        text = str(reference or "").strip()
        if "@" in text:
            return self.accounts.get("Email", text)
        return self.accounts.get("Code", text)

    def item(self, code: Any = None, barcode: Any = None) -> dict[str, Any] | None:
        """An item by code, else by barcode."""
        found = self.items.get("Code", code) if code else None
        if found is None and barcode:
            found = self.items.get("Barcode", barcode)
        return found

    def gl_account(self, code: Any) -> dict[str, Any] | None:
        """A general ledger account by its code."""
        return self.gl_accounts.get("Code", code)

    # -- documents -------------------------------------------------------------

    def documents(
        self, resource: Resource, references: Sequence[str], *, extra: str | None = None
    ) -> dict[str, str]:
        """Ids of ``resource`` documents by reference, for many references in few calls.

        :param extra: an additional filter (a journal code, a document type).
        """
        field = resource.reference or "YourRef"
        known = self._documents.setdefault((resource.path, extra or ""), {})
        with self._lock:
            wanted = [r for r in dict.fromkeys(references) if r and r not in known]
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            condition = f"({any_of(field, chunk)})"
            if extra:
                condition = f"{condition} and {extra}"
            found: dict[str, str] = {}
            for row in self.client.read(resource, select=(resource.key, field), filter=condition):
                ref = row.get(field)
                if ref is not None:
                    found.setdefault(str(ref), str(row[resource.key]))
            with self._lock:
                for ref in chunk:
                    known[ref] = found.get(ref, "")
        return {r: known[r] for r in references if known.get(r)}

    def remember(
        self, resource: Resource, reference: str | None, key: str, extra: str = ""
    ) -> None:
        """Record a document this run created, so a retry in the run finds it."""
        if reference:
            with self._lock:
                self._documents.setdefault((resource.path, extra), {})[reference] = key


def lookups_for(connection: Connection, client: ExactClient) -> Lookups:
    """The connection's lookup caches for this run (kept in ``connection.cache``)."""
    with _cache_lock:
        found = connection.cache.get(_CACHE_KEY)
        if found is None:
            found = connection.cache[_CACHE_KEY] = Lookups(client)
        assert isinstance(found, Lookups)
        return found


def target_records(
    rows: Iterable[tuple[str, Mapping[str, Any]]], key: str
) -> dict[str, TargetRecord]:
    """``{value: TargetRecord}`` from (value, row) pairs."""
    return {value: TargetRecord(id=str(row[key]), data=dict(row)) for value, row in rows}
