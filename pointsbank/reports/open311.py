"""Open311 GeoReport v2 over the same reports: services, service requests, errors, in JSON and XML.

Jurisdictions are communities (jurisdiction_id = community id); a service is a report category
(service_code = category id). Public reads carry no personal data: no reporter, no photos, and the
location is rounded to about 100 m.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import ApiToken, User
from pointsbank.reports.lists import SHANGHAI
from pointsbank.reports.models import Report, ReportCategory, aware

OPEN = ("submitted", "accepted", "assigned")
CLOSED = ("rejected", "duplicate", "resolved", "closed")
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords", "group")
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def w3c(value: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset, as the specification asks."""
    return aware(value).astimezone(SHANGHAI).isoformat(timespec="seconds") if value else None


def parse_w3c(text: str | None, name: str) -> datetime | None:
    """Read a W3C datetime query argument (a date alone means its midnight in Asia/Shanghai)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
        return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # OverflowError: the first or last day of the calendar
        raise Invalid("invalid_date", _l("%(name)s must be an ISO 8601 date-time.", name=name)) from exc


def jurisdiction(value: str | None) -> int | None:
    """The community a jurisdiction_id names, or None for all."""
    if not value:
        return None
    if not value.isdecimal() or db.session.get(_community_model(), int(value)) is None:
        raise NotFound("jurisdiction_not_found", _l("Unknown jurisdiction_id."))
    return int(value)


def _community_model():
    from pointsbank.people.models import Community

    return Community


def service_dict(category: ReportCategory) -> dict:
    """A service in the GeoReport v2 layout."""
    return {
        "service_code": str(category.id),
        "service_name": category.name,
        "description": f"{category.community.name}：{category.name}",
        "metadata": False,
        "type": "realtime",
        "keywords": "随手拍,社情民意",
        "group": category.community.name,
    }


def services(community_id: int | None) -> list[dict]:
    """Every active category, as services."""
    query = sa.select(ReportCategory).where(ReportCategory.active.is_(True))
    if community_id is not None:
        query = query.where(ReportCategory.community_id == community_id)
    rows = db.session.scalars(query.order_by(ReportCategory.community_id, ReportCategory.position, ReportCategory.id))
    return [service_dict(c) for c in rows]


def category_for_code(code: str, community_id: int | None = None) -> ReportCategory:
    """The category a service_code names, or NotFound."""
    category = db.session.get(ReportCategory, int(code)) if code.isdecimal() and len(code) < 10 else None
    if category is None or not category.active or (community_id is not None and category.community_id != community_id):
        raise NotFound("service_not_found", _l("Unknown service_code."))
    return category


def service_definition(category: ReportCategory) -> dict:
    """The definition of a service: no extra attributes beyond the standard fields."""
    return {"service_code": str(category.id), "attributes": []}


def request_dict(report: Report) -> dict:
    """A service request in the GeoReport v2 layout, without personal data."""
    place = " ".join(
        p for p in (report.community.name, report.grid.name if report.grid else "", report.building, report.place) if p
    )
    notes = report.status_note if report.status in ("rejected", "resolved", "closed", "duplicate") else ""
    if report.status == "duplicate" and report.duplicate_of_id:
        notes = f"duplicate of #{report.duplicate_of_id}" + (f": {notes}" if notes else "")
    return {
        "service_request_id": str(report.id),
        "status": "open" if report.status in OPEN else "closed",
        "status_notes": notes,
        "service_name": report.category.name,
        "service_code": str(report.category_id),
        "description": report.public_description or "",
        "agency_responsible": report.department or report.community.name,
        "service_notice": "",
        "requested_datetime": w3c(report.created_at),
        "updated_datetime": w3c(report.updated_at),
        "expected_datetime": w3c(report.due_at),
        "address": place,
        "address_id": "",
        "zipcode": "",
        "lat": round(report.lat, 3) if report.lat is not None else None,
        "long": round(report.lon, 3) if report.lon is not None else None,
        "media_url": "",
    }


def _ids(text: str | None) -> list[int]:
    values = [v.strip() for v in (text or "").split(",") if v.strip()]
    if any(not v.isdecimal() or len(v) > 9 for v in values):
        raise Invalid("invalid_id", _l("Identifiers must be whole numbers."))
    return [int(v) for v in values]


def find_requests(args: dict, community_id: int | None) -> list[dict]:
    """GET requests: by service_request_id, or by service_code, dates and status (90 days, 1000 at most)."""
    query = sa.select(Report).options(sa.orm.selectinload(Report.grid), sa.orm.selectinload(Report.community))
    if community_id is not None:
        query = query.where(Report.community_id == community_id)
    wanted = _ids(args.get("service_request_id"))
    if wanted:
        query = query.where(Report.id.in_(wanted))
    else:
        codes = _ids(args.get("service_code"))
        if codes:
            query = query.where(Report.category_id.in_(codes))
        start = parse_w3c(args.get("start_date"), "start_date")
        end = parse_w3c(args.get("end_date"), "end_date")
        if start is None and end is None:
            start = utcnow() - timedelta(days=DEFAULT_DAYS)
        if start is not None:
            query = query.where(Report.created_at >= start)
        if end is not None:
            query = query.where(Report.created_at <= end)
        statuses = {s.strip().lower() for s in (args.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Invalid("invalid_status", _l("status must be open or closed."))
        if statuses == {"open"}:
            query = query.where(Report.status.in_(OPEN))
        elif statuses == {"closed"}:
            query = query.where(Report.status.in_(CLOSED))
    rows = db.session.scalars(query.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_REQUESTS))
    return [request_dict(r) for r in rows]


def one_request(report_id: str) -> dict:
    """GET requests/{id}: the one request, or NotFound."""
    report = db.session.get(Report, int(report_id)) if report_id.isdecimal() and len(report_id) < 10 else None
    if report is None:
        raise NotFound("request_not_found", _l("Unknown service_request_id."))
    return request_dict(report)


def user_for_api_key(api_key: str | None) -> User | None:
    """The active user whose personal API token is this api_key."""
    if not api_key:
        return None
    digest = hashlib.sha256(api_key.strip().encode()).hexdigest()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None)))
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user


# ---------------------------------------------------------------- XML


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_xml(root: str, item: str, rows: list[dict]) -> bytes:
    """`<root><item><field>..</field>...</item>...</root>` with the UTF-8 declaration."""
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):
                continue
            child.text = _text(value)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def definition_xml(definition: dict) -> bytes:
    """`<service_definition><service_code/><attributes/></service_definition>`."""
    top = ET.Element("service_definition")
    ET.SubElement(top, "service_code").text = definition["service_code"]
    ET.SubElement(top, "attributes")
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)
