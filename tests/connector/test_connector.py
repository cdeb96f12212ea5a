"""The declarative connector layer: a system, typed settings, one resource per entity."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import attrs
import pytest

from koppel.connector import Connector, Resource, Session, setting
from koppel.engine import run_flow
from koppel.engine.memory import MemorySystem
from koppel.errors import ConfigurationError, RejectedError
from koppel.flows import parse_flow
from koppel.plugins import KoppelPluginManager
from koppel.records import OrderType
from koppel.state import StateStore, open_state
from koppel.sync import Action, Connection, SourceRecord, TargetRecord, WriteResult, read_each


@attrs.frozen
class ShopSettings:
    base_url: str = setting(default="https://shop.invalid", description="API root")
    api_key: str = setting(secret=True, env="SHOP_API_KEY", description="API key")
    page_size: int = setting(default=50, description="records per page")
    archive: bool = setting(default=False, description="read archived customers too")
    edition: Literal["basic", "pro"] = setting(default="basic", description="the edition")


class FakeApi:
    """The system's API in memory; counts clients built and closed."""

    built = 0
    closed = 0

    def __init__(self, rows: dict[str, dict[str, Any]], settings: ShopSettings) -> None:
        self.rows = rows
        self.settings = settings
        FakeApi.built += 1

    def close(self) -> None:
        FakeApi.closed += 1


SERVER: dict[str, dict[str, Any]] = {}


class Customers(Resource):
    entity = "customers"
    match_keys = {"email": "mail"}
    description = "customers"

    def fetch(self, cursor: str | None, filters: Mapping[str, Any]) -> Iterable[SourceRecord]:
        rows = sorted(self.client.rows.values(), key=lambda r: r["seq"])
        return read_each(
            (r for r in rows if int(cursor or 0) < r["seq"]),
            lambda r: SourceRecord(id=str(r["id"]), data=r, cursor=str(r["seq"])),
            id_field="id",
        )

    def find(self, match_key: str, values: Sequence[str]) -> Mapping[str, TargetRecord]:
        field = self.match_keys[match_key]
        return {
            str(row[field]): TargetRecord(id=key, data=row)
            for key, row in self.client.rows.items()
            if str(row.get(field)) in values
        }

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        if payload.get("mail") == "refuse@example.com":
            raise RejectedError("the shop refuses this customer")
        key = target_id or f"T{len(self.client.rows) + 1}"
        seq = len(self.client.rows) + 1
        self.client.rows[key] = {**self.client.rows.get(key, {}), **payload, "id": key, "seq": seq}
        return WriteResult(target_id=key)

    def check_online(self, direction: str, overrides: Mapping[str, Any] | None = None) -> str:
        fields = sorted((overrides or {}).get("fields", {}))
        return f"{direction}: mail, name and the flow's {', '.join(fields) or 'nothing'}"


class Orders(Resource):
    entity = "orders"
    match_keys = {"number": "number"}

    @classmethod
    def order_types(cls, settings: ShopSettings | None) -> Iterable[OrderType]:
        if settings is not None and settings.edition == "basic":
            return (OrderType.ORDER,)
        return (OrderType.ORDER, OrderType.INVOICE)

    def upsert(
        self, action: Action, payload: Mapping[str, Any], target_id: str | None
    ) -> WriteResult:
        return WriteResult(target_id="O1")

    def check_online(self, direction: str) -> str:  # written before overrides were given
        return f"{direction}: the shipped order mapping"


def build(session: Session) -> FakeApi:
    return FakeApi(SERVER, session.settings)


shop = Connector(
    name="shop",
    title="Shop",
    settings=ShopSettings,
    client=build,
    resources=(Customers, Orders),
    package="koppel",
)


@pytest.fixture
def manager() -> Iterator[KoppelPluginManager]:
    SERVER.clear()
    FakeApi.built = FakeApi.closed = 0
    pm = KoppelPluginManager()
    pm.load_builtins()
    pm.register(shop, "shop")
    books = MemorySystem("books")
    pm.register(books, "books")
    yield pm


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with open_state(str(tmp_path / "state.sqlite3")) as opened:
        yield opened


def flow(target: str = "shop", source: str = "books", **settings: Any) -> Any:
    return parse_flow(
        {
            "name": f"{source}-to-{target}",
            "source": source,
            "target": target,
            "entity": "customers",
            "connections": {
                "shop": {"system": "shop", "settings": settings},
                "books": {"system": "books"},
            },
            "mapping": {"outbound": {"mail": "email", "name": "name"}}
            if target == "shop"
            else {"inbound": {"email": "mail", "name": "name"}},
        }
    )


def with_key(connection: Connection) -> None:
    connection.secrets = {"api_key": "k"}


