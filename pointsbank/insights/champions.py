"""Weekly points champions (积分冠军): the top residents and teams by points earned, reversals excluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.activities.models import Team, TeamMember
from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights.flows import community_entries
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


def _awards_in(community_id: int, week: Week) -> list:
    """Filters for the award entries residents of the community received in the week (Entry, Transfer, Account)."""
    start, end = week.bounds()
    residents = community_entries(community_id, start, end, ("resident",))
    return [*residents, Transfer.kind.in_(AWARD_KINDS), Entry.amount > 0]


def _earned(community_id: int, week: Week) -> sa.Subquery:
    """Per resident: points earned in the week from awards that were not reversed, and when the last one came."""
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
        .where(*_awards_in(community_id, week), reversal.id.is_(None))
        .group_by(Account.owner_user_id)
        .subquery("earned")
    )


def _order(earned: sa.Subquery) -> tuple:
    """The champions' order. Ties: more points first, then whoever reached the total first (earlier last award),
    then the lower user id."""
    return (earned.c.points.desc(), earned.c.last_transfer_id.asc(), earned.c.user_id.asc())


def _ranked(community_id: int, week: Week) -> sa.Subquery:
    """Every resident who earned points in the week with their rank (row_number) and how many there are."""
    earned = _earned(community_id, week)
    return (
        sa.select(
            earned.c.user_id,
            earned.c.points,
            earned.c.awards,
            sa.func.row_number().over(order_by=_order(earned)).label("rank"),
            sa.func.count().over().label("total"),
        )
        .where(earned.c.points > 0)
        .subquery("ranked")
    )


def _champion(r) -> Champion:
    return Champion(int(r.rank), r.user_id, r.name, int(r.points), int(r.awards))


def champions(community_id: int, week: Week, *, limit: int = CHAMPIONS_LIMIT, offset: int = 0) -> list[Champion]:
    """The residents ranked `offset + 1` to `offset + limit` by points earned in the week (one query).

    A top-N sort, not a rank over everyone; only the rows shown are joined to their names.
    """
    earned = _earned(community_id, week)
    top = sa.select(earned).where(earned.c.points > 0).order_by(*_order(earned)).limit(limit).offset(offset).subquery()
    rows = db.session.execute(
        sa.select(top, User.name).join(User, User.id == top.c.user_id).order_by(*_order(top))
    ).all()
    return [Champion(offset + i, r.user_id, r.name, int(r.points), int(r.awards)) for i, r in enumerate(rows, 1)]


@dataclass
class ChampionPage:
    """One page of the week's champions, how many residents earned points, and the reader's own row."""

    residents: list[Champion]
    total: int
    mine: Champion | None


def champion_page(
    community_id: int, week: Week, user_id: int | None, *, page: int, per_page: int, clamp: bool = False
) -> ChampionPage:
    """Page `page` of the ranking, the count and the reader's row, in one query (clamp: past the end is the last)."""
    ranked = _ranked(community_id, week)
    first: sa.ColumnElement = sa.literal((page - 1) * per_page)
    if clamp:
        pages = sa.case((ranked.c.total > 0, (ranked.c.total + per_page - 1) // per_page), else_=1)
        first = (sa.case((pages < page, pages), else_=page) - 1) * per_page
    in_page = sa.and_(ranked.c.rank > first, ranked.c.rank <= first + per_page)
    rows = db.session.execute(
        sa.select(ranked, User.name, in_page.label("in_page"))
        .join(User, User.id == ranked.c.user_id)
        .where(sa.or_(in_page, ranked.c.user_id == user_id, ranked.c.rank == 1))  # the first row brings the count
        .order_by(ranked.c.rank.asc())
    ).all()
    mine = next((_champion(r) for r in rows if r.user_id == user_id), None)
    total = int(rows[0].total) if rows else 0
    return ChampionPage([_champion(r) for r in rows if r.in_page], total, mine)


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
    return withheld_weeks(community_id, [week], now)[week]


def withheld_weeks(community_id: int, weeks: list[Week], now: datetime | None = None) -> dict[Week, Withheld | None]:
    """withheld() of several weeks in one query."""
    community = db.session.get(Community, community_id)
    if community is None or not community.champions_after_publicity or community.publicity_days <= 0:
        return dict.fromkeys(weeks)
    now = now or utcnow()
    days = timedelta(days=community.publicity_days)

    def award_entries() -> sa.Select:
        return (
            sa.select(Entry.created_at)
            .join(Transfer, Transfer.id == Entry.transfer_id)
            .join(Account, Account.id == Entry.account_id)
        )

    columns = []
    for i, week in enumerate(weeks):
        # The week's last award: read backwards along the entries' (community, time) index until the first one.
        last = award_entries().where(*_awards_in(community_id, week)).order_by(Entry.created_at.desc()).limit(1)
        # Objections still open on the week's awards: read from the few open objections, not from every award.
        objected = (
            sa.select(sa.func.count(Objection.id))
            .join(Entry, Entry.transfer_id == Objection.transfer_id)
            .join(Transfer, Transfer.id == Entry.transfer_id)
            .join(Account, Account.id == Entry.account_id)
            .where(Objection.community_id == community_id, Objection.status == "open", *_awards_in(community_id, week))
        )
        columns += [last.scalar_subquery().label(f"last{i}"), objected.scalar_subquery().label(f"objected{i}")]
    row = db.session.execute(sa.select(*columns)).one()
    out: dict[Week, Withheld | None] = {}
    for i, week in enumerate(weeks):
        last, objected, end = row._mapping[f"last{i}"], row._mapping[f"objected{i}"], week.bounds()[1]
        if last is None:
            out[week] = None
            continue
        # While the week runs, a later award may still come: its 公示 ends at the latest `days` after the week.
        until = (end if now < end else last) + days
        out[week] = Withheld(until if now < until else None, bool(objected)) if now < until or objected else None
    return out
