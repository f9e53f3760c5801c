"""Exports beyond the ledger: volunteer hours per person, stock movements and reports, each a query of rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.activities.models import Activity, Signup
from pointsbank.extensions import db
from pointsbank.people.models import Community, Grid, User, mask_name
from pointsbank.reports.labels import STATUS_LABELS as REPORT_STATUS_LABELS
from pointsbank.reports.models import Report, ReportCategory
from pointsbank.stations.models import Item, Station, StockMovement

BATCH = 500


def mask(name: str) -> str:
    """The masked name as residents see it elsewhere: 张三丰 → 张*丰, 李四 → 李*."""
    return mask_name(name or "")


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


@dataclass(frozen=True)
class Kind:
    header: tuple
    query: Callable[[list[int], datetime, datetime], sa.Select]
    row: Callable[[sa.Row], list]


def _hours(ids: list[int], start: datetime, end: datetime) -> sa.Select:
    """Confirmed, attended service per volunteer and community in the period (as in service records)."""
    return (
        sa.select(
            Community.name.label("community"),
            User.id.label("user_id"),
            User.name.label("name"),
            sa.func.count(sa.distinct(Activity.id)).label("activities"),
            sa.func.sum(Signup.hours).label("hours"),
        )
        .select_from(Signup)
        .join(Activity, Activity.id == Signup.activity_id)
        .join(User, User.id == Signup.user_id)
        .join(Community, Community.id == Activity.community_id)
        .where(Activity.status == "confirmed", Signup.status == "attended", Signup.hours > 0)
        .where(Activity.community_id.in_(ids), Activity.starts_at >= start, Activity.starts_at < end)
        .group_by(Community.id, Community.name, User.id, User.name)
        .order_by(Community.id, User.id)
    )


def _stock(ids: list[int], start: datetime, end: datetime) -> sa.Select:
    return (
        sa.select(
            StockMovement.id,
            StockMovement.created_at,
            Community.name.label("community"),
            Station.name.label("station"),
            Item.name.label("item"),
            StockMovement.delta,
            StockMovement.reason,
            StockMovement.note,
        )
        .join(Item, Item.id == StockMovement.item_id)
        .join(Station, Station.id == Item.station_id)
        .join(Community, Community.id == Station.community_id)
        .where(Station.community_id.in_(ids), StockMovement.created_at >= start, StockMovement.created_at < end)
        .order_by(StockMovement.id)
    )


def _reports(ids: list[int], start: datetime, end: datetime) -> sa.Select:
    """Reports without the reporter's phone or description: only the masked name."""
    return (
        sa.select(
            Report.id,
            Report.created_at,
            Community.name.label("community"),
            ReportCategory.name.label("category"),
            Report.status,
            Grid.name.label("grid"),
            Report.place,
            User.name.label("reporter"),
            Report.resolved_at,
        )
        .join(Community, Community.id == Report.community_id)
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .join(User, User.id == Report.reporter_id)
        .outerjoin(Grid, Grid.id == Report.grid_id)
        .where(Report.community_id.in_(ids), Report.created_at >= start, Report.created_at < end)
        .order_by(Report.id)
    )


STOCK_REASON_LABELS = {
    "intake": _l("Intake"),
    "donation": _l("Donated goods"),
    "adjustment": _l("Adjustment"),
    "redemption": _l("Redemption"),
    "reservation": _l("Reservation"),
    "release": _l("Reservation released"),
    "undo": _l("Redemption undone"),
}


def _words(labels: dict, code: str) -> str:
    return str(labels[code]) if code in labels else code


KINDS: dict[str, Kind] = {
    "hours": Kind(
        (_l("Community"), _l("Volunteer"), _l("Activities attended"), _l("Hours")),
        _hours,
        lambda r: [r.community, mask(r.name), r.activities, round(float(r.hours or 0), 2)],
    ),
    "stock": Kind(
        (_l("Time"), _l("Community"), _l("Station"), _l("Item"), _l("Stock change"), _l("Reason"), _l("Note"), "ID"),
        _stock,
        lambda r: [
            _time(r.created_at),
            r.community,
            r.station,
            r.item,
            r.delta,
            _words(STOCK_REASON_LABELS, r.reason),
            r.note,
            r.id,
        ],
    ),
    "reports": Kind(
        (
            _l("Reported at"),
            _l("Community"),
            _l("Report category"),
            _l("Status"),
            _l("Grid"),
            _l("Place"),
            _l("Reporter"),
            _l("Resolved at"),
            "ID",
        ),
        _reports,
        lambda r: [
            _time(r.created_at),
            r.community,
            r.category,
            _words(REPORT_STATUS_LABELS, r.status),
            r.grid or "",
            r.place,
            mask(r.reporter),
            _time(r.resolved_at),
            r.id,
        ],
    ),
}


def header(kind: str) -> list[str]:
    return [str(h) for h in KINDS[kind].header]


def rows(kind: str, ids: list[int], start: datetime, end: datetime) -> Iterator[list]:
    """Rows read from a cursor in batches (yield_per), never as one list."""
    spec = KINDS[kind]
    result = db.session.execute(spec.query(ids, start, end).execution_options(yield_per=BATCH))
    for r in result:
        yield spec.row(r)


def count(kind: str, ids: list[int], start: datetime, end: datetime) -> int:
    sub = KINDS[kind].query(ids, start, end).order_by(None).subquery()
    return int(db.session.execute(sa.select(sa.func.count()).select_from(sub)).scalar_one())
