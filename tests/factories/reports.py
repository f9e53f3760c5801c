"""Factory fixtures: reports."""

from __future__ import annotations

import io

import pytest
from PIL import Image


def photo_bytes(size=(64, 48), fmt: str = "JPEG", gps: tuple[float, float] | None = None, color=(200, 80, 40)) -> bytes:
    """A small real image; with gps, the EXIF carries a GPS position (north/east)."""
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {}
    if gps is not None:
        exif = Image.Exif()
        lat, lon = gps

        def dms(value: float):
            deg = int(value)
            minutes = int((value - deg) * 60)
            seconds = round(((value - deg) * 60 - minutes) * 60 * 100)
            return ((deg, 1), (minutes, 1), (seconds, 100))

        from PIL import TiffImagePlugin

        def ratios(value: float):
            return tuple(TiffImagePlugin.IFDRational(n, d) for n, d in dms(value))

        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: ratios(lat), 3: "E", 4: ratios(lon)}
        kwargs["exif"] = exif
    img.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def make_photo():
    """make_photo(size=..., fmt="JPEG"|"PNG"|"WEBP", gps=(lat, lon)) -> BytesIO of a real image."""

    def factory(**kw) -> io.BytesIO:
        return io.BytesIO(photo_bytes(**kw))

    return factory


@pytest.fixture
def make_report_rule():
    """make_report_rule(coordinator, community, points=5, cap_day=None) -> a published 随手拍 Rule."""
    from pointsbank.db import run_in_unit
    from pointsbank.rules import service as rules

    def factory(coordinator, community, *, points: int = 5, title: str = "随手拍有效上报", **caps):
        def work():
            rule = rules.create_rule(
                coordinator,
                community.id,
                category="随手拍/社情民意",
                title=title,
                points=points,
                unit="occurrence",
                **caps,
            )
            return rules.publish_rule(coordinator, rule)

        return run_in_unit(work)

    return factory


@pytest.fixture
def make_category():
    """make_category(community, name="设施损坏", rule=None, resolve_rule=None, time_limit_hours=48)."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.reports.models import ReportCategory

    def factory(community, name: str = "设施损坏", *, rule=None, resolve_rule=None, time_limit_hours: int = 48):
        def work():
            category = ReportCategory(
                community_id=community.id,
                name=name,
                time_limit_hours=time_limit_hours,
                active=True,
                rule_id=rule.id if rule else None,
                resolve_rule_id=resolve_rule.id if resolve_rule else None,
            )
            db.session.add(category)
            db.session.flush()
            return category

        return run_in_unit(work)

    return factory


@pytest.fixture
def make_report(make_photo):
    """make_report(reporter, category, description=..., photos=1, **place) -> Report (status submitted)."""
    from pointsbank.db import run_in_unit
    from pointsbank.reports import service

    def factory(reporter, category, description: str = "南门井盖破损，边缘翘起", photos: int = 1, **place):
        filing = service.Filing(category_id=category.id, description=description, **place)
        return run_in_unit(lambda: service.file_report(reporter, filing, [make_photo() for _ in range(photos)]))

    return factory
