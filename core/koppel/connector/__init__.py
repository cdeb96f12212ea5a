"""The declarative way to write a connector: a system, its typed settings, one resource
per entity. Core turns it into hook implementations and owns the client's life.

A plugin module declares the connector; its entry point names the object::

    [project.entry-points.koppel]
    acme = "koppel_acme.plugin:connector"

and ``koppel_acme/plugin.py`` reads top to bottom::

    import attrs
    from koppel.connector import Connector, Resource, setting
    from koppel.sync import SourceRecord, TargetRecord, WriteResult, read_each, read_id

    @attrs.frozen
    class AcmeSettings:
        base_url: str = setting(default="https://api.acme.test", description="API root")
        api_key: str = setting(secret=True, env="ACME_API_KEY", description="API key")

    class Customers(Resource):
        entity = "customers"
        match_keys = {"email": "email"}

        def fetch(self, cursor, filters):
            rows = self.client.get("/customers", params={"since": cursor}).json()
            return read_each(rows, self.record, id_field="id")

        def record(self, row):
            return SourceRecord(id=read_id(row, "id"), data=row, cursor=row.get("modified"))

        def find(self, match_key, values):
            ...

        def upsert(self, action, payload, target_id):
            ...

    connector = Connector(
        name="acme",
        title="Acme CRM",
        settings=AcmeSettings,
        client=lambda session: session.http(
            base_url=session.settings.base_url, auth=ApiKeyAuth(session.settings.api_key)
        ),
        resources=(Customers,),
        package="koppel_acme",
    )

Raw hook implementations (``koppel.hookspecs``) keep working beside this layer.
"""

from __future__ import annotations

from koppel.connector._connector import Connector
from koppel.connector._resource import OutboundMap, Resource
from koppel.connector._session import Session
from koppel.connector._settings import describe_settings, read_settings, setting

__all__ = [
    "Connector",
    "OutboundMap",
    "Resource",
    "Session",
    "describe_settings",
    "read_settings",
    "setting",
]
