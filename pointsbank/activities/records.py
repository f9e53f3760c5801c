"""Volunteer service records: confirmed hours per volunteer by activity and by year, and per community."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.activities.models import Activity, Signup, Team
from pointsbank.extensions import db
from pointsbank.people.models import Community, User

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class ServiceRecord:
    """One confirmed stretch of service: who, what, who organised it, when, how long, who confirmed it."""

    signup_id: int
    user_id: int
    name: str
    phone: str
    activity_id: int
    activity: str
    organiser: str
    community: str
    day: date
    starts_at: datetime
    hours: float
    confirmed_by: str
    confirmed_at: datetime | None


def _query() -> sa.Select:
    confirmer = aliased(User)
    volunteer = aliased(User)
    return (
        sa.select(
            Signup.id,
            Signup.user_id,
            volunteer.name,
            volunteer.phone,
            Activity.id,
            Activity.title,
            Team.name,
            Community.name,
            Activity.starts_at,
            Signup.hours,
            confirmer.name,
            Activity.confirmed_at,
        )
        .select_from(Signup)
        .join(Activity, Activity.id == Signup.activity_id)
        .join(volunteer, volunteer.id == Signup.user_id)
        .join(Community, Community.id == Activity.community_id)
        .outerjoin(Team, Team.id == Activity.team_id)
        .outerjoin(confirmer, confirmer.id == Activity.confirmed_by)
        .where(Activity.status == "confirmed", Signup.status == "attended", Signup.hours > 0)
        .order_by(Activity.starts_at, Signup.id)
    )


def _record(row: sa.Row) -> ServiceRecord:
    sid, uid, name, phone, aid, title, team, community, starts, hours, confirmer, confirmed_at = row
    return ServiceRecord(
        signup_id=sid,
        user_id=uid,
        name=name,
        phone=phone,
        activity_id=aid,
        activity=title,
        organiser=team or community,
        community=community,
        day=starts.astimezone(SHANGHAI).date(),
        starts_at=starts,
        hours=round(float(hours or 0), 2),
        confirmed_by=confirmer or "",
        confirmed_at=confirmed_at,
    )


def records_of(user_id: int) -> list[ServiceRecord]:
    """A volunteer's confirmed service, oldest first."""
    return [_record(r) for r in db.session.execute(_query().where(Signup.user_id == user_id))]


def community_records(community_id: int, start: date | None = None, end: date | None = None) -> list[ServiceRecord]:
    """A community's confirmed service between two local dates (inclusive), oldest first."""
    query = _query().where(Activity.community_id == community_id)
    if start is not None:
        query = query.where(Activity.starts_at >= datetime.combine(start, time(), SHANGHAI))
    if end is not None:
        query = query.where(Activity.starts_at < datetime.combine(end + timedelta(days=1), time(), SHANGHAI))
    return [_record(r) for r in db.session.execute(query)]


def total_hours(records: list[ServiceRecord]) -> float:
    return round(sum(r.hours for r in records), 2)


def hours_by_year(records: list[ServiceRecord]) -> dict[int, float]:
    """Hours per calendar year (Asia/Shanghai), newest year first."""
    years: dict[int, float] = {}
    for r in records:
        years[r.day.year] = round(years.get(r.day.year, 0) + r.hours, 2)
    return dict(sorted(years.items(), reverse=True))


def hours_by_activity(records: list[ServiceRecord]) -> OrderedDict[str, float]:
    """Hours per activity title, most hours first."""
    titles: dict[str, float] = {}
    for r in records:
        titles[r.activity] = round(titles.get(r.activity, 0) + r.hours, 2)
    return OrderedDict(sorted(titles.items(), key=lambda kv: (-kv[1], kv[0])))
