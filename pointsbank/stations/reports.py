"""The daily station report: redemptions, items out, points in, stock left and whether movements add up."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.stations.catalogue import is_low
from pointsbank.stations.models import Item, Redemption, RedemptionLine, Station, StockMovement
from pointsbank.stations.pricing import SHANGHAI
from pointsbank.stations.stock import stock_mismatches


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC bounds of a day in Asia/Shanghai."""
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def today_local() -> date:
    """Today in Asia/Shanghai."""
    return utcnow().astimezone(SHANGHAI).date()


def daily_report(station: Station, day: date) -> dict:
    """Redemptions, items out, points in, stock left and the stock check for one station and day."""
    start, end = local_day_bounds(day)
    redemptions = db.session.execute(
        sa.select(Redemption.status, sa.func.count(), sa.func.coalesce(sa.func.sum(Redemption.total), 0))
        .where(Redemption.station_id == station.id, Redemption.created_at >= start, Redemption.created_at < end)
        .group_by(Redemption.status)
    ).all()
    by_status = {status: (count, points) for status, count, points in redemptions}
    items_out = db.session.execute(
        sa.select(
            RedemptionLine.item_name,
            sa.func.sum(RedemptionLine.qty),
            sa.func.sum(RedemptionLine.qty * RedemptionLine.unit_points),
        )
        .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
        .where(
            Redemption.station_id == station.id,
            Redemption.status == "done",
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .group_by(RedemptionLine.item_name)
        .order_by(RedemptionLine.item_name)
    ).all()
    items = db.session.scalars(sa.select(Item).where(Item.station_id == station.id).order_by(Item.id)).all()
    movement_rows = db.session.execute(
        sa.select(StockMovement.item_id, StockMovement.reason, sa.func.sum(StockMovement.delta))
        .join(Item, Item.id == StockMovement.item_id)
        .where(Item.station_id == station.id, StockMovement.created_at >= start, StockMovement.created_at < end)
        .group_by(StockMovement.item_id, StockMovement.reason)
    ).all()
    moved: dict[int, dict[str, int]] = defaultdict(dict)
    for item_id, reason, delta in movement_rows:
        moved[item_id][reason] = int(delta)
    mismatches = stock_mismatches([i.id for i in items]) if items else []
    return {
        "station": station,
        "day": day,
        "redemptions": by_status.get("done", (0, 0))[0],
        "points_in": int(by_status.get("done", (0, 0))[1]),
        "undone": by_status.get("undone", (0, 0))[0] + by_status.get("refunded", (0, 0))[0],
        "items_out": [{"name": n, "qty": int(q), "points": int(p)} for n, q, p in items_out],
        "stock": [
            {
                "item_id": i.id,
                "name": i.name,
                "kind": i.kind,
                "stock": i.stock,
                "low": is_low(i, station),
                "movements": moved.get(i.id, {}),
            }
            for i in items
        ],
        "stock_consistent": not mismatches,
        "mismatches": [{"item_id": m[0], "stock": m[1], "movements_sum": int(m[2])} for m in mismatches],
    }
