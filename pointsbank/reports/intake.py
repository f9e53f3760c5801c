"""Filing a report: category, description, place, location, one to three photos; all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from pointsbank.errors import Forbidden, Invalid
from pointsbank.extensions import db
from pointsbank.people.models import Grid, User
from pointsbank.reports import photos as photo_store
from pointsbank.reports.flow import N_, record_event, tell_reporter
from pointsbank.reports.models import Report, ReportCategory, ReportPhoto


@dataclass
class Filing:
    """What a resident tells us about a problem."""

    category_id: int
    description: str
    grid_id: int | None = None
    building: str = ""
    place: str = ""
    lat: float | None = None
    lon: float | None = None


def file_report(reporter: User, filing: Filing, photos: Sequence[BinaryIO], *, min_photos: int = 1) -> Report:
    """File a report with one to three photos; nothing is stored if anything is wrong."""
    if reporter.community_id is None:
        raise Forbidden("not_a_resident", _l("Only residents of a community can file reports."))
    category = db.session.get(ReportCategory, filing.category_id)
    if category is None or category.community_id != reporter.community_id or not category.active:
        raise Invalid("unknown_category", _l("Choose one of your community's categories."))
    description = (filing.description or "").strip()
    if len(description) < 5:
        raise Invalid("description_too_short", _l("Describe the problem in a few words (at least 5 characters)."))
    if filing.grid_id is not None:
        grid = db.session.get(Grid, filing.grid_id)
        if grid is None or grid.community_id != reporter.community_id:
            raise Invalid("unknown_grid", _l("Choose one of your community's grids."))
    if (filing.lat is None) != (filing.lon is None):
        raise Invalid("invalid_location", _l("A location needs both latitude and longitude."))
    if filing.lat is not None and not (-90 <= filing.lat <= 90 and -180 <= filing.lon <= 180):
        raise Invalid("invalid_location", _l("This location is not valid."))
    checked = photo_store.check_photos(photos, minimum=min_photos)
    report = Report(
        community_id=reporter.community_id,
        reporter=reporter,
        category=category,
        description=description[:2000],
        grid_id=filing.grid_id,
        building=(filing.building or "").strip()[:80],
        place=(filing.place or "").strip()[:200],
        lat=filing.lat,
        lon=filing.lon,
        status="submitted",
    )
    db.session.add(report)
    for photo in checked:
        report.photos.append(photo_row(photo, "filing"))
    db.session.flush()
    record_event(report, reporter, "file", None, "submitted", "")
    tell_reporter(report, N_("We received your report #%(id)s (%(category)s). The community will look at it soon."))
    return report


def photo_row(photo: photo_store.Photo, stage: str) -> ReportPhoto:
    name = photo_store.store(photo)
    return ReportPhoto(
        stage=stage,
        filename=name,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        gps_lat=photo.gps_lat,
        gps_lon=photo.gps_lon,
    )
