"""Sign-ups: sign up or join the waiting list, cancel, move up; who is on an activity."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.activities.models import Activity, Signup
from pointsbank.activities.scope import lock_activity, utc
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, NotFound, Refused
from pointsbank.extensions import db


def taken(activity: Activity) -> int:
    """Places taken (signed up, attended or no-show)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Signup.activity_id == activity.id,
                Signup.status.in_(("signed_up", "attended", "no_show")),
            )
        )
        or 0
    )


def signup_of(activity: Activity, user_id: int) -> Signup | None:
    """The user's sign-up for the activity, if any."""
    return db.session.scalar(sa.select(Signup).where(Signup.activity_id == activity.id, Signup.user_id == user_id))


def sign_up(user, activity: Activity) -> Signup:
    """Sign a resident up; a full activity puts them on the waiting list."""
    if user.community_id != activity.community_id:
        raise NotFound()
    lock_activity(activity)
    if activity.status != "open" or utc(activity.ends_at) <= utcnow():
        raise Refused("activity_closed", _l("This activity no longer takes sign-ups."))
    signup = signup_of(activity, user.id)
    if signup is not None and signup.status in ("signed_up", "waiting"):
        return signup
    if signup is not None and signup.status != "cancelled":
        raise Conflict("already_signed_up", _l("You already took part in this activity."))
    status = "signed_up" if taken(activity) < activity.capacity else "waiting"
    if signup is None:
        signup = Signup(activity_id=activity.id, user_id=user.id)
        db.session.add(signup)
    signup.status, signup.queued_at = status, utcnow()
    db.session.flush()
    return signup


def cancel_signup(user, activity: Activity) -> Signup:
    """Cancel a sign-up; the first on the waiting list moves up."""
    lock_activity(activity)
    signup = signup_of(activity, user.id)
    if signup is None or signup.status not in ("signed_up", "waiting"):
        raise NotFound("not_signed_up", _l("You are not signed up for this activity."))
    if activity.status != "open":
        raise Refused("activity_closed", _l("This activity no longer takes sign-ups."))
    if signup.checked_in_at is not None:
        raise Refused("already_checked_in", _l("You have already checked in."))
    was_taking_place = signup.status == "signed_up"
    signup.status = "cancelled"
    db.session.flush()
    if was_taking_place:
        promote_waiting(activity)
    return signup


def promote_waiting(activity: Activity) -> list[Signup]:
    """Move people up from the waiting list while there is room (call with the activity locked)."""
    room = activity.capacity - taken(activity)
    if room <= 0:
        return []
    waiting = (
        db.session.scalars(
            sa.select(Signup)
            .where(Signup.activity_id == activity.id, Signup.status == "waiting")
            .order_by(Signup.queued_at, Signup.id)
            .limit(room)
        )
        .unique()
        .all()
    )
    for signup in waiting:
        signup.status = "signed_up"
    db.session.flush()
    return list(waiting)


def signups(activity: Activity) -> list[Signup]:
    """Everyone on the activity, signed up first, then the waiting list in order."""
    order = sa.case(
        {"signed_up": 0, "attended": 0, "no_show": 1, "waiting": 2},
        value=Signup.status,
        else_=3,
    )
    return list(
        db.session.scalars(
            sa.select(Signup).where(Signup.activity_id == activity.id).order_by(order, Signup.queued_at, Signup.id)
        ).unique()
    )


def my_signups(user, *, page: int = 1, per_page: int = 20) -> tuple[list[Signup], int]:
    """A volunteer's sign-ups, newest activity first."""
    query = sa.select(Signup).join(Activity, Activity.id == Signup.activity_id).where(Signup.user_id == user.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Activity.starts_at.desc(), Signup.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).unique()
    return list(rows), total


def my_signups_for(user, activity_ids: list[int]) -> dict[int, Signup]:
    """The user's sign-ups for these activities, by activity id (one query)."""
    if not activity_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Signup).where(Signup.user_id == user.id, Signup.activity_id.in_(activity_ids))
    ).unique()
    return {s.activity_id: s for s in rows}


def get_signup(activity: Activity, signup_id: int) -> Signup:
    """One sign-up of this activity, else NotFound."""
    signup = db.session.get(Signup, signup_id)
    if signup is None or signup.activity_id != activity.id:
        raise NotFound()
    return signup
