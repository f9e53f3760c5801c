"""Logging in: the same work whether the number exists or not, attempt limits per number, unlock."""

from __future__ import annotations

import secrets
import time
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from limits import parse
from werkzeug.security import check_password_hash

from pointsbank.audit import service as audit
from pointsbank.errors import DomainError, NotFound
from pointsbank.extensions import db, limiter
from pointsbank.people.auth import hash_password, normalize_phone
from pointsbank.people.models import Community, User

NAMESPACE = "login-phone"


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash of a random password, checked for unknown numbers so they cost the same time as real ones."""
    return hash_password(secrets.token_urlsafe(16))


def number_key(raw: str) -> str:
    """One counter per mobile number, however it is typed (spaces, dashes, +86)."""
    raw = (raw or "").strip()
    try:
        return normalize_phone(raw)
    except DomainError:
        return raw[:20]


def check_credentials(raw_phone: str, password: str) -> User | None:
    """The active user with this number and password, or None; always hashes once, found or not."""
    user = None
    try:
        phone = normalize_phone(raw_phone)
    except DomainError:
        phone = None
    if phone is not None:
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
    stored = user.password_hash if user is not None else _dummy_hash(current_app.config.get("PB_PASSWORD_HASH"))
    matches = check_password_hash(stored, password or "")
    if user is None or not user.active or not matches:
        return None
    return user


def _limit():
    return parse(current_app.config["PB_LOGIN_LIMIT"])


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def is_locked(key: str) -> bool:
    """Whether this number has used up its failed attempts for now."""
    return _enabled() and not limiter.limiter.test(_limit(), NAMESPACE, key)


def wait_seconds(key: str) -> int:
    """Seconds until the number may try again (0 when not locked)."""
    if not is_locked(key):
        return 0
    reset = limiter.limiter.get_window_stats(_limit(), NAMESPACE, key).reset_time
    return max(int(reset - time.time()) + 1, 1)


def count_failure(key: str) -> bool:
    """Count a failed attempt; True when it locked the number (audited once, when the lock begins)."""
    if not _enabled():
        return False
    limiter.limiter.hit(_limit(), NAMESPACE, key)
    if not is_locked(key):
        return False
    user = db.session.scalar(sa.select(User).where(User.phone == key))
    audit.record(
        "login.locked",
        actor_id=None,
        community_id=user.community_id if user is not None else None,
        subject=("user", user.id) if user is not None else None,
        details={"limit": current_app.config["PB_LOGIN_LIMIT"]},
    )
    return True


def locked_ids(users: list[User]) -> set[int]:
    """Which of these users cannot log in now because of failed attempts."""
    return {u.id for u in users if is_locked(u.phone)}


def unlock(actor: User, community: Community, user_id: int) -> User:
    """A coordinator lets a locked-out resident of their community try again at once (audited)."""
    user = db.session.get(User, user_id)
    if user is None or user.community_id != community.id:
        raise NotFound()
    if _enabled():
        limiter.limiter.clear(_limit(), NAMESPACE, user.phone)
    audit.record("login.unlocked", actor_id=actor.id, community_id=community.id, subject=("user", user.id))
    return user
