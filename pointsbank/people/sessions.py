"""Server-side login sessions: start, load with the user and roles in one query, touch, end."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from pointsbank.db import prepared, run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.people.models import ApiToken, Community, Street, User, UserSession

# The key in the signed session cookie that names the server-side session.
SESSION_KEY = "_pb_sid"


# Scalar columns other features add to the per-request user load: name -> factory(user id column) -> SQL expression,
# and the values of the bind parameters those expressions use, asked for on each load.
_USER_COLUMNS: dict[str, Callable[[sa.ColumnElement], sa.ColumnElement]] = {}
_USER_PARAMS: list[Callable[[], dict[str, Any]]] = []


def add_user_column(
    name: str,
    factory: Callable[[sa.ColumnElement], sa.ColumnElement],
    params: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Load one more scalar with the session and user (same query); read it with loaded_value(user, name).

    The expression is built once: what changes between requests goes in bind parameters, valued by params().
    """
    _USER_COLUMNS[name] = factory
    if params is not None:
        _USER_PARAMS.append(params)


# Loader options other features add to the per-request user load (a relationship of User they define).
_USER_OPTIONS: list[Callable[[], Any]] = []


def add_user_option(factory: Callable[[], Any]) -> None:
    """Load one more relationship of the user with the session and user (same query)."""
    _USER_OPTIONS.append(factory)


def loaded_value(user: User, name: str, default=None):
    """A scalar loaded with this request's user, or default if it was not loaded with them."""
    return getattr(user, "pb_loaded", {}).get(name, default)


def digest(secret: str) -> str:
    """SHA-256 of a cookie or token secret (only the digest is stored)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def user_with_roles():
    """Loader options: the user, their role grants and their community in the same query."""
    return (
        joinedload(User.grants),
        joinedload(User.community).joinedload(Community.street).joinedload(Street.district),
        *(factory() for factory in _USER_OPTIONS),
    )


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["PB_SESSION_IDLE_MINUTES"])


def _touch_every() -> timedelta:
    """last_seen_at is written at most this often (a few minutes, less for short idle limits)."""
    return min(timedelta(minutes=5), idle_limit() / 4)


def start(user: User, address: str | None = None) -> str:
    """Open a session for a user who just typed their password; returns the cookie secret."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            secret_hash=digest(secret),
            created_at=now,
            last_seen_at=now,
            password_at=now,
            address=address,
        )
    )
    db.session.flush()
    return secret


@functools.cache
def _load_statement(names: tuple[str, ...]) -> sa.Select:
    """The session query of load with the features' user columns, built once (a request binds two values)."""
    return prepared(
        sa.select(UserSession, *(_USER_COLUMNS[n](UserSession.user_id).label(n) for n in names))
        .where(
            UserSession.secret_hash == sa.bindparam("secret_hash"),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > sa.bindparam("seen_after"),
        )
        .options(joinedload(UserSession.user).options(*user_with_roles()))
    )


def load(secret: str) -> UserSession | None:
    """The live session for this cookie secret with its user and roles (one query), touched every few minutes."""
    now = utcnow()
    names = tuple(_USER_COLUMNS)
    params = {"secret_hash": digest(secret), "seen_after": now - idle_limit()}
    for values in _USER_PARAMS:
        params.update(values())
    row = db.session.execute(_load_statement(names), params).unique().first()
    record = row[0] if row is not None else None
    if record is None:
        return None
    record.user.pb_loaded = dict(zip(names, row[1:], strict=True))
    if now - record.last_seen_at > _touch_every():
        _set(record.id, last_seen_at=now)
    return record


def _set(session_id: int, **values: datetime) -> None:
    """A short write in its own unit of work (or joined to the running one); the loaded object stays clean."""
    run_in_unit(lambda: db.session.execute(sa.update(UserSession).where(UserSession.id == session_id).values(**values)))


def password_is_recent(record: UserSession | None) -> bool:
    """Whether the password was typed in this session within the last few minutes (PB_REAUTH_MINUTES)."""
    if record is None:
        return False
    return utcnow() - record.password_at <= timedelta(minutes=current_app.config["PB_REAUTH_MINUTES"])


def confirm_password(record: UserSession) -> None:
    """The user just typed their password again in this session."""
    now = utcnow()
    db.session.execute(sa.update(UserSession).where(UserSession.id == record.id).values(password_at=now))
    record.password_at = now


def end(secret: str) -> None:
    """End one session (logout); a saved copy of the cookie no longer works."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.secret_hash == digest(secret), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all(user_id: int, *, keep_id: int | None = None, revoke_tokens: bool = False) -> int:
    """End every session of a user (but keep_id); optionally revoke all their tokens. Returns sessions ended."""
    now = utcnow()
    query = sa.update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
    if keep_id is not None:
        query = query.where(UserSession.id != keep_id)
    ended = db.session.execute(query.values(ended_at=now)).rowcount
    if revoke_tokens:
        db.session.execute(
            sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )
    return ended or 0


def live_count(user_id: int) -> int:
    """How many sessions of the user are live now."""
    return db.session.scalar(
        sa.select(sa.func.count(UserSession.id)).where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at > utcnow() - idle_limit(),
        )
    )
