"""Street and district dashboards: each community's figures side by side, and its weekly trend, for officers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights import dashboard as d
from pointsbank.insights.weeks import Week, current_week
from pointsbank.people.models import Community
from pointsbank.stations.models import Item, Station

DEFAULT_WEEKS = 8
MAX_WEEKS = 26


def weeks_back(count: int, now: datetime | None = None) -> list[Week]:
    """The last `count` weeks, oldest first, ending with the current one."""
    week = current_week(now or utcnow())
    out = [week]
    for _ in range(count - 1):
        out.append(out[-1].previous())
    return out[::-1]


def stock_value(community_id: int) -> int:
    """Points value of the goods in stock at the community's active stations."""
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(sa.cast(Item.stock, sa.BigInteger) * Item.points), 0))
            .join(Station, Station.id == Item.station_id)
            .where(Station.community_id == community_id, Station.active.is_(True), Item.active.is_(True))
        )
        or 0
    )


def trend_periods(weeks: list[Week]) -> dict[str, tuple[datetime, datetime]]:
    """Each week of a trend (w0 the oldest) and all of them together (total)."""
    periods = {f"w{i}": w.bounds() for i, w in enumerate(weeks)}
    periods["total"] = (weeks[0].bounds()[0], weeks[-1].bounds()[1])
    return periods


def dashboard_with_trend(community_id: int, now: datetime | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The coordinator dashboard and its eight-week trend, their period figures read once for both."""
    now = now or utcnow()
    weeks = weeks_back(DEFAULT_WEEKS, now)
    figures = d.period_figures(community_id, {**d.dashboard_periods(now), **trend_periods(weeks)})
    return d.dashboard(community_id, now, figures), community_figures(community_id, weeks, figures)


def community_figures(community_id: int, weeks: list[Week], figures: dict | None = None) -> dict[str, Any]:
    """The whole period's figures and one row per week, from the coordinator dashboard's own queries."""
    figures = figures or d.period_figures(community_id, trend_periods(weeks))
    flows, active, held, reports = figures["flows"], figures["active"], figures["held"], figures["reports"]

    def row(name: str) -> dict[str, Any]:
        return {
            **flows[name],
            "active_residents": active[name],
            "volunteer_hours": held[name]["hours"],
            "reports_received": reports[name]["received"],
            "reports_resolved": reports[name]["resolved"],
            "avg_handling_hours": reports[name]["avg_handling_hours"],
            "median_handling_hours": reports[name]["median_handling_hours"],
        }

    weekly = [{"week": w.label, **row(f"w{i}")} for i, w in enumerate(weeks)]
    return {"totals": row("total"), "weekly": weekly, "stock_value": stock_value(community_id)}


def overview(communities: list[Community], weeks: list[Week]) -> dict[str, Any]:
    """Each community's figures for the period, in id order."""
    rows = []
    for community in sorted(communities, key=lambda c: c.id):
        rows.append({"community_id": community.id, "name": community.name, **community_figures(community.id, weeks)})
    return {
        "weeks": [w.label for w in weeks],
        "starts_at": weeks[0].bounds()[0],
        "ends_at": weeks[-1].bounds()[1],
        "communities": rows,
    }


def street_overview(user: Any, street_id: int, weeks: int = DEFAULT_WEEKS) -> dict[str, Any]:
    """A street's communities side by side; 404 unless the user oversees the street."""
    from pointsbank.people.scope import street_in_view

    street = street_in_view(user, street_id)
    out = overview(list(street.communities), weeks_back(weeks))
    return {"street_id": street.id, "name": street.name, **out}


def district_overview(user: Any, district_id: int, weeks: int = DEFAULT_WEEKS) -> dict[str, Any]:
    """Every community of a district side by side; 404 unless the user oversees the district."""
    from pointsbank.people.scope import district_in_view

    district = district_in_view(user, district_id)
    communities = [c for s in district.streets for c in s.communities]
    out = overview(communities, weeks_back(weeks))
    streets = [{"street_id": s.id, "name": s.name} for s in sorted(district.streets, key=lambda s: s.id)]
    return {"district_id": district.id, "name": district.name, "streets": streets, **out}
