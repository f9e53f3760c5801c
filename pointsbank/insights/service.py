"""Insights: weekly champions, the public board, the coordinator dashboard and exports. Read-only.

Every figure is aggregated in the database (GROUP BY); each view runs a fixed, small number of queries.
Weeks are ISO weeks of the Asia/Shanghai calendar; times are stored in UTC.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from pointsbank.activities.models import Activity, Signup, Team, TeamMember
from pointsbank.db import utcnow
from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.people.models import Community, User
from pointsbank.reports.models import Report
from pointsbank.stations.models import Item, Redemption, RedemptionLine, Station

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Transfers that award points to a resident: from the issuance account or from the charity fund.
AWARD_KINDS = ("award", "fund_award")
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
CHAMPIONS_LIMIT = 10
TEAMS_LIMIT = 5
TOP_ITEMS_LIMIT = 5
BOARD_MAX_LINES = 2000
CSV_MAX_LINES = 200_000


# ---------------------------------------------------------------- weeks


@dataclass(frozen=True)
class Week:
    """An ISO week of the Asia/Shanghai calendar."""

    year: int
    number: int

    @property
    def label(self) -> str:
        """The ISO form, e.g. 2026-W47."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        """The first local day of the week."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """The last local day of the week."""
        return self.monday + timedelta(days=6)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local Monday 00:00 to the next local Monday 00:00."""
        return local_midnight(self.monday), local_midnight(self.monday + timedelta(days=7))

    def previous(self) -> Week:
        """The week before."""
        return week_of_day(self.monday - timedelta(days=7))

    def next(self) -> Week:
        """The week after."""
        return week_of_day(self.monday + timedelta(days=7))


def local_midnight(day: date) -> datetime:
    """00:00 of a Shanghai calendar day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def local_today(now: datetime | None = None) -> date:
    """Today in Asia/Shanghai."""
    return (now or utcnow()).astimezone(SHANGHAI).date()


def week_of_day(day: date) -> Week:
    """The ISO week a local day belongs to."""
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def current_week(now: datetime | None = None) -> Week:
    """This week in Asia/Shanghai."""
    return week_of_day(local_today(now))


def parse_week(text: str | None, now: datetime | None = None) -> Week:
    """`2026-W47` → Week; empty → this week; anything else is 400 invalid_week."""
    if text is None or not str(text).strip():
        return current_week(now)
    match = WEEK_PATTERN.match(str(text).strip())
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            match = None
        else:
            if 2000 <= year <= 2100:
                return Week(year, number)
    raise Invalid(
        "invalid_week",
        _l("Give the week as an ISO week such as 2026-W47."),
        details={"week": str(text)[:20]},
    )


def month_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of this local calendar month."""
    today = local_today(now)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first), local_midnight(following)


# ---------------------------------------------------------------- scope


def is_coordinator_of(user: Any, community_id: int) -> bool:
    """True when the user coordinates this community."""
    return community_id in user.coordinated_community_ids()


def community_for_viewer(user: Any, community_id: int) -> Community:
    """The community if the user lives in it or coordinates it; 404 otherwise."""
    if user.community_id != community_id and not is_coordinator_of(user, community_id):
        raise NotFound("community_not_found")
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def community_for_coordinator(user: Any, community_id: int) -> Community:
    """The community if the user coordinates it; 404 otherwise."""
    if not is_coordinator_of(user, community_id):
        raise NotFound("community_not_found")
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def default_community_id(user: Any) -> int | None:
    """The resident's own community, else the lowest-numbered community they coordinate."""
    if user.community_id is not None:
        return user.community_id
    ids = user.coordinated_community_ids()
    return min(ids) if ids else None


class _Named(NamedTuple):
    name: str


def mask(name: str) -> str:
    """The public form of a name (张三丰 → 张*丰), exactly as User.masked_name."""
    return User.masked_name.fget(_Named(name or ""))


