"""Who may use ``koppel serve``: users (argon2-hashed passwords), API tokens (only their
SHA-256 kept) and the audit trail of what each did, all in the state store."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from koppel.errors import ConfigurationError, StateError
from koppel.state import StateStore
from koppel.state._engine import BEGIN_OPTION
from koppel.state._schema import api_tokens, audit, web_users

__all__ = [
    "TOKEN_PREFIX",
    "ApiToken",
    "AuditEntry",
    "Principal",
    "Role",
    "User",
    "add_user",
    "audit_entries",
    "cli_actor",
    "create_token",
    "find_token",
    "get_user",
    "list_tokens",
    "list_users",
    "record_action",
    "remove_user",
    "revoke_token",
    "verify_user",
]

#: How every API token starts, so that a leaked one is recognisable (secret scanners).
TOKEN_PREFIX = "kpl_"
#: A token's last use is written at most this often (not on every request).
_TOUCH_EVERY = timedelta(minutes=1)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()
#: Verified against when the user does not exist, so that both cost the same time.
_DUMMY_HASH = _HASHER.hash("koppel: no such user")


class Role(enum.StrEnum):
    """What a user or token may do: read everything, or also act (retry, discard,
    export, mark an import, push records, start a run)."""

    READ_ONLY = "read-only"
    OPERATOR = "operator"


@attrs.frozen
class Principal:
    """Who makes a request: a signed-in user or an API token.

    :param kind: "user" or "token".
    :param name: the user's name, or the token's name.
    :param token_id: the token's id (tokens only).
    """

    kind: str
    name: str
    role: Role
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names it: ``user:anna`` or ``token:3``."""
        return f"user:{self.name}" if self.kind == "user" else f"token:{self.token_id}"

    @property
    def can_act(self) -> bool:
        """Whether it may change anything (the operator role)."""
        return self.role is Role.OPERATOR


@attrs.frozen
class User:
    """A user of the pages; ``fingerprint`` changes with the password (it ends sessions)."""

    name: str
    role: Role
    created_at: datetime
    fingerprint: str


@attrs.frozen
class ApiToken:
    """An API token as listed: never the token itself."""

    id: int
    name: str
    role: Role
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@attrs.frozen
class AuditEntry:
    """One action: who (``user:NAME`` or ``token:ID``), what, on which flow, when, details."""

    id: int
    at: datetime
    actor: str
    action: str
    flow: str | None
    details: Mapping[str, Any]


def _reader(store: StateStore) -> sa.Connection:
    return store.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}).connect()


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name):
        raise ConfigurationError(
            f"{what} name {name!r}: use 1 to 64 letters, digits and . _ @ -, "
            "starting with a letter or digit"
        )


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        roles = ", ".join(role.value for role in Role)
        raise ConfigurationError(f"unknown role {value!r}; roles: {roles}") from None


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _user(row: sa.Row[Any]) -> User:
    m = row._mapping
    return User(
        name=m["name"],
        role=Role(m["role"]),
        created_at=m["created_at"],
        fingerprint=_fingerprint(m["password_hash"]),
    )


# -- users ---------------------------------------------------------------------------


def add_user(
    store: StateStore, name: str, password: str, role: str, *, replace: bool = False
) -> User:
    """Add a user (``replace``: or give an existing one this password and role).

    :raises ConfigurationError: for a bad name, role or an empty password, or a user
        that exists already (without ``replace``).
    """
    _check_name(name, "user")
    checked = _role(role)
    if len(password) < 8:
        raise ConfigurationError("a password needs at least 8 characters")
    values = {"password_hash": _HASHER.hash(password), "role": checked.value}
    with store.engine.begin() as conn:
        exists = conn.execute(sa.select(web_users.c.name).where(web_users.c.name == name)).first()
        if exists is not None and not replace:
            raise ConfigurationError(
                f"user {name!r} exists already (--update gives it a new password and role)"
            )
        if exists is None:
            conn.execute(web_users.insert().values(name=name, created_at=store.clock(), **values))
        else:
            conn.execute(web_users.update().where(web_users.c.name == name).values(**values))
    user = get_user(store, name)
    assert user is not None
    return user


def get_user(store: StateStore, name: str) -> User | None:
    """The user called ``name``, or None."""
    with _reader(store) as conn:
        row = conn.execute(web_users.select().where(web_users.c.name == name)).first()
    return None if row is None else _user(row)


def list_users(store: StateStore) -> list[User]:
    """Every user, by name."""
    with _reader(store) as conn:
        return [_user(row) for row in conn.execute(web_users.select().order_by(web_users.c.name))]


