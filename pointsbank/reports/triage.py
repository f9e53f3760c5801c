"""Triage: accept (and pay), reject, assign to a grid worker or department, in bulk."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.reports.flow import N_, move, replayed, require_manager, tell_reporter
from pointsbank.reports.models import Report
from pointsbank.reports.points import award_reporter
from pointsbank.reports.scope import can_see, grid_workers


def accept(report: Report, actor: User, note: str = "", *, request_key: str | None = None) -> Report:
    """Accept a submitted report and pay the reporter under the category's rule."""
    require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    move(report, actor, "accept", note, request_key)
    report.accepted_at = utcnow()
    points = award_reporter(report, report.category.rule_id, "accept", actor, "已受理")
    if points:
        tell_reporter(
            report, N_("Your report #%(id)s (%(category)s) was accepted. You earned %(points)d points."), points=points
        )
    else:
        tell_reporter(report, N_("Your report #%(id)s (%(category)s) was accepted."))
    db.session.flush()
    return report


def reject(report: Report, actor: User, reason: str) -> Report:
    """Reject a submitted report, with the reason the reporter will read."""
    require_manager(actor, report)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", _l("Give the reason for rejecting the report."))
    move(report, actor, "reject", reason)
    report.status_note = reason[:2000]
    report.closed_at = utcnow()
    tell_reporter(report, N_("Your report #%(id)s was not accepted: %(reason)s"), reason=reason)
    db.session.flush()
    return report


def _resolve_assignee(report: Report, assignee_id: int | None, department: str) -> tuple[User | None, str]:
    department = (department or "").strip()[:80]
    if (assignee_id is None) == (not department):
        raise Invalid("assignee_required", _l("Choose a grid worker or name a department (one of the two)."))
    if assignee_id is None:
        return None, department
    worker = next((u for u in grid_workers(report.community_id) if u.id == assignee_id), None)
    if worker is None:
        raise Invalid("unknown_assignee", _l("Choose one of the community's grid workers."))
    return worker, ""


def assign(
    report: Report,
    actor: User,
    *,
    assignee_id: int | None = None,
    department: str = "",
    note: str = "",
    request_key: str | None = None,
) -> Report:
    """Hand the report to a grid worker or a named department (a submitted report is accepted first)."""
    require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    worker, department = _resolve_assignee(report, assignee_id, department)
    if report.status == "submitted":
        accept(report, actor)
    move(report, actor, "assign", note or (worker.name if worker else department), request_key)
    report.assignee = worker
    report.assignee_id = worker.id if worker else None
    report.department = department
    report.assigned_at = utcnow()
    tell_reporter(report, N_("Your report #%(id)s was handed to %(assignee)s."), assignee=report.assignee_label)
    db.session.flush()
    return report


def bulk_assign(
    actor: User, report_ids: Iterable[int], *, assignee_id: int | None = None, department: str = ""
) -> list[Report]:
    """Assign several reports at once: all or none."""
    ids = sorted(set(report_ids))
    if not ids:
        raise Invalid("no_reports", _l("Choose at least one report."))
    reports = list(
        db.session.scalars(sa.select(Report).where(Report.id.in_(ids)).order_by(Report.id).with_for_update(of=Report))
    )
    found = {r.id for r in reports}
    for report in reports:
        if not can_see(actor, report):
            found.discard(report.id)
    if found != set(ids):
        raise NotFound("report_not_found", _l("Report not found."), details={"ids": sorted(set(ids) - found)})
    for report in reports:
        assign(report, actor, assignee_id=assignee_id, department=department)
    return reports