# ---------------------------------------------------------------- champions


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
            Account.kind == "resident",
            Account.community_id == community_id,
            Transfer.kind.in_(AWARD_KINDS),
            Transfer.created_at >= start,
            Transfer.created_at < end,
            reversal.id.is_(None),
            Entry.amount > 0,
        )
        .group_by(Account.owner_user_id)
        .subquery("earned")
    )


def champions(community_id: int, week: Week, *, limit: int = CHAMPIONS_LIMIT) -> list[Champion]:
    """The top residents by points earned in the week (one query).

    Ties: more points first, then whoever reached the total first (earlier last award), then the lower user id.
    """
    earned = _earned(community_id, week)
    rows = db.session.execute(
        sa.select(earned.c.user_id, User.name, earned.c.points, earned.c.awards)
        .join(User, User.id == earned.c.user_id)
        .where(earned.c.points > 0)
        .order_by(earned.c.points.desc(), earned.c.last_transfer_id.asc(), earned.c.user_id.asc())
        .limit(limit)
    ).all()
    return [Champion(i, r.user_id, r.name, int(r.points), int(r.awards)) for i, r in enumerate(rows, start=1)]


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


# ---------------------------------------------------------------- public board


@dataclass
class BoardLine:
    transfer_id: int
    created_at: datetime
    user_id: int
    name: str
    masked_name: str
    memo: str
    points: int
    kind: str
    reversed: bool
    reversed_at: datetime | None


@dataclass
class BoardTotals:
    awards: int = 0
    points: int = 0
    reversed_awards: int = 0
    reversed_points: int = 0
    net_points: int = 0
    residents: int = 0


def _board_query(community_id: int, week: Week) -> sa.Select:
    start, end = week.bounds()
    reversal = aliased(Transfer)
    return (
        sa.select(
            Transfer.id,
            Transfer.created_at,
            Transfer.memo,
            Transfer.kind,
            Entry.amount,
            User.id.label("user_id"),
            User.name,
            reversal.created_at.label("reversed_at"),
        )
        .join(Entry, Entry.transfer_id == Transfer.id)
        .join(Account, Account.id == Entry.account_id)
        .join(User, User.id == Account.owner_user_id)
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(
            Account.kind == "resident",
            Account.community_id == community_id,
            Transfer.kind.in_(AWARD_KINDS),
            Transfer.created_at >= start,
            Transfer.created_at < end,
            Entry.amount > 0,
        )
    )


def board(community_id: int, week: Week, *, page: int = 1, per_page: int = BOARD_MAX_LINES) -> list[BoardLine]:
    """The award lines of the week, oldest first (one query); a reversed award is kept and marked."""
    rows = db.session.execute(
        _board_query(community_id, week)
        .order_by(Transfer.created_at.asc(), Transfer.id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [
        BoardLine(
            transfer_id=r.id,
            created_at=r.created_at,
            user_id=r.user_id,
            name=r.name,
            masked_name=mask(r.name),
            memo=r.memo,
            points=int(r.amount),
            kind=r.kind,
            reversed=r.reversed_at is not None,
            reversed_at=r.reversed_at,
        )
        for r in rows
    ]


def board_totals(community_id: int, week: Week) -> BoardTotals:
    """Counts and points of the week's awards, reversed ones apart (one aggregate query)."""
    q = _board_query(community_id, week).subquery("lines")
    is_reversed = q.c.reversed_at.is_not(None)
    row = db.session.execute(
        sa.select(
            sa.func.count(q.c.id),
            sa.func.coalesce(sa.func.sum(q.c.amount), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_reversed, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_reversed, q.c.amount), else_=0)), 0),
            sa.func.count(sa.distinct(sa.case((~is_reversed, q.c.user_id)))),
        )
    ).one()
    awards, points, reversed_awards, reversed_points, residents = (int(v or 0) for v in row)
    return BoardTotals(awards, points, reversed_awards, reversed_points, points - reversed_points, residents)


