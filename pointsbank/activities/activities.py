"""Activities: list, create, change, call off; sign-up counts per activity."""

from __future__ import annotations

import secrets
from datetime import UTC

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.activities.models import Activity, Signup, Team
from pointsbank.activities.scope import lock_activity, utc
from pointsbank.activities.signups import promote_waiting, taken
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules import service as rules
from pointsbank.rules.models import Rule


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
    rules.check_pays_for(rules.current_version(rule) or rule.latest, "check_in")
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
    lock_activity(activity)
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
