"""What waits for a coordinator: awards to approve, reports to decide or overdue, objections, goods running out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger.models import Adjustment
from pointsbank.reports.models import OPEN_STATUSES, Report, ReportCategory
from pointsbank.rules.models import PendingAward
from pointsbank.stations.models import Item, Station

LOW_STOCK_SHOWN = 5


@dataclass(frozen=True)
class LowStockItem:
    """A good at or below its station's threshold."""

    item_id: int
    name: str
    station_id: int
    station: str
    stock: int


@dataclass
class Todo:
    """The counters of the coordinator's home and of GET /communities/{id}/todo."""

    awards_pending: int = 0
    reports_waiting: int = 0
    reports_overdue: int = 0
    objections_waiting: int = 0
    adjustments_pending: int = 0
    low_stock_count: int = 0
    low_stock: list[LowStockItem] = field(default_factory=list)


def _in(column: Any, community_ids: set[int]) -> Any:
    return column.in_(sorted(community_ids) or [-1])


def _reports(community_ids: set[int]) -> tuple[int, int]:
    """(waiting for a decision, open past their category's time limit) in two statements."""
    from pointsbank.reports.lists import past_time_limit

    late = past_time_limit(community_ids)
    waiting, overdue = db.session.execute(
        sa.select(
            sa.func.count(Report.id).filter(Report.status == "submitted"),
            sa.func.count(Report.id).filter(late),
        )
        .join(ReportCategory, ReportCategory.id == Report.category_id)
        .where(_in(Report.community_id, community_ids), Report.status.in_(OPEN_STATUSES))
    ).one()
    return int(waiting or 0), int(overdue or 0)


def _low_stock(community_ids: set[int]) -> tuple[int, list[LowStockItem]]:
    """How many goods are low, and the lowest few by name with their station (two statements)."""
    low = sa.and_(
        _in(Station.community_id, community_ids),
        Station.active.is_(True),
        Item.active.is_(True),
        Item.kind == "goods",
        Item.stock <= Station.low_stock_threshold,
    )
    total = db.session.scalar(sa.select(sa.func.count(Item.id)).join(Station, Station.id == Item.station_id).where(low))
    rows = db.session.execute(
        sa.select(Item.id, Item.name, Station.id, Station.name, Item.stock)
        .join(Station, Station.id == Item.station_id)
        .where(low)
        .order_by(Item.stock, Item.name, Item.id)
        .limit(LOW_STOCK_SHOWN)
    ).all()
    return int(total or 0), [LowStockItem(int(a), n, int(b), s, int(k)) for a, n, b, s, k in rows]


def todo(user: Any, community_ids: set[int]) -> Todo:
    """The counters for the given communities the user coordinates, in a fixed handful of statements."""
    from pointsbank.objections import service as objections

    ids = set(community_ids) & user.coordinated_community_ids()
    if not ids:
        return Todo()
    awards, adjustments = db.session.execute(
        sa.select(
            sa.select(sa.func.count(PendingAward.id))
            .where(_in(PendingAward.community_id, ids), PendingAward.status == "pending")
            .scalar_subquery(),
            sa.select(sa.func.count(Adjustment.id))
            .where(_in(Adjustment.community_id, ids), Adjustment.status == "pending")
            .scalar_subquery(),
        )
    ).one()
    waiting, overdue = _reports(ids)
    low_count, low = _low_stock(ids)
    return Todo(
        awards_pending=int(awards or 0),
        reports_waiting=waiting,
        reports_overdue=overdue,
        objections_waiting=objections.waiting_count(user, ids),
        adjustments_pending=int(adjustments or 0),
        low_stock_count=low_count,
        low_stock=low,
    )
