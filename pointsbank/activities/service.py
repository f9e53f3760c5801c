"""Volunteer activities: sign-up with a waiting list, QR check-in/out, no-shows, awards on confirmation, teams."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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

from pointsbank.activities.models import Activity, Signup, Team, TeamMember
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward, Rule

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


# ---------------------------------------------------------------- scope


def utc(value: datetime) -> datetime:
    """A stored time as aware UTC (SQLite hands back naive UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def get_activity(activity_id: int, user, *, manage: bool = False) -> Activity:
    """An activity of the user's community (or one they coordinate), else NotFound."""
    activity = db.session.get(Activity, activity_id)
    if activity is None:
        raise NotFound()
    if rules.can_manage(user, activity.community_id):
        return activity
    if manage or activity.community_id != user.community_id:
        raise NotFound()
    return activity


def list_activities(
    user,
    *,
    community_id: int | None = None,
    when: str = "all",
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Activity], int]:
    """Activities the user can see; upcoming ones soonest first, past ones newest first."""
    query = sa.select(Activity)
    scope = rules.managed_community_ids(user)
    visible = set(scope) if scope is not None else None
    if visible is not None and user.community_id:
        visible.add(user.community_id)
    if visible is not None:
        query = query.where(Activity.community_id.in_(visible or {-1}))
    if community_id is not None:
        query = query.where(Activity.community_id == community_id)
    now = utcnow()
    if when == "upcoming":
        query = query.where(Activity.ends_at > now, Activity.status != "cancelled").order_by(
            Activity.starts_at, Activity.id
        )
    elif when == "past":
        query = query.where(Activity.ends_at <= now).order_by(Activity.starts_at.desc(), Activity.id.desc())
    else:
        query = query.order_by(Activity.starts_at.desc(), Activity.id.desc())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).unique().all()
    return list(rows), total


# ---------------------------------------------------------------- activities


ACTIVITY_FIELDS = ("title", "place", "description", "starts_at", "ends_at", "capacity", "rule_id", "team_id")


def _checked(community_id: int, values: dict) -> dict:
    """Validated activity values (times as UTC); Invalid/Refused with a stable code otherwise."""
    title, place = (values.get("title") or "").strip(), (values.get("place") or "").strip()
    if not title or not place:
        raise Invalid("invalid_activity", _l("An activity needs a title and a place."))
    starts_at, ends_at = utc(values["starts_at"]).astimezone(UTC), utc(values["ends_at"]).astimezone(UTC)
    if ends_at <= starts_at:
        raise Invalid("invalid_dates", _l("The end time must be after the start time."))
    capacity = values.get("capacity")
    if capacity is None or capacity < 1:
        raise Invalid("invalid_capacity", _l("Capacity must be at least 1."))
    rule = db.session.get(Rule, values.get("rule_id"))
    if rule is None or rule.community_id != community_id:
        raise Invalid("invalid_rule", _l("Choose a rule of this community."))
    if rule.status != "published":
        raise Refused("rule_not_in_force", _l("This rule is not published."))
    team_id = values.get("team_id")
    if team_id is not None:
        team = db.session.get(Team, team_id)
        if team is None or team.community_id != community_id:
            raise Invalid("invalid_team", _l("Choose a team of this community."))
    return {
        "title": title,
        "place": place,
        "description": (values.get("description") or "").strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "rule_id": rule.id,
        "team_id": team_id,
    }


def create_activity(actor, community_id: int, **values) -> Activity:
    """A coordinator creates an activity (title, place, starts_at, ends_at, capacity, rule_id, team_id)."""
    rules.check_manages(actor, community_id)
    checked = _checked(community_id, values)
    activity = Activity(
        community_id=community_id, status="open", poster_key=secrets.token_hex(16), created_by=actor.id, **checked
    )
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(actor, activity: Activity, **values) -> Activity:
    """Change an open activity; more places move people up from the waiting list."""
    if not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    _lock_activity(activity)
    if activity.status != "open":
        raise Refused("activity_closed", _l("Only an open activity can change."))
    merged = {name: getattr(activity, name) for name in ACTIVITY_FIELDS}
    merged.update({k: v for k, v in values.items() if k in ACTIVITY_FIELDS})
    checked = _checked(activity.community_id, merged)
    if checked["capacity"] < taken(activity):
        raise Refused("capacity_below_signups", _l("More people have signed up than the new number of places."))
    for name, value in checked.items():
        setattr(activity, name, value)
    db.session.flush()
    db.session.expire(activity, ["rule", "team"])
    promote_waiting(activity)
    return activity