def test_connector_describes_its_system_from_its_resources(manager: KoppelPluginManager) -> None:
    info = manager.system("shop")
    customers, orders = info.entity("customers"), info.entity("orders")
    assert customers is not None and orders is not None
    assert (customers.read, customers.write, customers.match_keys) == (True, True, ("email",))
    assert (orders.read, orders.write) == (False, True)
    settings = {s.name: s for s in info.settings}
    assert settings["page_size"].type == "int" and settings["page_size"].default == 50
    assert settings["api_key"].secret and settings["api_key"].required
    assert settings["api_key"].env == "SHOP_API_KEY"
    assert settings["edition"].choices == ("basic", "pro")


def test_connector_writes_and_reads_through_its_resources(
    manager: KoppelPluginManager, store: StateStore
) -> None:
    books = manager.loaded["books"].plugin
    books.put("customers", "c1", {"name": "Ann", "email": "ann@example.com"})
    books.put("customers", "c2", {"name": "Bob", "email": "refuse@example.com"})
    result = run_flow(flow(), store, manager=manager, prepare_connection=with_key)
    assert (result.counts["created"], result.counts["failed"]) == (1, 1)
    assert [row["mail"] for row in SERVER.values()] == ["ann@example.com"]
    again = run_flow(flow(), store, manager=manager, prepare_connection=with_key)
    assert again.counts["created"] == 0  # found by the resource's match key, bound

    back = run_flow(
        flow(target="books", source="shop"), store, manager=manager, prepare_connection=with_key
    )
    assert (back.fetched, back.counts["created"]) == (1, 1)
    assert [row["email"] for row in books.rows("customers").values()] == ["ann@example.com"]


def test_connector_client_is_built_once_per_run_and_closed_also_when_the_run_fails(
    manager: KoppelPluginManager, store: StateStore
) -> None:
    books = manager.loaded["books"].plugin
    for n in range(30):
        books.put("customers", f"c{n}", {"name": f"C{n}", "email": f"c{n}@example.com"})
    run_flow(flow(), store, manager=manager, prepare_connection=with_key)
    assert (FakeApi.built, FakeApi.closed) == (1, 1)

    def fail(connection: Connection) -> None:
        with_key(connection)
        if connection.name == "shop":
            connection.on_close(lambda: None)
            Session.of(shop, connection).client  # noqa: B018  built, then the run fails
            raise ConfigurationError("stop")

    with pytest.raises(ConfigurationError):
        run_flow(flow(), store, manager=manager, prepare_connection=fail)
    assert FakeApi.built == FakeApi.closed


