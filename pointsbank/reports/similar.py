"""Likely duplicates: same community and category, near in place, filed within a few days of each other.

Near means within PB_DUPLICATE_METRES when both reports have coordinates (a latitude/longitude box the
index can narrow, then the exact great-circle distance), else the same grid and the same place text.
Filed within PB_DUPLICATE_DAYS before or after. One statement for one report or a whole page of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from pointsbank.extensions import db
from pointsbank.reports.duplicates import original_id
from pointsbank.reports.models import Report, aware

EARTH_METRES = 6_371_000.0
METRES_PER_DEGREE = 111_320.0
DEFAULT_METRES = 100
DEFAULT_DAYS = 7
LIMIT = 5


@dataclass
class Suggestion:
    """A report that may describe the same problem; `joined` when it is already in the same group."""

    report: Report
    match: str  # "distance" | "place"
    metres: float | None
    joined: bool

    @property
    def id(self) -> int:
        return self.report.id


def settings() -> tuple[int, int]:
    """(metres, days) from the app's settings."""
    config = current_app.config
    return int(config.get("PB_DUPLICATE_METRES", DEFAULT_METRES)), int(config.get("PB_DUPLICATE_DAYS", DEFAULT_DAYS))


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(min(1.0, math.sqrt(a)))


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def _has_place(report: Report) -> bool:
    return bool(_norm(report.building) or _norm(report.place))


def _same_place(a: Report, b: Report) -> bool:
    return _has_place(a) and (a.grid_id, _norm(a.building), _norm(a.place)) == (
        b.grid_id,
        _norm(b.building),
        _norm(b.place),
    )


def _has_point(report: Report) -> bool:
    return report.lat is not None and report.lon is not None


def _condition(report: Report, metres: int, days: int):
    """What a candidate must satisfy for this report (index: community, category, created_at)."""
    filed = aware(report.created_at)
    span = timedelta(days=days)
    base = [
        Report.community_id == report.community_id,
        Report.category_id == report.category_id,
        Report.created_at >= filed - span,
        Report.created_at <= filed + span,
        Report.id != report.id,
    ]
    near = []
    if _has_point(report):
        dlat = metres / METRES_PER_DEGREE
        dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(report.lat)), 0.01))
        near.append(
            sa.and_(
                Report.lat.between(report.lat - dlat, report.lat + dlat),
                Report.lon.between(report.lon - dlon, report.lon + dlon),
            )
        )
    if _has_place(report):
        grid = Report.grid_id.is_(None) if report.grid_id is None else Report.grid_id == report.grid_id
        place = sa.and_(
            grid,
            sa.func.lower(sa.func.trim(Report.building)) == _norm(report.building),
            sa.func.lower(sa.func.trim(Report.place)) == _norm(report.place),
        )
        # With coordinates on both sides the distance decides; the place text decides otherwise.
        near.append(sa.and_(place, Report.lat.is_(None)) if _has_point(report) else place)
    if not near:
        return None
    return sa.and_(*base, sa.or_(*near))


def _judge(report: Report, candidate: Report, metres: int, days: int) -> Suggestion | None:
    if candidate.status == "rejected" or candidate.id == report.id:
        return None
    if (candidate.community_id, candidate.category_id) != (report.community_id, report.category_id):
        return None  # a candidate of another report on the same page
    if abs(aware(candidate.created_at) - aware(report.created_at)) > timedelta(days=days):
        return None
    joined = original_id(candidate) == original_id(report)
    if _has_point(report) and _has_point(candidate):
        distance = haversine(report.lat, report.lon, candidate.lat, candidate.lon)
        return Suggestion(candidate, "distance", round(distance, 1), joined) if distance <= metres else None
    if _same_place(report, candidate):
        return Suggestion(candidate, "place", None, joined)
    return None


def suggestions_for(reports: Sequence[Report], *, limit: int = LIMIT) -> dict[int, list[Suggestion]]:
    """Likely duplicates of each report, nearest and earliest first; one statement for all of them."""
    metres, days = settings()
    conditions = {r.id: _condition(r, metres, days) for r in reports if r.status != "rejected"}
    found: dict[int, list[Suggestion]] = {r.id: [] for r in reports}
    wanted = [c for c in conditions.values() if c is not None]
    if not wanted:
        return found
    candidates = db.session.scalars(
        sa.select(Report).where(sa.or_(*wanted), Report.status != "rejected").order_by(Report.created_at, Report.id)
    ).all()
    for report in reports:
        if conditions.get(report.id) is None:
            continue
        hits = [s for c in candidates if (s := _judge(report, c, metres, days)) is not None]
        hits.sort(key=lambda s: (s.joined, s.metres if s.metres is not None else metres, aware(s.report.created_at)))
        found[report.id] = hits[:limit]
    return found


def suggestions(report: Report, *, limit: int = LIMIT) -> list[Suggestion]:
    """Likely duplicates of one report (one statement)."""
    return suggestions_for([report], limit=limit)[report.id]