def awards_csv(community_id: int, week: Week) -> bytes:
    """The week's awards as CSV for Excel: UTF-8 with a BOM, Chinese headers, full names (coordinators only)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["周次", "时间", "居民", "事由", "积分", "状态", "流水号"])
    for line in board(community_id, week, per_page=CSV_MAX_LINES):
        writer.writerow(
            [
                week.label,
                line.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                _csv_safe(line.name),
                _csv_safe(line.memo),
                line.points,
                "已撤销" if line.reversed else "有效",
                line.transfer_id,
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _csv_safe(text: str) -> str:
    """Keep spreadsheet formulas out of exported text (=, +, -, @ at the start)."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text


# ---------------------------------------------------------------- dashboard


def _seconds_between(start: Any, end: Any) -> Any:
    """end - start in seconds, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.func.extract("epoch", end - start)


def _in(column: Any, bounds: tuple[datetime, datetime]) -> Any:
    return sa.and_(column >= bounds[0], column < bounds[1])


def _sum_if(condition: Any, value: Any = 1) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _points_flows(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, int]]:
    """Issued, spent, donated and expired points per period, net of reversals (one GROUP BY query)."""
    original = aliased(Transfer)
    kind = sa.func.coalesce(original.kind, Transfer.kind).label("kind")
    lower = min(b[0] for b in periods.values())
    upper = max(b[1] for b in periods.values())
    columns = [_sum_if(_in(Transfer.created_at, b), Entry.amount).label(name) for name, b in periods.items()]
    rows = db.session.execute(
        sa.select(Account.kind.label("account_kind"), kind, *columns)
        .select_from(Entry)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .outerjoin(original, original.id == Transfer.reverses_id)
        .where(
            Account.community_id == community_id,
            Account.kind.in_(("issuance", "fund", "expiry", "station")),
            Transfer.created_at >= lower,
            Transfer.created_at < upper,
        )
        .group_by(Account.kind, kind)
    ).all()
    flows = {name: {"issued": 0, "spent": 0, "donated": 0, "expired": 0} for name in periods}
    for row in rows:
        for name in periods:
            amount = int(getattr(row, name) or 0)
            if row.account_kind == "issuance":
                flows[name]["issued"] -= amount
            elif row.account_kind == "station":
                flows[name]["spent"] += amount
            elif row.account_kind == "expiry":
                flows[name]["expired"] += amount
            elif row.account_kind == "fund" and row.kind == "donation":
                flows[name]["donated"] += amount
    return flows


def _active_residents(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, int]:
    """Residents whose points moved in each period (one query)."""
    lower = min(b[0] for b in periods.values())
    upper = max(b[1] for b in periods.values())
    columns = [
        sa.func.count(sa.distinct(sa.case((_in(Transfer.created_at, b), Entry.account_id)))).label(name)
        for name, b in periods.items()
    ]
    row = db.session.execute(
        sa.select(*columns)
        .select_from(Entry)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            Account.community_id == community_id,
            Account.kind == "resident",
            Transfer.created_at >= lower,
            Transfer.created_at < upper,
        )
    ).one()
    return {name: int(row._mapping[name] or 0) for name in periods}


def _activities(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, float]]:
    """Activities held (not cancelled, started in the period) and the volunteer hours attended (one query)."""
    attended = Signup.status == "attended"
    columns = []
    for name, b in periods.items():
        held = _in(Activity.starts_at, b)
        columns.append(sa.func.count(sa.distinct(sa.case((held, Activity.id)))).label(f"{name}_held"))
        columns.append(_sum_if(sa.and_(held, attended), sa.func.coalesce(Signup.hours, 0.0)).label(f"{name}_hours"))
    row = (
        db.session.execute(
            sa.select(*columns)
            .select_from(Activity)
            .outerjoin(Signup, Signup.activity_id == Activity.id)
            .where(
                Activity.community_id == community_id,
                Activity.status != "cancelled",
                Activity.starts_at >= min(b[0] for b in periods.values()),
                Activity.starts_at < max(b[1] for b in periods.values()),
            )
        )
        .one()
        ._mapping
    )
    return {
        name: {"held": int(row[f"{name}_held"] or 0), "hours": round(float(row[f"{name}_hours"] or 0), 1)}
        for name in periods
    }


def _reports(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, Any]]:
    """Reports received, accepted and resolved, and the average hours from filing to resolution (one query)."""
    handling = _seconds_between(Report.created_at, Report.resolved_at)
    columns = []
    for name, b in periods.items():
        resolved = _in(Report.resolved_at, b)
        columns += [
            _sum_if(_in(Report.created_at, b)).label(f"{name}_received"),
            _sum_if(_in(Report.accepted_at, b)).label(f"{name}_accepted"),
            _sum_if(resolved).label(f"{name}_resolved"),
            sa.func.avg(sa.case((resolved, handling))).label(f"{name}_avg"),
        ]
    row = db.session.execute(sa.select(*columns).where(Report.community_id == community_id)).one()._mapping
    out = {}
    for name in periods:
        avg = row[f"{name}_avg"]
        out[name] = {
            "received": int(row[f"{name}_received"] or 0),
            "accepted": int(row[f"{name}_accepted"] or 0),
            "resolved": int(row[f"{name}_resolved"] or 0),
            "avg_handling_hours": round(float(avg) / 3600, 1) if avg is not None else None,
        }
    return out


def _redemptions(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, int]]:
    """Completed redemptions and their points per period (one query)."""
    done = Redemption.status == "done"
    columns = []
    for name, b in periods.items():
        inside = sa.and_(done, _in(Redemption.created_at, b))
        columns += [_sum_if(inside).label(f"{name}_count"), _sum_if(inside, Redemption.total).label(f"{name}_points")]
    row = (
        db.session.execute(
            sa.select(*columns)
            .select_from(Redemption)
            .join(Station, Station.id == Redemption.station_id)
            .where(Station.community_id == community_id)
        )
        .one()
        ._mapping
    )
    return {name: {"count": int(row[f"{name}_count"]), "points": int(row[f"{name}_points"])} for name in periods}


def top_items(community_id: int, bounds: tuple[datetime, datetime], *, limit: int = TOP_ITEMS_LIMIT) -> list[dict]:
    """The most redeemed items in the period across the community's stations (one query)."""
    qty = sa.func.sum(RedemptionLine.qty)
    rows = db.session.execute(
        sa.select(
            RedemptionLine.item_name,
            qty.label("qty"),
            sa.func.sum(RedemptionLine.qty * RedemptionLine.unit_points).label("points"),
        )
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .join(Station, Station.id == Redemption.station_id)
        .where(Station.community_id == community_id, Redemption.status == "done", _in(Redemption.created_at, bounds))
        .group_by(RedemptionLine.item_name)
        .order_by(qty.desc(), RedemptionLine.item_name.asc())
        .limit(limit)
    ).all()
    return [{"name": r.item_name, "qty": int(r.qty), "points": int(r.points)} for r in rows]


