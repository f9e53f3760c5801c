"""Personal API tokens: scope, expiry, one-query loading, final revocation."""

from __future__ import annotations

import functools
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from pointsbank.db import prepared, run_in_unit, utcnow
from pointsbank.errors import Forbidden, Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import TOKEN_SCOPES, ApiToken, User
from pointsbank.people.sessions import digest, user_with_roles

TOKEN_PREFIX = "pb_"
MAX_DAYS = 365
# last_used_at is written at most this often.
TOUCH_EVERY = timedelta(minutes=5)
# Writes a counter token may make: the station counter and check-in scanning.
COUNTER_RULES = ("/code-checks", "/redemptions", "/pickups", "/undo", "/pay-codes", "/check-ins")
SCOPE_LABELS = {
    "read": _l("Read only"),
    "counter": _l("Read and station counter"),
    "manage": _l("Everything I may do"),
}


def create_token(user: User, name: str, *, scope: str = "manage", days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; the plain token is returned once and never stored."""
    if scope not in TOKEN_SCOPES:
        raise Invalid("invalid_scope", _l("Choose a scope: read, counter or manage."))
    days = current_app.config["PB_TOKEN_DAYS"] if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("invalid_expiry", _l("A token lives 1 to %(n)d days.", n=MAX_DAYS))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=(name or "").strip()[:60] or "token",
        token_hash=digest(plain),
        prefix=plain[:10],
        scope=scope,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, plain


@functools.cache
def _load_statement() -> sa.Select:
    """The token query of load, built once (a request only binds the hash and the time)."""
    return prepared(
        sa.select(ApiToken)
        .where(
            ApiToken.token_hash == sa.bindparam("token_hash"),
            ApiToken.revoked_at.is_(None),
            sa.or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > sa.bindparam("now")),
        )
        .options(joinedload(ApiToken.user).options(*user_with_roles()))
    )


def load(plain: str) -> ApiToken | None:
    """The live token with its user and roles in one query; last_used_at written every few minutes."""
    now = utcnow()
    token = db.session.scalars(_load_statement(), {"token_hash": digest(plain), "now": now}).unique().first()
    if token is None or not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        token_id = token.id
        run_in_unit(
            lambda: db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        )
    return token


def allows(scope: str, method: str, rule: str | None) -> bool:
    """Whether a token of this scope may call this route: read = GET; counter = read + counter writes."""
    if method in ("GET", "HEAD", "OPTIONS") or scope == "manage":
        return True
    return scope == "counter" and bool(rule) and rule.endswith(COUNTER_RULES)


def require_scope(token: ApiToken, method: str, rule: str | None) -> None:
    """Refuse a call the token's scope does not cover (403 insufficient_scope)."""
    if not allows(token.scope, method, rule):
        raise Forbidden(
            "insufficient_scope",
            _l("This token's scope (%(scope)s) does not allow this call.", scope=token.scope),
            details={"scope": token.scope},
        )


def user_tokens(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def owned(user: User, token_id: int) -> ApiToken:
    """One of the user's tokens; another user's token is NotFound."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    return token
