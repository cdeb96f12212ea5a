"""The standard connector test suite: the tests every connector plugin must pass.

A plugin gets them all by subclassing :class:`ConnectorTestSuite` in its tests::

    from koppel.testing import ConnectorTestSuite
    import koppel_acme.plugin

    class TestAcme(ConnectorTestSuite):
        plugin = koppel_acme.plugin
        system = "acme"
        samples = {"customers": {"name": "Ann", "email": "ann@example.com"}}
        changes = {"customers": {"name": "Ann B."}}
        rejected = {"customers": {"name": "No e-mail"}}

Everything runs against the plugin's sandbox (hook ``koppel_sandbox``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
import structlog
from structlog.testing import capture_logs

from koppel.engine import compare_cursors
from koppel.engine._hash import read_match_key
from koppel.errors import KoppelError, RejectedError
from koppel.log import redact_secrets
from koppel.plugins import KoppelPluginManager
from koppel.records import ENTITY_RECORDS, OrderType, structure
from koppel.sandbox import Sandbox, attach_sandbox, sandbox_for
from koppel.sync import Action, Connection, Direction, SourceRecord
from koppel.system import SystemInfo
from koppel.testing._vcr import find_secrets_in_cassettes, vcr_config

__all__ = ["ConnectorTestSuite"]


def _hash(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, default=str)


@contextmanager
def every_level_logged() -> Iterator[None]:
    """Let every log level through for the ``with`` block, whatever an earlier test (a CLI
    run, which shows warnings only) configured; the configuration is restored after."""
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        yield
    finally:
        structlog.configure(**before)


class ConnectorTestSuite:
    """Base class of a connector's standard tests; set the class attributes below.

    :cvar plugin: the plugin module or object (registered into a fresh manager).
    :cvar system: the system's name.
    :cvar samples: per writable entity, a canonical record (unstructured) to create.
    :cvar changes: per writable entity, fields changed for the update step (entities
        with a sample and changes go through create -> update -> skip unchanged).
    :cvar rejected: per entity, a canonical record the API refuses.
    :cvar settings: connection settings; ``secrets``: connection secrets.
    :cvar min_pages: reads must take at least this many calls (demo data spans pages).
    :cvar cassettes: folder of the plugin's cassettes, checked for secrets.
    """

    plugin: ClassVar[Any] = None
    system: ClassVar[str] = ""
    samples: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    changes: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    rejected: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    settings: ClassVar[Mapping[str, Any]] = {}
    secrets: ClassVar[Mapping[str, str]] = {}
    seed: ClassVar[int] = 0
    min_pages: ClassVar[int] = 2
    cassettes: ClassVar[str | Path | None] = None

    # -- fixtures ----------------------------------------------------------

    @pytest.fixture
    def pm(self) -> KoppelPluginManager:
        """A plugin manager with core's built-ins and this plugin only."""
        if self.plugin is None or not self.system:
            pytest.fail(f"{type(self).__name__} must set `plugin` and `system`")
        manager = KoppelPluginManager()
        manager.load_builtins()
        manager.register(self.plugin, self.system)
        return manager

    @pytest.fixture
    def info(self, pm: KoppelPluginManager) -> SystemInfo:
        """The system's description (hook ``koppel_system``)."""
        return pm.system(self.system)

    @pytest.fixture
    def hooks(self, pm: KoppelPluginManager) -> Any:
        """The plugin's hooks, called by keyword."""
        return pm.hooks_for(self.system)

    @pytest.fixture
    def sandbox(self, pm: KoppelPluginManager) -> Sandbox:
        """A fresh sandbox from the plugin, seeded with ``seed``."""
        return sandbox_for(self.system, seed=self.seed, pm=pm)

    @pytest.fixture
    def connection(self, sandbox: Sandbox) -> Connection:
        """A connection with ``settings`` and ``secrets``, pointed at the sandbox."""
        connection = Connection(
            name=f"{self.system}-test",
            system=self.system,
            settings=dict(self.settings),
            secrets=dict(self.secrets),
        )
        return attach_sandbox(connection, sandbox)

    @pytest.fixture
    def vcr_config(self) -> dict[str, Any]:
        """pytest-recording settings that filter tokens and secrets."""
        return vcr_config()

    # -- helpers -----------------------------------------------------------

    def mapping(self, hooks: Any, connection: Connection, entity: str, direction: Direction) -> Any:
        """The compiled default mapping, or None when the plugin ships none."""
        from koppel.mapping import compile_mapping

        spec = hooks.default_mapping(connection=connection, entity=entity, direction=direction)
        if spec is None:
            return None
        return compile_mapping(spec, name=f"{self.system}/{entity}/{direction}")

    def outbound(
        self,
        hooks: Any,
        connection: Connection,
        entity: str,
        record: Mapping[str, Any],
        action: Action,
        existing: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The payload the plugin would send for canonical ``record`` with ``action``."""
        mapping = self.mapping(hooks, connection, entity, Direction.OUTBOUND)
        payload = hooks.map_record(
            connection=connection,
            entity=entity,
            direction=Direction.OUTBOUND,
            data=record,
            mapping=mapping,
            action=action,
            existing=existing,
        )
        assert payload is not None, f"no outbound mapping for {entity}"
        return dict(payload)

    @staticmethod
    def writes(sandbox: Sandbox) -> int:
        """Calls other than GET the sandbox has answered so far."""
        return sum(n for (method, _), n in sandbox.calls.items() if method != "GET")

    # -- the standard tests ------------------------------------------------

    def test_suite_describes_itself(self, info: SystemInfo) -> None:
        assert info.name == self.system
        assert info.title.strip(), "the system needs a title"
        assert info.entities, "the system declares no entities"
        for entity in info.entities:
            assert entity.name in ENTITY_RECORDS, f"{entity.name!r} is no canonical entity"
            assert entity.read or entity.write, f"{entity.name} is neither read nor written"
            if entity.write:
                assert entity.match_keys, f"writable {entity.name} declares no match keys"

    def test_suite_refuses_filters_it_does_not_declare(self, info: SystemInfo) -> None:
        from koppel.engine._setup import check_filters
        from koppel.flows import parse_flow

        for entity in info.entities:
            if not entity.read or entity.filters is None:
                continue  # a raw-hook plugin that declares no filters is not checked
            flow = parse_flow(
                {
                    "name": "suite-filters",
                    "source": "src",
                    "target": "dst",
                    "entity": entity.name,
                    "connections": {"src": {"system": info.name}, "dst": {"system": info.name}},
                    "filters": {"koppel_no_such_filter": 1},
                }
            )
            with pytest.raises(KoppelError) as refused:
                check_filters(flow, info)
            assert refused.value.context.get("path") == "filters.koppel_no_such_filter"
            assert f"takes no filter 'koppel_no_such_filter' for {entity.name}" in str(
                refused.value
            )

    def test_suite_mappings_compile(
        self, info: SystemInfo, hooks: Any, connection: Connection
    ) -> None:
        for entity in info.entities:
            directions = [Direction.INBOUND] * entity.read + [Direction.OUTBOUND] * entity.write
            for direction in directions:
                compiled = self.mapping(hooks, connection, entity.name, direction)
                assert compiled is not None, f"no default {direction} mapping for {entity.name}"

    def test_suite_reads_every_entity_through_paging(
        self, info: SystemInfo, hooks: Any, connection: Connection, sandbox: Sandbox
    ) -> None:
        for entity in info.readable:
            before = sandbox.calls.total()
            records = list(
                hooks.fetch_records(connection=connection, entity=entity, cursor=None, filters={})
            )
            calls = sandbox.calls.total() - before
            assert records, f"the sandbox's demo data has no {entity}"
            assert all(isinstance(r, SourceRecord) for r in records)
            ids = [r.id for r in records]
            assert len(set(ids)) == len(ids), f"{entity}: a record was read twice"
            assert calls >= self.min_pages, f"{entity}: read in {calls} call(s), not paged"
            self.check_cursor_order(entity, records)
            mapping = self.mapping(hooks, connection, entity, Direction.INBOUND)
            for record in records:
                data = hooks.map_record(
                    connection=connection,
                    entity=entity,
                    direction=Direction.INBOUND,
                    data=record.data,
                    mapping=mapping,
                    action=None,
                    existing=None,
                )
                structure(data, ENTITY_RECORDS[entity])

    @staticmethod
    def check_cursor_order(entity: str, records: list[SourceRecord]) -> None:
        """Cursors never decrease: records come oldest first (see ``compare_cursors``)."""
        newest: SourceRecord | None = None
        for record in records:
            if record.cursor is None:
                continue
            if newest is not None:
                assert newest.cursor is not None
                assert compare_cursors(record.cursor, newest.cursor) >= 0, (
                    f"{entity}: record {record.id} has cursor {record.cursor!r}, older than "
                    f"{newest.cursor!r} of record {newest.id} read before it; "
                    "fetch_records must yield records oldest first"
                )
            newest = record

    def test_suite_create_update_skip_unchanged(
        self, info: SystemInfo, hooks: Any, connection: Connection, sandbox: Sandbox
    ) -> None:
        writable = [
            e
            for e in info.entities
            if e.write and e.name in self.samples and e.name in self.changes
        ]
        if not writable:
            pytest.skip("no writable entity has a sample record and changes")
        for entity in writable:
            record = dict(self.samples[entity.name])
            key = entity.match_keys[0]
            value = read_match_key(record, key)  # a compound key's values as a JSON list
            payload = self.outbound(hooks, connection, entity.name, record, Action.CREATE)
            created = hooks.upsert(
                connection=connection,
                entity=entity.name,
                action=Action.CREATE,
                payload=payload,
                target_id=None,
            )
            assert created is not None and created.target_id
            found = hooks.find_existing(
                connection=connection, entity=entity.name, match_key=key, values=[value]
            )
            assert found and found[value].id == created.target_id
            changed = {**record, **self.changes.get(entity.name, {})}
            update = self.outbound(
                hooks, connection, entity.name, changed, Action.UPDATE, found[value].data
            )
            assert _hash(update) != _hash(payload), f"{entity.name}: the change maps to nothing"
            writes = self.writes(sandbox)
            updated = hooks.upsert(
                connection=connection,
                entity=entity.name,
                action=Action.UPDATE,
                payload=update,
                target_id=created.target_id,
            )
            assert updated is not None and updated.target_id == created.target_id
            assert self.writes(sandbox) == writes + 1
            again = hooks.find_existing(
                connection=connection, entity=entity.name, match_key=key, values=[value]
            )
            assert again[value].id == created.target_id, "the update created a duplicate"
            unchanged = self.outbound(
                hooks, connection, entity.name, changed, Action.UPDATE, again[value].data
            )
            assert _hash(unchanged) == _hash(update), (
                f"{entity.name}: mapping an unchanged record gives another payload, "
                "so it could never be skipped"
            )

    def test_suite_refuses_unsupported_order_type(
        self, hooks: Any, connection: Connection, sandbox: Sandbox
    ) -> None:
        supported = set(hooks.supports_order_types(connection=connection) or ())
        assert supported <= set(OrderType)
        if "orders" not in self.samples:
            pytest.skip("no sample order")
        unsupported = [t for t in OrderType if t not in supported]
        if not unsupported:
            pytest.skip("every order type is supported")
        for order_type in unsupported:
            record = {**self.samples["orders"], "order_type": str(order_type)}
            writes = self.writes(sandbox)
            with pytest.raises(KoppelError) as info:
                payload = self.outbound(hooks, connection, "orders", record, Action.CREATE)
                hooks.upsert(
                    connection=connection,
                    entity="orders",
                    action=Action.CREATE,
                    payload=payload,
                    target_id=None,
                )
            assert not isinstance(info.value, RejectedError), "refused by the API, not the plugin"
            assert str(order_type) in str(info.value)
            assert self.writes(sandbox) == writes

    def test_suite_rejection_is_record_error_with_api_message(
        self, hooks: Any, connection: Connection
    ) -> None:
        if not self.rejected:
            pytest.skip("no rejected sample")
        for entity, record in self.rejected.items():
            payload = self.outbound(hooks, connection, entity, record, Action.CREATE)
            with pytest.raises(RejectedError) as info:
                hooks.upsert(
                    connection=connection,
                    entity=entity,
                    action=Action.CREATE,
                    payload=payload,
                    target_id=None,
                )
            assert info.value.message and not info.value.message.startswith("HTTP "), (
                "the error must carry the API's own message"
            )

    def talk_to_the_api(self, info: SystemInfo, hooks: Any, connection: Connection) -> None:
        """Make the plugin call its API as a run would, without writing.

        Reads every readable entity; a write-only connector looks records up by
        match key instead (a sample's value, or one that matches nothing).
        """
        for entity in info.readable:
            list(hooks.fetch_records(connection=connection, entity=entity, cursor=None, filters={}))
        if info.readable:
            return
        for described in info.entities:
            if described.write and described.match_keys:
                key = described.match_keys[0]
                sample = self.samples.get(described.name, {})
                value = read_match_key(sample, key) or "koppel-suite-probe"
                hooks.find_existing(
                    connection=connection, entity=described.name, match_key=key, values=[value]
                )

    def test_suite_no_secret_in_logs_or_cassettes(
        self, info: SystemInfo, hooks: Any, connection: Connection
    ) -> None:
        with every_level_logged(), capture_logs() as logs:
            self.talk_to_the_api(info, hooks, connection)
        known = list(connection.secrets.values())
        store = connection.token_store
        token = store.load(connection.name) if store is not None else None
        if token is not None:
            known += [token.access_token, token.refresh_token or ""]
        text = json.dumps([redact_secrets(None, "", dict(e)) for e in logs], default=str)
        assert logs, "the plugin logs nothing while calling its API; use koppel.http clients"
        for value in filter(None, known):
            assert value not in text, "a secret reached the logs"
        if self.cassettes is not None:
            assert find_secrets_in_cassettes(self.cassettes, tuple(known)) == []
