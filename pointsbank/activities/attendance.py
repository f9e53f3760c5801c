"""Attendance: hours clipped to the window, closing, corrections, confirming with awards; approval decisions."""

from __future__ import annotations

import math
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.activities.checkin import CLOSES_AFTER
from pointsbank.activities.models import Activity, Signup
from pointsbank.activities.scope import lock_activity, utc
from pointsbank.activities.signups import signups
from pointsbank.db import utcnow
from pointsbank.errors import Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward


def clipped_hours(activity: Activity, signup: Signup, until: datetime | None = None) -> float:
    """Hours between check-in and check-out (without one: the end, or `until` if earlier), clipped to the window."""
    if signup.checked_in_at is None:
        return 0.0
    start = max(utc(signup.checked_in_at), utc(activity.starts_at))
    last = (
        utc(signup.checked_out_at)
        if signup.checked_out_at
        else min(utc(until or activity.ends_at), utc(activity.ends_at))
    )
    end = min(last, utc(activity.ends_at))
    seconds = max((end - start).total_seconds(), 0)
    return math.floor(seconds / 36) / 100


def close_activity(actor, activity: Activity, now: datetime | None = None) -> Activity:
    """Close attendance: checked-in sign-ups attended (hours clipped), the others no-show."""
    if actor is not None and not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    lock_activity(activity)
    if activity.status != "open":
        return activity
    now = utc(now or utcnow())
    if now < utc(activity.starts_at):
        raise Refused("not_started", _l("An activity can close only after it starts."))
    for signup in signups(activity):
        if signup.status != "signed_up":
            continue
        if signup.checked_in_at is None:
            signup.status = "no_show"
        else:
            signup.status = "attended"
            signup.hours = clipped_hours(activity, signup, until=now)
    activity.status, activity.closed_at = "closed", now
    db.session.flush()
    return activity


def close_ended(now: datetime | None = None) -> int:
    """Close every open activity whose check-out time is over (for the scheduled command)."""
    now = now or utcnow()
    ended = (
        db.session.scalars(sa.select(Activity).where(Activity.status == "open", Activity.ends_at < now - CLOSES_AFTER))
        .unique()
        .all()
    )
    for activity in ended:
        close_activity(None, activity, now)
    return len(ended)


def set_attendance(actor, signup: Signup, *, attended: bool, hours: float | None = None) -> Signup:
    """Before confirmation, a coordinator corrects one volunteer's attendance and hours (capped to the window)."""
    activity = signup.activity
    if not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    if activity.status != "closed":
        raise Refused(
            "activity_not_closed",
            _l("Close the attendance first; confirmed activities cannot change."),
        )
    if signup.status not in ("attended", "no_show"):
        raise Refused("not_signed_up", _l("This person is not on the attendance list."))
    window = (utc(activity.ends_at) - utc(activity.starts_at)).total_seconds() / 3600
    if hours is not None and (hours < 0 or hours > window + 1e-9):
        raise Invalid(
            "invalid_hours",
            _l("Hours must be between 0 and the length of the activity."),
        )
    signup.status = "attended" if attended else "no_show"
    signup.hours = (hours if hours is not None else (signup.hours or window)) if attended else None
    db.session.flush()
    return signup


def confirm_activity(actor, activity: Activity) -> Activity:
    """Confirm attendance: each attending volunteer is awarded under the activity's rule (caps apply)."""
    if not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    if activity.status == "open":
        close_activity(actor, activity)
    lock_activity(activity)
    if activity.status == "confirmed":
        return activity
    if activity.status != "closed":
        raise Refused("activity_closed", _l("This activity was cancelled."))
    version = rules.current_version(activity.rule, at=activity.starts_at) or rules.current_version(activity.rule)
    if version is None:
        raise Refused("rule_not_in_force", _l("The rule of this activity is not in force."))
    for signup in signups(activity):
        if signup.status == "attended":
            _award(actor, activity, signup, version)
    activity.status, activity.confirmed_at, activity.confirmed_by = (
        "confirmed",
        utcnow(),
        actor.id,
    )
    db.session.flush()
    return activity


def _award(actor, activity: Activity, signup: Signup, version) -> None:
    hours = signup.hours or 0
    quantity = hours if version.unit == "hour" else 1
    if quantity <= 0 or rules.requested_points(version, quantity) == 0:
        signup.award_status, signup.points_requested, signup.points_awarded = (
            "capped_out",
            0,
            0,
        )
        return
    memo = f"志愿活动：{activity.title} {hours:g} 小时" if version.unit == "hour" else f"志愿活动：{activity.title}"
    outcome = rules.award_under_rule(
        signup.user,
        version,
        quantity=quantity,
        key=f"activity:{activity.id}:signup:{signup.id}:award",
        actor_id=actor.id,
        memo=memo,
        subject=("activity", activity.id),
        evidence="check_in",
    )
    signup.award_status = outcome.status
    signup.points_requested = outcome.requested
    signup.points_awarded = outcome.awarded
    signup.cap_note = outcome.cap_note
    signup.transfer_id = outcome.transfer.id if outcome.transfer is not None else None
    signup.pending_award_id = outcome.pending_award.id if outcome.pending_award is not None else None


def record_decision(pending: PendingAward) -> None:
    """Keep a sign-up's award in step with the coordinator's decision on its pending award."""
    signup = db.session.scalar(sa.select(Signup).where(Signup.pending_award_id == pending.id))
    if signup is None:
        return
    if pending.status == "rejected":
        signup.award_status, signup.points_awarded = "rejected", 0
    elif pending.status == "approved":
        signup.award_status = "posted" if pending.transfer_id else "capped_out"
        signup.points_awarded, signup.cap_note, signup.transfer_id = (
            pending.awarded_points,
            pending.cap_note,
            pending.transfer_id,
        )
    db.session.flush()


rules.register_decision_recorder("activity", record_decision)
