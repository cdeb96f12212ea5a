"""How a system plugin describes itself: its entities, settings and match keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs


@attrs.frozen(kw_only=True)
class Setting:
    """One setting of a connection, as a flow file gives it.

    ``secret`` settings are credentials (the flow's ``credentials`` table); ``env``
    is the environment variable the plugin's documentation reads one from;
    ``choices`` the values a ``choice`` setting takes.
    """

    name: str
    type: str = "str"
    description: str = ""
    required: bool = False
    default: Any = None
    secret: bool = False
    env: str | None = None
    choices: tuple[str, ...] | None = None


@attrs.frozen(kw_only=True)
class EntityInfo:
    """One entity a system can read and/or write.

    ``match_keys`` are canonical field names by which an existing target record
    is found when no binding knows it (``("email",)`` for customers, ``("sku",
    "ean")`` for products, ``("number",)`` for orders), tried in order. A key that
    joins fields with ``+`` (``invoice_number+line``) matches on all of them: its value
    is their values as a JSON list (``koppel.engine._hash.read_match_key``).
    ``delete`` says the system can delete a record of it (``delete_record``);
    ``deletions`` that its reads report records deleted in the source
    (``SourceRecord.removed``), without which a flow's ``deletions = "propagate"``
    has nothing to propagate (``koppel check`` and the run say so).
    ``update`` False says the system takes a record once and never changes it
    (a sales order in an accounting system): one found by match key is bound
    and skipped, whatever its fields look like there.
    ``filters`` are the keys of a flow's ``[filters]`` its reads take, each with
    one line saying what it selects (``{"active": "true: active articles only"}``);
    ``koppel check`` and ``koppel run`` refuse any other key (``status`` of orders,
    which the engine applies itself, excepted). None (the default, as a raw-hook
    plugin gives it): the entity declares no filters and none are checked; ``{}``
    declares that it takes none.
    """

    name: str
    read: bool = False
    write: bool = False
    delete: bool = False
    deletions: bool = False
    match_keys: tuple[str, ...] = ()
    update: bool = True
    description: str = ""
    filters: Mapping[str, str] | None = attrs.field(default=None, eq=False, hash=False)
    #: Checks the values of a flow's ``[filters]`` offline (``koppel check``, run start);
    #: raises ConfigurationError naming ``filters.<key>``. None: values are not checked.
    check_filters: Callable[[Mapping[str, Any]], None] | None = attrs.field(
        default=None, eq=False, hash=False, repr=False
    )


@attrs.frozen(kw_only=True)
class SystemInfo:
    """A system plugin's description of itself, answered by ``koppel_system``."""

    name: str
    title: str
    entities: tuple[EntityInfo, ...] = ()
    settings: tuple[Setting, ...] = ()
    description: str = ""
    #: True for a system on local data only (a folder, the state store): it calls no
    #: API, so ``--sandbox`` runs and tests use it as it is, with no sandbox.
    local: bool = False
    #: Checks a connection's settings offline (``koppel check``): called with the
    #: connection's name and its settings and credentials; raises ConfigurationError.
    check_settings: Callable[[str, Mapping[str, Any]], None] | None = attrs.field(
        default=None, eq=False, repr=False
    )

    def entity(self, name: str) -> EntityInfo | None:
        """The entity called ``name``, or None."""
        return next((e for e in self.entities if e.name == name), None)

    @property
    def readable(self) -> tuple[str, ...]:
        """Names of the entities this system can read."""
        return tuple(e.name for e in self.entities if e.read)

    @property
    def writable(self) -> tuple[str, ...]:
        """Names of the entities this system can write."""
        return tuple(e.name for e in self.entities if e.write)
