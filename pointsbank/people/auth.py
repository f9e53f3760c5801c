"""Login plumbing: loading users from the session or a bearer token; password rules."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, session
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from pointsbank.errors import Invalid
from pointsbank.extensions import login_manager
from pointsbank.people.models import ApiToken, User

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


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
    """Whether the password is the user's (False for no user)."""
    if user is None:
        return False
    return check_password_hash(user.password_hash, password or "")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a live server-side session named by the cookie (one query with roles); else anonymous."""
    from pointsbank.people import sessions

    secret = session.get(sessions.SESSION_KEY)
    if not secret or not isinstance(secret, str):
        return None
    record = sessions.load(secret)
    if record is None or str(record.user_id) != user_id or not record.user.active:
        return None
    g.pb_session = record
    return record.user


@login_manager.request_loader
def load_user_from_token(request) -> User | None:
    """The user of a live bearer token (token, user and roles in one query)."""
    from pointsbank.people import tokens

    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    plain = header[7:].strip()
    token = tokens.load(plain) if plain else None
    if token is None:
        return None
    g.pb_token_auth = True
    g.pb_token = token
    return token.user


def create_token(user: User, name: str, **kw) -> tuple[ApiToken, str]:
    """Create a personal API token (see pointsbank.people.tokens)."""
    from pointsbank.people import tokens

    return tokens.create_token(user, name, **kw)