def cancel_activity(actor, activity: Activity) -> Activity:
    """Call off an activity that has not been confirmed."""
    if not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    if activity.status == "confirmed":
        raise Conflict("activity_confirmed", _l("This activity is already confirmed."))
    activity.status = "cancelled"
    db.session.flush()
    return activity


def _lock_activity(activity: Activity) -> None:
    db.session.execute(sa.select(Activity.id).where(Activity.id == activity.id).with_for_update())
    db.session.refresh(activity)


def counts(activity_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sign-up counts per activity and status, in one query."""
    result: dict[int, dict[str, int]] = {i: {} for i in activity_ids}
    if not activity_ids:
        return result
    rows = db.session.execute(
        sa.select(Signup.activity_id, Signup.status, sa.func.count())
        .where(Signup.activity_id.in_(activity_ids))
        .group_by(Signup.activity_id, Signup.status)
    )
    for activity_id, status, n in rows:
        result[activity_id][status] = n
    return result


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
    _lock_activity(activity)
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
    _lock_activity(activity)
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


# ---------------------------------------------------------------- closing and confirming


def close_activity(actor, activity: Activity, now: datetime | None = None) -> Activity:
    """Close attendance: checked-in sign-ups attended (hours clipped), the others no-show."""
    if actor is not None and not rules.can_manage(actor, activity.community_id):
        raise NotFound()
    _lock_activity(activity)
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
    _lock_activity(activity)
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


# ---------------------------------------------------------------- teams


def create_team(actor, community_id: int, name: str, description: str = "") -> Team:
    """A coordinator creates a volunteer team."""
    rules.check_manages(actor, community_id)
    name = (name or "").strip()
    if not name:
        raise Invalid("invalid_team", _l("A team needs a name."))
    if db.session.scalar(sa.select(Team.id).where(Team.community_id == community_id, Team.name == name)):
        raise Conflict("team_exists", _l("A team with this name already exists."))
    team = Team(
        community_id=community_id,
        name=name,
        description=(description or "").strip(),
        created_by=actor.id,
    )
    db.session.add(team)
    db.session.flush()
    return team


def get_team(team_id: int, user) -> Team:
    """A team of the user's community (or one they coordinate), else NotFound."""
    team = db.session.get(Team, team_id)
    if team is None or not (team.community_id == user.community_id or rules.can_manage(user, team.community_id)):
        raise NotFound()
    return team


def join_team(user, team: Team) -> TeamMember:
    """A resident joins a team of their community (joining again changes nothing)."""
    if user.community_id != team.community_id:
        raise NotFound()
    member = db.session.scalar(
        sa.select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    if member is None:
        member = TeamMember(team_id=team.id, user_id=user.id)
        db.session.add(member)
        db.session.flush()
    return member


def leave_team(user, team: Team) -> None:
    """A resident leaves a team."""
    db.session.execute(sa.delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id))
    db.session.flush()


def team_totals(community_ids: set[int], user_id: int | None = None) -> list[dict]:
    """Each team with its member count and its members' attended hours and points since they joined."""
    hours = sa.func.coalesce(sa.func.sum(Signup.hours), 0)
    points = sa.func.coalesce(sa.func.sum(Signup.points_awarded), 0)
    query = (
        sa.select(Team, sa.func.count(sa.distinct(TeamMember.user_id)), hours, points)
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .outerjoin(
            Signup,
            sa.and_(
                Signup.user_id == TeamMember.user_id,
                Signup.status == "attended",
                Signup.created_at >= TeamMember.joined_at,
            ),
        )
        .where(Team.community_id.in_(community_ids or {-1}))
        .group_by(Team.id)
        .order_by(points.desc(), Team.id)
    )
    mine: set[int] = set()
    if user_id is not None:
        mine = set(db.session.scalars(sa.select(TeamMember.team_id).where(TeamMember.user_id == user_id)))
    return [
        {
            "team": team,
            "members": members,
            "hours": round(float(h), 2),
            "points": int(p),
            "joined": team.id in mine,
        }
        for team, members, h, p in db.session.execute(query)
    ]
