"""Login plumbing: loading users from the session or a bearer token; password rules."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from pointsbank.db import utcnow
from pointsbank.errors import Invalid
from pointsbank.extensions import db, login_manager
from pointsbank.people.models import ApiToken, User

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TOKEN_PREFIX = "pb_"


def normalize_phone(raw: str) -> str:
    """Strip spaces, dashes and a +86 prefix; raise Invalid unless it is a mainland mobile number."""
    phone = re.sub(r"[\s\-]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not PHONE_RE.match(phone):
        raise Invalid("invalid_phone", _l("Enter a valid 11-digit mainland mobile number."))
    return phone


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def check_password_rules(password: str) -> None:
    """At least 8 characters and not on the common-password list."""
    if len(password or "") < 8:
        raise Invalid("weak_password", _l("The password must have at least 8 characters."))
    if password.lower() in _common_passwords():
        raise Invalid("weak_password", _l("This password is too common; choose another."))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PB_PASSWORD_HASH", "scrypt"))


def verify_password(user: User | None, password: str) -> bool:
    if user is None:
        return False
    return check_password_hash(user.password_hash, password or "")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the plain token is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:60] or "token", token_hash=_token_hash(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    return token, plain


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@login_manager.request_loader
def load_user_from_token(request) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    digest = _token_hash(header[7:].strip())
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    g.pb_token_auth = True
    token.last_used_at = utcnow()
    return token.user
