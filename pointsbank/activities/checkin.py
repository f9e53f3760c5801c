"""Check-in and check-out: the activity poster code, the volunteer's personal code, scans in the time window."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import (
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
    Signer,
    URLSafeTimedSerializer,
)

from pointsbank.activities.models import Activity, Signup
from pointsbank.activities.scope import utc
from pointsbank.activities.signups import signup_of
from pointsbank.db import utcnow
from pointsbank.errors import NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules import service as rules

POSTER_PREFIX = "PB1A."
PERSONAL_PREFIX = "PB1V."
POSTER_SALT = "pointsbank.activity-poster.v1"
PERSONAL_SALT = "pointsbank.volunteer-code.v1"
DIGITS_SALT = b"pointsbank.volunteer-digits.v1"
PERSONAL_CODE_SECONDS = 120
DIGIT_STEP_SECONDS = 60
# The poster works from a little before the start until a little after the end.
OPENS_BEFORE = timedelta(minutes=30)
CLOSES_AFTER = timedelta(minutes=30)
# A second scan within this time is a repeat, not a check-out.
MIN_STAY = timedelta(minutes=5)


@dataclass
class ScanResult:
    """What a scan did: checked_in, checked_out, or already_* (nothing changed)."""

    action: str
    signup: Signup


# ---------------------------------------------------------------- codes


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def poster_code(activity: Activity) -> str:
    """The poster's QR payload: an opaque signed secret of the activity (never its id)."""
    return POSTER_PREFIX + Signer(_secret(), salt=POSTER_SALT).sign(activity.poster_key).decode()


def activity_for_poster(code: str) -> Activity:
    """The activity a poster code names; Refused("invalid") when it is not one of ours."""
    code = (code or "").strip()
    if not code.startswith(POSTER_PREFIX):
        raise Refused("invalid", _l("This is not an activity poster code."))
    try:
        key = Signer(_secret(), salt=POSTER_SALT).unsign(code[len(POSTER_PREFIX) :]).decode()
    except BadSignature as exc:
        raise Refused("invalid", _l("This is not an activity poster code.")) from exc
    activity = db.session.scalar(sa.select(Activity).where(Activity.poster_key == key))
    if activity is None:
        raise Refused("invalid", _l("This is not an activity poster code."))
    return activity


def _digits(user_id: int, step: int) -> str:
    mac = hmac.new(_secret().encode() + DIGITS_SALT, f"{user_id}:{step}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 1_000_000:06d}"


def personal_code(user) -> tuple[str, str]:
    """The volunteer's short-lived check-in code: QR payload and the 6-digit form for typing."""
    token = URLSafeTimedSerializer(_secret(), salt=PERSONAL_SALT).dumps({"u": user.id})
    return PERSONAL_PREFIX + token, _digits(user.id, int(time.time() // DIGIT_STEP_SECONDS))


def user_for_personal_code(code: str, activity: Activity) -> int:
    """The user id a scanned or typed personal code names (typed digits match a sign-up of the activity)."""
    code = (code or "").strip().replace(" ", "")
    if code.startswith(PERSONAL_PREFIX):
        try:
            data = URLSafeTimedSerializer(_secret(), salt=PERSONAL_SALT).loads(
                code[len(PERSONAL_PREFIX) :], max_age=PERSONAL_CODE_SECONDS
            )
        except SignatureExpired as exc:
            raise Refused("expired", _l("This code has expired; ask the volunteer to refresh it.")) from exc
        except (BadTimeSignature, BadSignature) as exc:
            raise Refused("invalid", _l("This is not a volunteer code.")) from exc
        return int(data["u"])
    if code.isascii() and code.isdigit() and len(code) == 6:
        step = int(time.time() // DIGIT_STEP_SECONDS)
        user_ids = db.session.scalars(
            sa.select(Signup.user_id).where(Signup.activity_id == activity.id, Signup.status == "signed_up")
        ).all()
        for user_id in user_ids:
            if any(hmac.compare_digest(_digits(user_id, s), code) for s in (step, step - 1, step - 2)):
                return user_id
        raise Refused("invalid", _l("No volunteer of this activity has this code right now."))
    raise Refused("invalid", _l("This is not a volunteer code."))


# ---------------------------------------------------------------- check-in / check-out


def _check_window(activity: Activity, now: datetime) -> None:
    if activity.status != "open":
        raise Refused("activity_closed", _l("This activity is closed for check-in."))
    if now < utc(activity.starts_at) - OPENS_BEFORE:
        raise Refused("not_started", _l("Check-in opens 30 minutes before the activity starts."))
    if now > utc(activity.ends_at) + CLOSES_AFTER:
        raise Refused("expired", _l("This activity is over; its poster code no longer works."))


def _scan(activity: Activity, user_id: int, now: datetime, actor_id: int) -> ScanResult:
    _check_window(activity, now)
    signup = signup_of(activity, user_id)
    if signup is None or signup.status == "cancelled":
        raise Refused("not_signed_up", _l("Sign up for this activity first."))
    if signup.status == "waiting":
        raise Refused(
            "on_waiting_list",
            _l("You are still on the waiting list for this activity."),
        )
    if signup.checked_in_at is None:
        result = db.session.execute(
            sa.update(Signup)
            .where(
                Signup.id == signup.id,
                Signup.checked_in_at.is_(None),
                Signup.status == "signed_up",
            )
            .values(checked_in_at=now, checked_in_by=actor_id)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(signup)
        return ScanResult("checked_in" if result.rowcount == 1 else "already_checked_in", signup)
    if signup.checked_out_at is not None:
        return ScanResult("already_checked_out", signup)
    if now - utc(signup.checked_in_at) < MIN_STAY:
        return ScanResult("already_checked_in", signup)
    result = db.session.execute(
        sa.update(Signup)
        .where(Signup.id == signup.id, Signup.checked_out_at.is_(None))
        .values(checked_out_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(signup)
    return ScanResult("checked_out" if result.rowcount == 1 else "already_checked_out", signup)


def check_in_with_poster(user, code: str, now: datetime | None = None) -> ScanResult:
    """The volunteer scanned the poster: first scan checks in, a later one checks out."""
    activity = activity_for_poster(code)
    if user.community_id != activity.community_id:
        raise Refused("invalid", _l("This activity belongs to another community."))
    return _scan(activity, user.id, utc(now or utcnow()), user.id)


def check_in_volunteer(actor, activity: Activity, code: str, now: datetime | None = None) -> ScanResult:
    """The coordinator scanned (or typed) a volunteer's personal code for this activity."""
    if not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    user_id = user_for_personal_code(code, activity)
    return _scan(activity, user_id, utc(now or utcnow()), actor.id)
