"""The report's status flow: allowed moves, its history lines, replayed requests, notices to the reporter."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank import notices
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.reports.models import Report, ReportEvent
from pointsbank.reports.scope import can_see, is_manager


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated later, in the reader's language."""
    return message


# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "reject": (frozenset({"submitted"}), "rejected"),
    # Any report not rejected may join a duplicate group (reports.duplicates reverses what it was paid).
    "duplicate": (frozenset({"submitted", "accepted", "assigned", "resolved", "closed"}), "duplicate"),
    "assign": (frozenset({"accepted", "assigned"}), "assigned"),
    "resolve": (frozenset({"assigned"}), "resolved"),
    "close": (frozenset({"resolved"}), "closed"),
    "autoclose": (frozenset({"resolved"}), "closed"),
    "reopen": (frozenset({"resolved"}), "assigned"),
}


def report_link(report: Report) -> str:
    return f"/reports/{report.id}"


def tell_reporter(report: Report, message: str, **params) -> None:
    """A notice to the reporter: the message id and its values, put in words in the reader's language when shown."""
    values = {"message": message, "id": report.id, "category": report.category.name, **params}
    subject = ("report", report.id)
    notices.notify(report.reporter_id, "report.progress", values, link=report_link(report), subject=subject)


def record_event(
    report: Report,
    actor: User | None,
    action: str,
    from_status: str | None,
    to_status: str,
    note: str,
    request_key: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report=report,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=(note or "")[:2000],
        request_key=request_key,
    )
    db.session.add(event)
    return event


def replayed(report_id: int, request_key: str | None) -> bool:
    """True when this request key already moved the report (an idempotent replay)."""
    if not request_key:
        return False
    event = db.session.scalar(sa.select(ReportEvent).where(ReportEvent.request_key == request_key))
    if event is None:
        return False
    if event.report_id != report_id:
        raise Conflict("idempotency_conflict", _l("This Idempotency-Key was used for another request."))
    return True


def move(report: Report, actor: User | None, action: str, note: str = "", request_key: str | None = None) -> str:
    """Check the transition, record it and return the status the report had."""
    allowed, target = TRANSITIONS[action]
    if report.status not in allowed:
        raise Conflict(
            "illegal_transition",
            _l("This report cannot go from %(status)s by this action.", status=report.status),
            details={"status": report.status, "action": action},
        )
    before = report.status
    report.status = target
    report.updated_at = utcnow()
    record_event(report, actor, action, before, target, note, request_key)
    return before


def require_manager(actor: User, report: Report) -> None:
    if not is_manager(actor, report.community_id):
        if can_see(actor, report):
            raise Forbidden("not_coordinator", _l("Only the community's coordinators can do this."))
        raise NotFound("report_not_found", _l("Report not found."))


def require_reporter(actor: User, report: Report) -> None:
    if report.reporter_id != actor.id:
        if can_see(actor, report):
            raise Forbidden("not_reporter", _l("Only the reporter can do this."))
        raise NotFound("report_not_found", _l("Report not found."))
