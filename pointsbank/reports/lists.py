"""Report lists: my reports, the coordinator's triage queue with filters, the week's hot topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.reports.models import OPEN_STATUSES, Report, ReportCategory
from pointsbank.reports.scope import managed_community_ids

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class TriageFilter:
    """What the coordinator's queue shows."""

    status: str | None = None
    category_id: int | None = None
    grid_id: int | None = None
    older_than_days: int | None = None
    community_id: int | None = None
    overdue: bool = False


def past_time_limit(community_ids: set[int] | None) -> sa.ColumnElement[bool]:
    """Open reports past their category's time limit (needs ReportCategory joined); one statement, portable SQL."""
    query = (
        sa.select(ReportCategory.time_limit_hours)
        .join(Report, Report.category_id == ReportCategory.id)
        .where(Report.status.in_(OPEN_STATUSES))
        .distinct()
    )
    if community_ids is not None:
        query = query.where(Report.community_id.in_(sorted(community_ids) or [-1]))
    now = utcnow()
    late = [
        sa.and_(ReportCategory.time_limit_hours == hours, Report.created_at < now - timedelta(hours=hours))
        for hours in db.session.scalars(query).all()
    ]
    return sa.and_(Report.status.in_(OPEN_STATUSES), sa.or_(sa.false(), *late))


def my_reports(user: User, *, page: int = 1, per_page: int = 20) -> tuple[list[Report], int]:
    """The reports the user filed, newest first."""
    base = sa.select(Report).where(Report.reporter_id == user.id)
    return _page(base.order_by(Report.id.desc()), page, per_page)


def triage(user: User, flt: TriageFilter, *, page: int = 1, per_page: int = 20) -> tuple[list[Report], int]:
    """The coordinator's queue, oldest first, filtered."""
    scope = managed_community_ids(user)
    query = sa.select(Report)
    if scope is not None:
        query = query.where(Report.community_id.in_(scope or {-1}))
    if flt.community_id is not None:
        query = query.where(Report.community_id == flt.community_id)
    if flt.status == "open":
        query = query.where(Report.status.in_(("submitted", "accepted", "assigned")))
    elif flt.status:
        query = query.where(Report.status == flt.status)
    if flt.category_id:
        query = query.where(Report.category_id == flt.category_id)
    if flt.grid_id:
        query = query.where(Report.grid_id == flt.grid_id)
    if flt.overdue:
        query = query.join(ReportCategory, ReportCategory.id == Report.category_id).where(past_time_limit(scope))
    if flt.older_than_days:
        query = query.where(Report.created_at < utcnow() - timedelta(days=flt.older_than_days))
    return _page(query.order_by(Report.created_at, Report.id), page, per_page)


def _page(query: sa.Select, page: int, per_page: int) -> tuple[list[Report], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    items = db.session.scalars(
        query.options(sa.orm.selectinload(Report.grid), sa.orm.selectinload(Report.assignee))
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    load_points(items)
    return list(items), total


def load_points(reports) -> None:
    """Read the points of many reports from the ledger in one statement (shown on lists)."""
    from pointsbank.ledger import service as ledger

    totals = ledger.resident_totals("report", [r.id for r in reports])
    for report in reports:
        report.__dict__["_points_awarded"] = totals.get(report.id, 0)


# ---------------------------------------------------------------- hot topics


def parse_week(text: str | None, *, today: date | None = None) -> tuple[int, int]:
    """'2026-W47' -> (2026, 47); empty means the current ISO week (Asia/Shanghai)."""
    if not text:
        iso = (today or datetime.now(SHANGHAI).date()).isocalendar()
        return iso.year, iso.week
    try:
        year_text, week_text = text.upper().split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
        if not 2000 <= year <= 2099:  # the ends of the calendar overflow in Asia/Shanghai
            raise ValueError(year)
    except ValueError as exc:
        raise Invalid("invalid_week", _l("Give the week as YYYY-Www, for example 2026-W47.")) from exc
    return year, week


def week_bounds(year: int, week: int) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in Asia/Shanghai, as UTC."""
    monday = date.fromisocalendar(year, week, 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC)


@dataclass
class HotTopic:
    """One category's share of a week's reports."""

    category_id: int
    category: str
    count: int
    share: float


def hot_topics(community_id: int, year: int, week: int) -> tuple[list[HotTopic], int]:
    """Reports per category filed in an ISO week, most first, with their share."""
    start, end = week_bounds(year, week)
    rows = db.session.execute(
        sa.select(ReportCategory.id, ReportCategory.name, sa.func.count(Report.id))
        .join(Report, Report.category_id == ReportCategory.id)
        .where(Report.community_id == community_id, Report.created_at >= start, Report.created_at < end)
        .group_by(ReportCategory.id, ReportCategory.name)
        .order_by(sa.func.count(Report.id).desc(), ReportCategory.id)
    ).all()
    total = sum(r[2] for r in rows)
    return [HotTopic(r[0], r[1], r[2], round(r[2] / total, 4) if total else 0.0) for r in rows], total
