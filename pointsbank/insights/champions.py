"""Weekly points champions (积分冠军): the top residents and teams by points earned, reversals excluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.activities.models import Team, TeamMember
from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights.weeks import Week
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.objections.models import Objection
from pointsbank.people.models import Community, User

AWARD_KINDS = ("award", "fund_award")


CHAMPIONS_LIMIT = 10


TEAMS_LIMIT = 5


@dataclass
class Champion:
    rank: int
    user_id: int
    name: str
    points: int
    awards: int


@dataclass
class TeamChampion:
    rank: int
    team_id: int
    name: str
    points: int
    members: int


def _earned(community_id: int, week: Week) -> sa.Subquery:
    """Per resident: points earned in the week from awards that were not reversed, and when the last one came."""
    start, end = week.bounds()
    reversal = aliased(Transfer)
    return (
        sa.select(
            Account.owner_user_id.label("user_id"),
            sa.func.sum(Entry.amount).label("points"),
            sa.func.count(Entry.id).label("awards"),
            sa.func.max(Transfer.id).label("last_transfer_id"),
        )
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(
            Entry.community_id == community_id,
            Entry.created_at >= start,
            Entry.created_at < end,
            Account.community_id == community_id,  # equal to the entry's (verify checks it); lets the plan use it
            Account.kind == "resident",
            Transfer.kind.in_(AWARD_KINDS),
            reversal.id.is_(None),
            Entry.amount > 0,
        )
        .group_by(Account.owner_user_id)
        .subquery("earned")
    )


def _ranked(community_id: int, week: Week) -> sa.Subquery:
    """Every resident who earned points in the week with their rank (row_number over the champions' order).

    Ties: more points first, then whoever reached the total first (earlier last award), then the lower user id.
    """
    earned = _earned(community_id, week)
    order = (earned.c.points.desc(), earned.c.last_transfer_id.asc(), earned.c.user_id.asc())
    return (
        sa.select(
            earned.c.user_id,
            User.name,
            earned.c.points,
            earned.c.awards,
            sa.func.row_number().over(order_by=order).label("rank"),
        )
        .join(User, User.id == earned.c.user_id)
        .where(earned.c.points > 0)
        .subquery("ranked")
    )


def _champion(r) -> Champion:
    return Champion(int(r.rank), r.user_id, r.name, int(r.points), int(r.awards))


def champions(community_id: int, week: Week, *, limit: int = CHAMPIONS_LIMIT, offset: int = 0) -> list[Champion]:
    """The residents ranked `offset + 1` to `offset + limit` by points earned in the week (one query)."""
    ranked = _ranked(community_id, week)
    rows = db.session.execute(
        sa.select(ranked).where(ranked.c.rank > offset).order_by(ranked.c.rank.asc()).limit(limit)
    ).all()
    return [_champion(r) for r in rows]


def champion_count(community_id: int, week: Week) -> int:
    """How many residents earned points in the week (one query)."""
    ranked = _ranked(community_id, week)
    return int(db.session.execute(sa.select(sa.func.count()).select_from(ranked)).scalar_one())


def champion_rank(community_id: int, week: Week, user_id: int) -> Champion | None:
    """One resident's row with their rank in the week, or None when they earned nothing (one query)."""
    ranked = _ranked(community_id, week)
    row = db.session.execute(sa.select(ranked).where(ranked.c.user_id == user_id)).first()
    return _champion(row) if row is not None else None


def team_champions(community_id: int, week: Week, *, limit: int = TEAMS_LIMIT) -> list[TeamChampion]:
    """The top volunteer teams: the points their members earned in the week (one query)."""
    earned = _earned(community_id, week)
    points = sa.func.sum(earned.c.points)
    rows = db.session.execute(
        sa.select(Team.id, Team.name, points.label("points"), sa.func.count(earned.c.user_id).label("members"))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(earned, earned.c.user_id == TeamMember.user_id)
        .where(Team.community_id == community_id)
        .group_by(Team.id, Team.name)
        .having(points > 0)
        .order_by(points.desc(), Team.id.asc())
        .limit(limit)
    ).all()
    return [TeamChampion(i, r.id, r.name, int(r.points), int(r.members)) for i, r in enumerate(rows, start=1)]


@dataclass
class Withheld:
    """Champions not named yet: the week's awards are still in 公示 (until, when known) or objected to."""

    until: datetime | None
    objected: bool


def withheld(community_id: int, week: Week, now: datetime | None = None) -> Withheld | None:
    """None when the week's champions may be named; with champions_after_publicity, only once every award of the
    week has passed 公示 and no objection to one is open (one query)."""
    community = db.session.get(Community, community_id)
    if community is None or not community.champions_after_publicity or community.publicity_days <= 0:
        return None
    now = now or utcnow()
    start, end = week.bounds()
    days = timedelta(days=community.publicity_days)
    open_objection = (
        sa.select(Objection.id)
        .where(Objection.transfer_id == Entry.transfer_id, Objection.status == "open")
        .correlate(Entry)
        .exists()
    )
    last, objected = db.session.execute(
        sa.select(sa.func.max(Entry.created_at), sa.func.count(sa.case((open_objection, 1))))
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            Entry.community_id == community_id,
            Entry.created_at >= start,
            Entry.created_at < end,
            Account.community_id == community_id,  # equal to the entry's (verify checks it); lets the plan use it
            Account.kind == "resident",
            Transfer.kind.in_(AWARD_KINDS),
            Entry.amount > 0,
        )
    ).one()
    if last is None:
        return None
    # While the week runs, a later award may still come: its 公示 ends at the latest `days` after the week.
    until = (end if now < end else last) + days
    if now < until or objected:
        return Withheld(until if now < until else None, bool(objected))
    return None
