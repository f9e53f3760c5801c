"""My account: tokens made only from a session with a fresh password, revoking them, ending sessions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.errors import Forbidden, Invalid
from pointsbank.people import sessions, tokens
from pointsbank.people.auth import verify_password
from pointsbank.people.models import ApiToken, User, UserSession


def new_token(
    user: User,
    record: UserSession | None,
    name: str,
    *,
    scope: str = "read",
    days: int | None = None,
    password: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for a logged-in session whose password was typed in the last few minutes (audited).

    A bearer token never mints one (403 session_required); a stale session must type the password (403
    reauth_required, or the password given here).
    """
    if record is None:
        raise Forbidden("session_required", _l("Tokens are created only from a logged-in session, not with a token."))
    if password:
        if not verify_password(user, password):
            raise Invalid("wrong_password", _l("The password is wrong."))
        sessions.confirm_password(record)
    if not sessions.password_is_recent(record):
        raise Forbidden("reauth_required", _l("Enter your password again to create a token."))
    token, plain = tokens.create_token(user, name, scope=scope, days=days)
    audit.record(
        "token.created",
        actor_id=user.id,
        community_id=user.community_id,
        subject=("token", token.id),
        details={"scope": token.scope, "expires_at": token.expires_at.isoformat()},
    )
    return token, plain


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of my tokens, for good (audited once)."""
    token = tokens.owned(user, token_id)
    if token.revoked_at is None:
        token.revoke()
        audit.record("token.revoked", actor_id=user.id, community_id=user.community_id, subject=("token", token.id))
    return token


def end_my_other_sessions(user: User, record: UserSession | None) -> int:
    """Log out everywhere else (audited)."""
    ended = sessions.end_all(user.id, keep_id=record.id if record else None)
    audit.record(
        "session.ended_all",
        actor_id=user.id,
        community_id=user.community_id,
        subject=("user", user.id),
        details={"sessions_ended": ended, "kept_current": record is not None},
    )
    return ended
