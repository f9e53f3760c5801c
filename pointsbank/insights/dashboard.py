"""The coordinator dashboard: this week's and this month's figures of one community, aggregated in the database."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pointsbank.activities.models import Activity, Signup
from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights import rollup
from pointsbank.insights.flows import _in, _sum_if
from pointsbank.insights.weeks import current_week, month_bounds
from pointsbank.reports.models import Report
from pointsbank.stations.models import Item, Redemption, RedemptionLine, Station

TOP_ITEMS_LIMIT = 5


def _seconds_between(start: Any, end: Any) -> Any:
    """end - start in seconds, in the database's own dialect."""
    if db.engine.dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
    return sa.func.extract("epoch", end - start)


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
    medians = _median_handling(community_id, periods, handling)
    out = {}
    for name in periods:
        avg = row[f"{name}_avg"]
        out[name] = {
            "received": int(row[f"{name}_received"] or 0),
            "accepted": int(row[f"{name}_accepted"] or 0),
            "resolved": int(row[f"{name}_resolved"] or 0),
            "avg_handling_hours": round(float(avg) / 3600, 1) if avg is not None else None,
            "median_handling_hours": medians[name],
        }
    return out


def _median_handling(community_id: int, periods: dict[str, tuple[datetime, datetime]], handling: Any) -> dict:
    """Median hours from filing to resolution of the reports resolved in each period (one query, any dialect)."""
    start, end = min(b[0] for b in periods.values()), max(b[1] for b in periods.values())
    rows = db.session.execute(
        sa.select(Report.resolved_at, handling)
        .where(Report.community_id == community_id, _in(Report.resolved_at, (start, end)))
        .order_by(Report.resolved_at)
    ).all()
    out = {}
    for name, (lo, hi) in periods.items():
        seconds = [float(s) for at, s in rows if lo <= at < hi and s is not None]
        out[name] = round(statistics.median(seconds) / 3600, 1) if seconds else None
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
            .where(
                Station.community_id == community_id,
                Redemption.created_at >= min(b[0] for b in periods.values()),
                Redemption.created_at < max(b[1] for b in periods.values()),
            )
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


def dashboard_periods(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The periods of the dashboard: this week and this calendar month (local)."""
    return {"week": current_week(now).bounds(), "month": month_bounds(now)}


def period_figures(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict]:
    """Points flows, active residents, activities and reports of each period, by kind then period name."""
    return {
        "flows": rollup.points_flows(community_id, periods),
        "active": rollup.active_residents(community_id, periods),
        "held": _activities(community_id, periods),
        "reports": _reports(community_id, periods),
    }


def dashboard(community_id: int, now: datetime | None = None, figures: dict | None = None) -> dict[str, Any]:
    """This week's and this month's figures for one community (a fixed handful of queries, whatever its size).

    figures: period_figures already read for these periods (among others), as the dashboard page does.
    """
    now = now or utcnow()
    week = current_week(now)
    periods = dashboard_periods(now)
    figures = figures or period_figures(community_id, periods)
    flows, active, held, reports = figures["flows"], figures["active"], figures["held"], figures["reports"]
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


def low_stock_items(community_ids: set[int], *, limit: int = 5) -> list[tuple[str, int]]:
    """(name, stock) of active goods at or below their station's threshold, lowest stock first (one query)."""
    rows = db.session.execute(
        sa.select(Item.name, Item.stock)
        .join(Station, Station.id == Item.station_id)
        .where(
            Station.community_id.in_(community_ids or {-1}),
            Station.active.is_(True),
            Item.active.is_(True),
            Item.kind == "goods",
            Item.stock <= Station.low_stock_threshold,
        )
        .order_by(Item.stock, Item.name)
        .limit(limit)
    ).all()
    return [(name, int(stock)) for name, stock in rows]
