"""What every AFAS resource shares: its GetConnector, read with the customer's ids."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from koppel.connector import Resource
from koppel.errors import ConfigurationError, TransientError, ValidationError
from koppel.sync import Ambiguous, TargetRecord, one_match
from koppel_afas._compare import Problem, mapped_paths, mapping_fields, problems
from koppel_afas.client import AfasClient, Filter
from koppel_afas.definitions import GetConnector

__all__ = ["PLACEHOLDER", "AfasResource", "Condition", "batches", "filled"]

#: A condition on a recommended field: (field id, operator code, value).
Condition = tuple[str, int, str]

#: Values per GetConnector call when looking records up (keeps the URL well under 2049).
BATCH = 40


def batches(values: Sequence[str], size: int = BATCH) -> Iterator[list[str]]:
    """``values`` (without duplicates and empty ones) in lists of at most ``size``.
    A value holding ``,`` or ``;`` (AFAS's filter separators) cannot be asked for: left out."""
    clean = list(dict.fromkeys(str(v).strip() for v in values))
    clean = [v for v in clean if v and "," not in v and ";" not in v]
    for start in range(0, len(clean), size):
        yield clean[start : start + size]


def _moment(value: Any) -> str:
    """A modification date as a filter value and for comparing: without AFAS's ``Z``."""
    return str(value or "").strip().removesuffix("Z")


#: The value of every field in a sample body (only the field names are compared).
PLACEHOLDER = "x"


def filled(names: Sequence[str], **more: Any) -> dict[str, Any]:
    """A sample payload: each of ``names`` with :data:`PLACEHOLDER`, and ``more``."""
    return {**dict.fromkeys(names, PLACEHOLDER), **more}


def _compact(value: Any) -> str:
    """A VAT number without spaces, dots and case, to compare."""
    return "".join(ch for ch in str(value or "") if ch.isalnum()).upper()


def _same(field: str, value: Any, wanted: str) -> bool:
    """True when a creditor's ``field`` holds ``wanted``: a VAT number compacted, an
    e-mail address trimmed and case-folded."""
    if field == "VatNumber":
        return _compact(value) == _compact(wanted)
    return str(value or "").strip().casefold() == wanted.casefold()


def _native(connector: GetConnector, groups: Sequence[Sequence[Condition]]) -> list[list[Filter]]:
    return [[Filter(connector.native(f), op, value) for f, op, value in group] for group in groups]


def _native_order(connector: GetConnector, order_by: Sequence[str]) -> list[str]:
    return [
        ("-" if f.startswith("-") else "") + connector.native(f.removeprefix("-")) for f in order_by
    ]


class AfasResource(Resource):
    """An AFAS entity read through one of the recommended GetConnectors (``role``)."""

    #: The GetConnector role this entity reads (definitions.ROLES).
    role: ClassVar[str]
    #: Every GetConnector role it reads or looks records up in (its ``role`` by default).
    roles: ClassVar[tuple[str, ...]] = ()
    #: The UpdateConnectors it writes through (see :meth:`writes_through`).
    update_connectors: ClassVar[tuple[str, ...]] = ()
    #: UpdateConnector field -> the mapping field the plugin fills it from, where the
    #: names differ (a relation's ``number`` is its ``DbId`` or ``CrId``).
    written_from: ClassVar[Mapping[str, str]] = {}

    @property
    def client(self) -> AfasClient:
        client: AfasClient = self.session.client
        return client

    def getconnector(self, role: str | None = None) -> GetConnector:
        """The customer's GetConnector of ``role`` (this resource's by default), checked
        once per run against its metainfo: every field koppel reads must be in it. The
        metainfo is remembered in the state store for a day (``koppel check --online``
        asks again), so a run spends no call on it.

        :raises ConfigurationError: naming the setting when a field is missing.
        """
        role = role or self.role
        connector: GetConnector = self.session.cached(
            f"afas:getconnector:{role}", lambda: self._checked(role)
        )
        return connector

    def check_online(self, direction: str, overrides: Mapping[str, Any] | None = None) -> str:
        """Ask AFAS (``koppel check --online``): every GetConnector this entity reads or
        looks records up in has the fields koppel reads (``metainfo/get``); to write,
        every UpdateConnector it writes through is there for this token
        (``metainfo/update``) and has the fields the outbound mapping writes: the
        plugin's, with the flow's ``overrides`` laid over it. Nothing is written.

        :raises ConfigurationError: naming the setting or the UpdateConnector.
        """
        getconnectors = [self._checked(role, refresh=True).id for role in self.reads_from()]
        note = f"GetConnector {', '.join(getconnectors)}: every field koppel reads is there"
        if direction != "write":
            return note
        names = self.writes_through()
        own, lines = mapping_fields(self.entity, overrides)
        samples = self.sample_bodies(own, lines)
        found: list[Problem] = []
        for name in names:
            described = self.update_metainfo(name, refresh=True)
            if name in samples:
                mapped = mapped_paths(own, lines, self.written_from, overrides)
                found += problems(name, samples[name], described, mapped=mapped)
        if found:
            raise ConfigurationError(
                "the mapping and AFAS's UpdateConnectors disagree: "
                + "; ".join(p.text for p in found),
                connection=self.session.connection.name,
                entity=self.entity,
                path=next((p.path for p in found if p.path), None),
            )
        return (
            f"{note}; UpdateConnector {', '.join(names)}: the mapping fills every mandatory "
            "field and writes no field they lack"
        )

    def update_metainfo(self, name: str, *, refresh: bool = False) -> dict[str, Any]:
        """What AFAS says of UpdateConnector ``name`` (``metainfo/update``), remembered in
        the state store for a day like the GetConnectors' metainfo."""
        settings = self.settings
        described: dict[str, Any] = self.session.remembered(
            f"{settings.participant}/{settings.environment}/metainfo/update/{name}",
            lambda: self.client.update_metainfo(name),
            refresh=refresh,
        )
        return described

    def sample_bodies(
        self, own: Sequence[str], lines: Sequence[str]
    ) -> Mapping[str, Mapping[str, Any]]:
        """The body of an insert through each UpdateConnector this entity writes, with
        every field the mapping writes (``own``, and ``lines`` on each line) filled with a
        placeholder, as :mod:`koppel_afas._compare` compares them with metainfo."""
        return {}

    def reads_from(self) -> tuple[str, ...]:
        """The GetConnector roles this connection reads or looks records up in."""
        return self.roles or (self.role,)

    def writes_through(self) -> tuple[str, ...]:
        """The UpdateConnectors a write of this connection uses."""
        return self.update_connectors

    def _checked(self, role: str, *, refresh: bool = False) -> GetConnector:
        name = self.session.connection.name
        connector = GetConnector.of(
            role,
            getattr(self.settings, f"{role}_connector"),
            getattr(self.settings, f"{role}_fields"),
        )
        settings = self.settings
        fields = self.session.remembered(
            f"{settings.participant}/{settings.environment}/metainfo/get/{connector.id}",
            lambda: self.client.get_fields(connector.id),
            refresh=refresh,
        )
        answered = {str(f.get("id")) for f in fields}
        missing = [own for own in connector.fields.values() if own not in answered]
        if missing:
            raise ConfigurationError(
                f"GetConnector {connector.id} has no field {', '.join(missing)}; add it in "
                f"Profit or name yours in {role}_fields (see getconnectors.json)",
                connection=name,
                path=f"connections.{name}.settings.{role}_fields",
            )
        return connector

    def rows(
        self,
        role: str | None = None,
        *,
        filters: Sequence[Sequence[Condition]] = (),
        order_by: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        """The rows of the GetConnector of ``role`` with recommended field ids; filters
        and order name recommended ids too (``-`` before one sorts descending)."""
        connector = self.getconnector(role)
        native, order = _native(connector, filters), _native_order(connector, order_by)
        for row in self.client.rows(connector.id, filters=native, order_by=order):
            yield connector.rename(row)

    def changed(
        self, role: str | None, cursor: str | None, *, where: Sequence[Condition] = ()
    ) -> Iterator[dict[str, Any]]:
        """The rows of ``role``'s GetConnector changed at or after ``cursor`` (an answered
        modification date), oldest first, with the conditions ``where``.

        Pages by modification date, not by skip alone: each call asks for the rows at or
        after the newest date read so far and drops the ones already yielded, so a row
        changed during the read moves behind the others and is read again rather than
        pushing an unread one out of its page. Rows sharing one date that fill more than a
        page are walked with ``skip``.

        :raises TransientError: when a row has no modification date to page by.
        """
        connector = self.getconnector(role)
        modified, key = connector.definition.modified, connector.definition.key
        order = _native_order(connector, [modified, key])
        since = _moment(cursor) if cursor else None
        skip, seen = 0, set[tuple[str, str]]()
        page_size = self.client.page_size
        while True:
            group = [*where, *([(modified, 2, since)] if since else [])]
            native = _native(connector, [group] if group else [])
            page = self.client.page(connector.id, filters=native, order_by=order, skip=skip)
            rows = [connector.rename(row) for row in page]
            for row in rows:
                mark = (str(row.get(key)), _moment(row.get(modified)))
                if mark not in seen:
                    seen.add(mark)
                    yield row
            if len(rows) < page_size:
                return
            last = _moment(rows[-1].get(modified))
            if not last:
                raise TransientError(
                    f"AFAS answered GetConnector {connector.id} with a row without "
                    f"{connector.native(modified)}; cannot read changes by it"
                )
            if last == since:
                skip += page_size  # a whole page shares one date: walk on within it
            else:
                since, skip = last, 0
                seen = {m for m in seen if m[1] == last}

    def lookup(self, role: str, field: str, values: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Rows whose ``field`` equals one of ``values``, a batch of values per call."""
        key = self.getconnector(role).definition.key
        for batch in batches(values):
            yield from self.rows(role, filters=[[(field, 1, v)] for v in batch], order_by=[key])

    def debtor_number(self, relation: str, context: Mapping[str, Any]) -> str:
        """The debtor ``relation`` names: a debtor number as given, an e-mail address
        (with ``@``) as the one debtor that has it.

        :raises ValidationError: when no debtor or several have the e-mail address.
        """
        if "@" not in relation:
            return relation
        email = relation.strip().casefold()
        rows = self.lookup("debtors", "Email", [relation.strip()])
        numbers = sorted(
            {
                str(r["DebtorId"])
                for r in rows
                if str(r.get("Email") or "").strip().casefold() == email
            }
        )
        if len(numbers) != 1:
            found = "no debtor" if not numbers else f"debtors {', '.join(numbers)}"
            raise ValidationError(
                f"the customer {relation.strip()} matches {found} in AFAS; "
                "sync the relation first or give its debtor number",
                field="customer",
                **context,
            )
        return numbers[0]

    def creditor_number(self, relation: str, context: Mapping[str, Any]) -> str:
        """The creditor ``relation`` names: a creditor number, else the one creditor with
        that VAT number (looked up as given and without spaces and dots, compared without
        them and case) or, with ``@``, that e-mail address. Remembered for the run.

        :raises ValidationError: when no creditor or several match.
        """
        wanted = relation.strip()
        return str(
            self.session.cached(f"afas:creditor:{wanted}", lambda: self._creditor(wanted, context))
        )

    def _creditor(self, wanted: str, context: Mapping[str, Any]) -> str:
        if "@" in wanted:
            field, values = "Email", [wanted]
        else:
            for row in self.lookup("creditors", "CreditorId", [wanted]):
                return str(row["CreditorId"])
            field, values = "VatNumber", list(dict.fromkeys([wanted, _compact(wanted)]))
        numbers = sorted(
            {
                str(r["CreditorId"])
                for r in self.lookup("creditors", field, values)
                if _same(field, r.get(field), wanted)
            }
        )
        if len(numbers) != 1:
            found = "no creditor" if not numbers else f"creditors {', '.join(numbers)}"
            raise ValidationError(
                f"the creditor {wanted} matches {found} in AFAS (by number, VAT number or "
                "e-mail address); sync the relation first or give its creditor number",
                field="relation",
                **context,
            )
        return numbers[0]

    def entries(self, values: Sequence[str]) -> Mapping[str, TargetRecord | Ambiguous]:
        """Journal entries by voucher number (``BpNr``); the journal GetConnector's rows
        are entries, several with one voucher number are ambiguous, oldest first."""
        found: dict[str, set[str]] = {}
        for row in self.lookup("journal_entries", "VoucherNumber", values):
            voucher = str(row.get("VoucherNumber") or "").strip()
            found.setdefault(voucher, set()).add(str(row["EntryNumber"]))
        answer: dict[str, TargetRecord | Ambiguous] = {}
        for value in values:
            numbers = sorted(found.get(str(value).strip(), ()), key=lambda n: (len(n), n))
            match = one_match(
                TargetRecord(id=n, data={"BpNr": str(value).strip()}) for n in numbers
            )
            if match is not None:
                answer[value] = match
        return answer