def test_connector_typed_setting_of_the_wrong_type_names_the_key(
    manager: KoppelPluginManager, store: StateStore
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        run_flow(flow(page_size="many"), store, manager=manager, prepare_connection=with_key)
    assert raised.value.context["path"] == "connections.shop.settings.page_size"
    assert "expected a whole number, got 'many'" in str(raised.value)
    check = manager.system("shop").check_settings
    assert check is not None
    for bad, key in [
        ({"api_key": "k", "archive": "sometimes"}, "archive"),
        ({"api_key": "k", "edition": "gold"}, "edition"),
        ({}, "api_key"),
    ]:
        with pytest.raises(ConfigurationError) as raised:
            check("shop", bad)
        assert raised.value.context["path"] == f"connections.shop.settings.{key}"
    check("shop", {"api_key": "k", "page_size": "20", "archive": "true"})


def test_connector_order_types_follow_the_settings(manager: KoppelPluginManager) -> None:
    hooks = manager.hooks_for("shop")
    basic = Connection(name="shop", system="shop", secrets={"api_key": "k"})
    pro = Connection(
        name="shop", system="shop", settings={"edition": "pro"}, secrets={"api_key": "k"}
    )
    unknown = Connection(name="shop", system="shop")
    assert list(hooks.supports_order_types(connection=basic)) == [OrderType.ORDER]
    assert len(list(hooks.supports_order_types(connection=pro))) == 2
    assert len(list(hooks.supports_order_types(connection=unknown))) == 2


def test_connector_check_online_gets_the_flows_overrides_where_the_resource_takes_them(
    manager: KoppelPluginManager,
) -> None:
    hooks = manager.hooks_for("shop")
    connection = Connection(name="shop", system="shop", secrets={"api_key": "k"})
    overrides = {"fields": {"vip": "tags[0]", "mail": {"write": "create_only"}}}
    assert Customers.takes_overrides() and not Orders.takes_overrides()
    [impl] = hooks.check_online.get_hookimpls()
    assert "overrides" in impl.argnames  # passed by every pluggy, not only by newer ones
    note = hooks.check_online(
        connection=connection, entity="customers", direction="write", overrides=overrides
    )
    assert note == "write: mail, name and the flow's mail, vip"
    plain = hooks.check_online(
        connection=connection, entity="customers", direction="write", overrides=None
    )
    assert plain == "write: mail, name and the flow's nothing"
    old = hooks.check_online(
        connection=connection, entity="orders", direction="write", overrides=overrides
    )
    assert old == "write: the shipped order mapping"  # called as before, without them


def test_connector_session_peek_remembered_reads_without_asking_or_storing(
    tmp_path: Path,
) -> None:
    now = [datetime(2026, 11, 25, 12, tzinfo=UTC)]
    with open_state(str(tmp_path / "state.sqlite3"), clock=lambda: now[0]) as store:
        connection = Connection(name="shop", system="shop", secrets={"api_key": "k"})
        connection.state = store
        session = Session(shop, connection)
        absent = object()
        assert session.peek_remembered("acme/fields", default=absent) is absent
        assert store.forget_remembered("") == 0  # the peek stored nothing
        asked = session.remembered("acme/fields", lambda: {"fields": ["name"]})
        assert session.peek_remembered("acme/fields") == asked == {"fields": ["name"]}
        now[0] += timedelta(days=2)  # older than a day: not kept any more
        assert session.peek_remembered("acme/fields", default=absent) is absent
        fresh = session.peek_remembered("acme/fields", max_age=timedelta(days=3))
        assert fresh == {"fields": ["name"]}
    outside = Session(shop, Connection(name="shop", system="shop", secrets={"api_key": "k"}))
    assert outside.peek_remembered("acme/fields") is None  # no state store: nothing kept


def test_connector_leaves_no_client_or_socket_open(
    manager: KoppelPluginManager, store: StateStore
) -> None:
    books = manager.loaded["books"].plugin
    books.put("customers", "c1", {"name": "Ann", "email": "ann@example.com"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        run_flow(flow(), store, manager=manager, prepare_connection=with_key)
        gc.collect()
    assert FakeApi.built == FakeApi.closed == 1


def test_connector_koppel_check_reads_typed_settings_offline(
    manager: KoppelPluginManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import koppel.plugins
    from koppel.cli import cli

    monkeypatch.setattr(koppel.plugins, "_manager", manager)
    text = """
name = "books-to-shop"
source = "books"
target = "shop"
entity = "customers"
[connections.books]
system = "books"
[connections.shop]
system = "shop"
settings = {{ page_size = {size} }}
credentials = {{ api_key = "env:SHOP_API_KEY" }}
[mapping.outbound]
mail = "email"
"""
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(text.format(size=20))
    bad.write_text(text.format(size='"many"'))
    monkeypatch.setenv("SHOP_API_KEY", "set")  # set, never sent: checks stay offline
    passed = CliRunner().invoke(cli, ["check", str(good)])
    assert passed.exit_code == 0, passed.output
    failed = CliRunner().invoke(cli, ["check", str(bad)])
    assert failed.exit_code == 2
    [line] = [line for line in failed.output.splitlines() if line.startswith("FAIL")]
    assert "page_size: expected a whole number, got 'many'" in line
    assert "connections.shop.settings.page_size" in line


def test_connector_session_oauth_app_takes_the_app_from_the_settings() -> None:
    @attrs.frozen
    class AppSettings:
        client_id: str = setting(secret=True)
        client_secret: str = setting(secret=True)
        redirect_uri: str | None = setting(default=None)

    app = Connector(
        name="app", title="App", settings=AppSettings, client=build, resources=(), package="koppel"
    )
    connection = Connection(
        name="app",
        system="app",
        settings={"redirect_uri": "http://127.0.0.1/cb"},
        secrets={"client_id": "id", "client_secret": "s3cret"},
    )
    config = Session.of(app, connection).oauth_app(
        authorize_url="https://id.invalid/auth", token_url="https://id.invalid/token", scope="all"
    )
    assert (config.client_id, config.client_secret, config.redirect_uri, config.scope) == (
        "id",
        "s3cret",
        "http://127.0.0.1/cb",
        "all",
    )


def test_connector_sandbox_given_as_an_import_string_is_imported_on_first_use() -> None:
    pytest.importorskip("koppel_eaccounting")
    lazy = Connector(
        name="lazy",
        title="Lazy",
        settings=ShopSettings,
        client=build,
        resources=(),
        package="koppel",
        sandbox="koppel_eaccounting.sandbox:make_sandbox",
    )
    box = lazy.koppel_sandbox(seed=3, volume=5)
    assert box is not None and len(box.store["orders"].all()) == 5


def test_connector_settings_validator_names_the_key() -> None:
    @attrs.frozen
    class Checked:
        page_size: int = setting(default=50)

        @page_size.validator
        def _positive(self, attribute: Any, value: int) -> None:
            if value < 1:
                raise ValueError(f"'{attribute.name}' must be at least 1, got {value}")

    with pytest.raises(ConfigurationError) as raised:
        Connector(
            name="checked",
            title="C",
            settings=Checked,
            client=build,
            resources=(),
            package="koppel",
        ).check_settings("c", {"page_size": 0})
    assert raised.value.context["path"] == "connections.c.settings.page_size"
    assert "must be at least 1" in str(raised.value)