def low_stock_count(community_id: int) -> int:
    """Active goods at or below their station's low-stock threshold (one query)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Item.id))
            .join(Station, Station.id == Item.station_id)
            .where(
                Station.community_id == community_id,
                Station.active.is_(True),
                Item.active.is_(True),
                Item.kind == "goods",
                Item.stock <= Station.low_stock_threshold,
            )
        )
        or 0
    )


def dashboard(community_id: int, now: datetime | None = None) -> dict[str, Any]:
    """This week's and this month's figures for one community (a fixed eight queries)."""
    now = now or utcnow()
    week = current_week(now)
    periods = {"week": week.bounds(), "month": month_bounds(now)}
    flows = _points_flows(community_id, periods)
    active = _active_residents(community_id, periods)
    held = _activities(community_id, periods)
    reports = _reports(community_id, periods)
    redemptions = _redemptions(community_id, periods)
    out: dict[str, Any] = {"community_id": community_id, "week_label": week.label}
    for name, bounds in periods.items():
        out[name] = {
            "starts_at": bounds[0],
            "ends_at": bounds[1],
            "points": flows[name],
            "active_residents": active[name],
            "activities": held[name],
            "reports": reports[name],
            "redemptions": redemptions[name],
        }
    out["top_items"] = top_items(community_id, periods["month"])
    out["low_stock_items"] = low_stock_count(community_id)
    return out
