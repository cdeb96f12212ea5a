"""A connection's life in one run: typed settings, one client, a cache, closed at the end."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from koppel.connector._settings import read_settings
from koppel.errors import ConfigurationError

if TYPE_CHECKING:
    import httpx

    from koppel.connector._connector import Connector
    from koppel.http import Clock, OAuth2Auth, OAuth2Config
    from koppel.sync import Connection

__all__ = ["REMEMBER_FOR", "Session"]

#: How long :meth:`Session.remembered` keeps a fact before it asks the system again.
REMEMBER_FOR = timedelta(days=1)

_KEY = "koppel.connector.session"
_SESSIONS_LOCK = threading.Lock()


class Session:
    """What a connector's resources share for one connection during one run.

    Core makes it on the connection's first hook call and keeps it in the
    connection's per-run cache: the settings are read once, the client is built
    once (with the connection's clock, token store and transport) and closed
    when the run ends, also when it fails.
    """

    def __init__(self, connector: Connector, connection: Connection) -> None:
        self.connector = connector
        self.connection = connection
        self.settings: Any = read_settings(
            connector.settings,
            {**connection.settings, **connection.secrets},
            connection=connection.name,
        )
        #: Per-run values a resource keeps (batched lookups, indexes); gone at the end.
        self.cache: dict[str, Any] = {}
        self._client: Any = None
        self._lock = threading.RLock()

    @classmethod
    def of(cls, connector: Connector, connection: Connection) -> Session:
        """The connection's session for this run, made on first use."""
        with _SESSIONS_LOCK:
            session = connection.cache.get(_KEY)
            if session is None:
                session = connection.cache[_KEY] = cls(connector, connection)
        assert isinstance(session, Session)
        return session

    @property
    def client(self) -> Any:
        """The connection's client, built by the connector on first use and closed by core."""
        with self._lock:
            if self._client is None:
                client = self.connector.build_client(self)
                close: Callable[[], None] | None = getattr(client, "close", None)
                if close is not None:
                    self.connection.on_close(close)
                self._client = client
            return self._client

    @property
    def clock(self) -> Clock:
        """The clock the connection's waits and token expiry run on."""
        from koppel.http import SYSTEM_CLOCK

        clock: Clock = self.connection.clock or SYSTEM_CLOCK
        return clock

    def http(
        self,
        *,
        base_url: str,
        tenant: str = "default",
        auth: httpx.Auth | None = None,
        **options: Any,
    ) -> httpx.Client:
        """An HTTP client for this connection, built the same way for every system.

        The connection's transport (a sandbox's, in tests and ``--sandbox`` runs)
        and clock are handed in; a connector with ``oauth`` gets :meth:`oauth_auth`
        unless ``auth`` says otherwise; core closes the client when the run ends.
        ``options`` go to :func:`koppel.http.build_client` (``rate_limit``,
        ``retry``, ``wait_hint``, ``headers``, ``timeout``).
        """
        from koppel.http import build_client

        if auth is None and self.connector.oauth is not None:
            auth = self.oauth_auth()
        client = build_client(
            system=self.connector.name,
            base_url=base_url,
            tenant=tenant,
            auth=auth,
            transport=self.connection.transport,
            clock=self.clock,
            **options,
        )
        self.connection.on_close(client.close)
        return client

    def oauth_app(self, *, authorize_url: str, token_url: str, **options: Any) -> OAuth2Config:
        """The connection's OAuth2 registration at those endpoints: ``client_id``,
        ``client_secret`` and ``redirect_uri`` from its settings (fields of those names),
        ``options`` (``scope``, ``extra_authorize_params``) as given."""
        from koppel.http import OAuth2Config

        settings = self.settings
        return OAuth2Config(
            authorize_url=authorize_url,
            token_url=token_url,
            client_id=settings.client_id,
            client_secret=getattr(settings, "client_secret", None),
            redirect_uri=getattr(settings, "redirect_uri", None),
            **options,
        )

    def oauth_auth(self) -> OAuth2Auth:
        """OAuth2 bearer auth from the connection's token store, refreshed under its lock.

        :raises ConfigurationError: when the connector has no OAuth or the connection
            no token store (core gives every run one: the state store's).
        """
        from koppel.http import OAuth2Auth, build_client

        if self.connector.oauth is None:
            raise ConfigurationError(f"{self.connector.name} does not use OAuth2")
        if self.connection.token_store is None:
            raise ConfigurationError(
                f"the connection has no token store to keep its OAuth token; run "
                f"`koppel auth {self.connection.name} --flow FLOW` with a state store",
                connection=self.connection.name,
            )
        config = self.connector.oauth(self)
        token_client = build_client(
            system=f"{self.connector.name}-token",
            base_url=config.token_url,
            transport=self.connection.transport,
            clock=self.clock,
        )
        self.connection.on_close(token_client.close)
        return OAuth2Auth(
            config,
            self.connection.token_store,
            self.connection.name,
            token_client=token_client,
            clock=self.clock,
        )

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        """``self.cache[key]``, made with ``make()`` on first use in this run (once, also
        when several upsert threads ask at the same time)."""
        with self._lock:
            if key not in self.cache:
                self.cache[key] = make()
            return self.cache[key]

    def remembered(
        self,
        key: str,
        fetch: Callable[[], Any],
        *,
        max_age: timedelta = REMEMBER_FOR,
        refresh: bool = False,
    ) -> Any:
        """What the system answered ``fetch()`` (JSON-able) for a fact that seldom changes,
        kept in the run's state store under ``key`` for ``max_age``; ``refresh`` asks
        again (as ``koppel check --online`` does). Without a state store (a hook called
        outside a run) it asks every time. Name the account in ``key`` (its tenant).
        """
        store = self.connection.state
        if store is None:
            return fetch()
        return store.remembered(
            f"{self.connector.name}/{key}", fetch, max_age=max_age, refresh=refresh
        )

    def peek_remembered(
        self, key: str, *, max_age: timedelta = REMEMBER_FOR, default: Any = None
    ) -> Any:
        """What :meth:`remembered` keeps under ``key`` while it is younger than
        ``max_age``, without asking the system: ``default`` when nothing is kept there
        (or only something older, or there is no state store). Stores nothing."""
        store = self.connection.state
        if store is None:
            return default
        return store.kept(f"{self.connector.name}/{key}", max_age=max_age, default=default)