def remove_user(store: StateStore, name: str) -> None:
    """Remove a user; their sessions end at their next request.

    :raises StateError: when there is no such user.
    """
    with store.engine.begin() as conn:
        removed = conn.execute(web_users.delete().where(web_users.c.name == name)).rowcount
    if not removed:
        raise StateError(f"there is no user {name!r}")


def verify_user(store: StateStore, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (an unknown name takes as long)."""
    with _reader(store) as conn:
        row = conn.execute(web_users.select().where(web_users.c.name == name)).first()
    stored = row._mapping["password_hash"] if row is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(stored):
        with store.engine.begin() as conn:
            conn.execute(
                web_users.update()
                .where(web_users.c.name == name)
                .values(password_hash=_HASHER.hash(password))
            )
        return get_user(store, name)
    return _user(row)


# -- API tokens ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(row: sa.Row[Any]) -> ApiToken:
    m = row._mapping
    return ApiToken(
        id=m["id"],
        name=m["name"],
        role=Role(m["role"]),
        created_by=m["created_by"],
        created_at=m["created_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def create_token(
    store: StateStore, name: str, role: str, *, created_by: str | None = None
) -> tuple[ApiToken, str]:
    """A new API token: its listing and the token itself, which is stored only as its
    SHA-256 and cannot be shown again."""
    _check_name(name, "token")
    checked = _role(role)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        token_id = conn.execute(
            api_tokens.insert()
            .values(
                name=name,
                token_hash=_token_hash(token),
                role=checked.value,
                created_by=created_by,
                created_at=store.clock(),
            )
            .returning(api_tokens.c.id)
        ).scalar_one()
        row = conn.execute(api_tokens.select().where(api_tokens.c.id == token_id)).one()
    return _token(row), token


def find_token(store: StateStore, token: str) -> ApiToken | None:
    """The live (not revoked) token ``token`` is, or None; notes its use."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with _reader(store) as conn:
        row = conn.execute(
            api_tokens.select().where(api_tokens.c.token_hash == _token_hash(token))
        ).first()
    if row is None or row._mapping["revoked_at"] is not None:
        return None
    found = _token(row)
    now = store.clock()
    if found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY:
        with store.engine.begin() as conn:
            conn.execute(
                api_tokens.update().where(api_tokens.c.id == found.id).values(last_used_at=now)
            )
        found = attrs.evolve(found, last_used_at=now)
    return found


def list_tokens(store: StateStore, *, revoked: bool = True) -> list[ApiToken]:
    """Every token (``revoked`` False: only live ones), oldest first."""
    query = api_tokens.select().order_by(api_tokens.c.id)
    if not revoked:
        query = query.where(api_tokens.c.revoked_at.is_(None))
    with _reader(store) as conn:
        return [_token(row) for row in conn.execute(query)]


def revoke_token(store: StateStore, token_id: int) -> ApiToken:
    """Revoke token ``token_id``: it is refused from its next request on.

    :raises StateError: when there is no such token.
    """
    with store.engine.begin() as conn:
        conn.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=store.clock())
        )
        row = conn.execute(api_tokens.select().where(api_tokens.c.id == token_id)).first()
    if row is None:
        raise StateError(f"there is no API token {token_id}")
    return _token(row)


# -- the audit trail -----------------------------------------------------------------


def record_action(
    store: StateStore,
    who: Principal | str,
    action: str,
    details: Mapping[str, Any] | None = None,
    *,
    flow: str | None = None,
) -> None:
    """Write one action to the audit trail.

    :param who: the principal, or an actor text (``cli:NAME`` for a command).
    :param action: what, as a short verb phrase: ``parked.retry``, ``run.start``.
    :param details: what it was done to (ids, counts), as plain JSON data.
    :param flow: the flow it concerned, if one.
    """
    actor = who.actor if isinstance(who, Principal) else who
    with store.engine.begin() as conn:
        conn.execute(
            audit.insert().values(
                at=store.clock(), actor=actor, action=action, flow=flow, details=dict(details or {})
            )
        )


def cli_actor() -> str:
    """How the audit trail names a command run by hand: ``cli:LOGIN`` (``cli`` when the
    login name is unknown)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def audit_entries(
    store: StateStore,
    *,
    flow: str | None = None,
    actor: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest ``limit`` audit entries (of ``flow``, by ``actor``, with an id below
    ``before``), newest first."""
    query = audit.select().order_by(audit.c.id.desc()).limit(limit)
    if flow is not None:
        query = query.where(audit.c.flow == flow)
    if actor is not None:
        query = query.where(audit.c.actor == actor)
    if before is not None:
        query = query.where(audit.c.id < before)
    with _reader(store) as conn:
        return [
            AuditEntry(
                id=m["id"],
                at=m["at"],
                actor=m["actor"],
                action=m["action"],
                flow=m["flow"],
                details=m["details"],
            )
            for m in (row._mapping for row in conn.execute(query))
        ]
