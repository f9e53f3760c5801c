"""Open311 shows a report's description only when a coordinator published a text for it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.errors import NotFound
from pointsbank.reports.models import Report
from pointsbank.reports.scope import is_manager, visible_report


def set_public_description(actor, report_id: int, text: str | None) -> Report:
    """Set (text) or clear (None) what Open311 shows; coordinators of the community and admins; audited."""
    report = visible_report(actor, report_id, for_update=True)
    if not is_manager(actor, report.community_id):
        raise NotFound("report_not_found", _l("Report not found."))
    text = text.strip() if text else None
    if text == report.public_description:
        return report
    report.public_description = text or None
    audit.record(
        "report.published" if text else "report.unpublished",
        actor_id=actor.id,
        community_id=report.community_id,
        subject=("report", report.id),
    )
    return report
