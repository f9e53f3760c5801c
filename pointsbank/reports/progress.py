"""After assignment: resolve (with a photo, maybe a bonus), the reporter closes with a rating or reopens; autoclose."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.reports import photos as photo_store
from pointsbank.reports.flow import N_, move, replayed, require_manager, require_reporter, tell_reporter
from pointsbank.reports.intake import photo_row
from pointsbank.reports.models import Report
from pointsbank.reports.points import award_reporter
from pointsbank.reports.scope import is_manager

AUTOCLOSE_DAYS = 7


def resolve(
    report: Report, actor: User, note: str, photo: BinaryIO | None = None, *, request_key: str | None = None
) -> Report:
    """Record that the problem was fixed (note, optional photo); may pay a bonus under the resolve rule."""
    if not (is_manager(actor, report.community_id) or report.assignee_id == actor.id):
        require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    note = (note or "").strip()
    if not note:
        raise Invalid("note_required", _l("Say what was done."))
    checked = photo_store.check_photos([photo] if photo is not None else [], minimum=0, maximum=1)
    move(report, actor, "resolve", note, request_key)
    report.status_note = note[:2000]
    report.resolved_at = utcnow()
    for item in checked:
        report.photos.append(photo_row(item, "resolution"))
    points = award_reporter(report, report.category.resolve_rule_id, "resolve", actor, "已办结")
    message = N_("Your report #%(id)s was resolved: %(note)s. Rate it, or reopen it if it is not fixed.")
    if points:
        message = N_(
            "Your report #%(id)s was resolved: %(note)s. You earned %(points)d more points. "
            "Rate it, or reopen it if it is not fixed."
        )
    tell_reporter(report, message, note=note, points=points)
    db.session.flush()
    return report


def close(report: Report, actor: User, satisfaction: int, note: str = "") -> Report:
    """The reporter confirms the fix and rates it 1–5; the report closes."""
    require_reporter(actor, report)
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise Invalid("invalid_satisfaction", _l("Rate from 1 to 5."))
    move(report, actor, "close", note or f"{satisfaction}/5")
    report.satisfaction = satisfaction
    report.closed_at = utcnow()
    tell_reporter(report, N_("Your report #%(id)s is closed. Thank you for your rating."))
    db.session.flush()
    return report


def reopen(report: Report, actor: User, note: str) -> Report:
    """The reporter says a resolved report is not fixed: it goes back to its assignee."""
    require_reporter(actor, report)
    note = (note or "").strip()
    if not note:
        raise Invalid("note_required", _l("Say what is still wrong."))
    move(report, actor, "reopen", note)
    report.resolved_at = None
    report.status_note = note[:2000]
    tell_reporter(
        report, N_("Your report #%(id)s was reopened and goes back to %(assignee)s."), assignee=report.assignee_label
    )
    db.session.flush()
    return report


def autoclose(days: int = AUTOCLOSE_DAYS, *, now: datetime | None = None) -> int:
    """Close reports resolved more than `days` ago that the reporter did not rate."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.status == "resolved", Report.resolved_at < cutoff)
        .order_by(Report.id)
        .with_for_update(of=Report)
    ).all()
    for report in reports:
        move(report, None, "autoclose", f"{days}")
        report.closed_at = now or utcnow()
        tell_reporter(
            report, N_("Your report #%(id)s was closed automatically %(days)d days after it was resolved."), days=days
        )
    db.session.flush()
    return len(reports)
