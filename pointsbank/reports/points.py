"""Points for reports: pay the reporter under the category's rule; record the approval queue's decision."""

from __future__ import annotations

from flask_babel import gettext

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.reports.flow import N_, record_event, replayed, tell_reporter
from pointsbank.reports.models import Report
from pointsbank.rules import service as rules
from pointsbank.rules.models import Rule


def award_reporter(report: Report, rule_id: int | None, stage: str, actor: User, label: str) -> int:
    """Pay the reporter under the rule's version in force; returns the points that moved now (0 on a replay)."""
    if rule_id is None:
        return 0
    rule = db.session.get(Rule, rule_id)
    version = rules.current_version(rule) if rule is not None else None
    if version is None:
        report.award_note = gettext("No points rule is in force for this category.")[:200]
        return 0
    evidence = "report_photo" if report.filing_photos else "report"
    if not rules.accepts(version, evidence):  # the rule asks for a check-in or a witness: it cannot pay a report
        report.award_note = gettext("The category's rule does not pay for reports.")[:200]
        return 0
    before = ledger.resident_totals("report", [report.id])[report.id]
    outcome = rules.award_under_rule(
        report.reporter,
        version,
        key=f"report:{report.id}:{stage}",
        actor_id=actor.id,
        memo=f"随手拍：{report.category.name}（{label}）",
        subject=("report", report.id),
        evidence=evidence,
    )
    report.__dict__.pop("_points_awarded", None)
    moved = ledger.resident_totals("report", [report.id])[report.id] - before if outcome.status == "posted" else 0
    if outcome.cap_note:
        report.award_note = str(outcome.cap_note)[:200]
    elif outcome.status == "pending":
        report.award_note = gettext("Points wait for a coordinator's approval.")[:200]
    return max(moved, 0)


def record_decision(pending) -> None:
    """Keep a report's points in step with the coordinator's decision on its pending award (rules calls this)."""
    if pending.subject_type != "report" or pending.subject_id is None:
        return
    report = db.session.get(Report, pending.subject_id)
    key = f"pending-award:{pending.id}:{pending.status}"
    if report is None or pending.status not in ("approved", "rejected") or replayed(report.id, key):
        return
    decider = db.session.get(User, pending.decided_by) if pending.decided_by else None
    record_event(report, decider, "points", report.status, report.status, pending.reason or "", key)
    if pending.status == "approved" and pending.awarded_points:
        report.award_note = (pending.cap_note or "")[:200]
        tell_reporter(
            report,
            N_("Points for your report #%(id)s were approved: %(points)d points."),
            points=pending.awarded_points,
        )
    elif pending.status == "rejected":
        report.award_note = (pending.reason or "")[:200]
        tell_reporter(report, N_("Points for your report #%(id)s were not approved."))
    db.session.flush()


rules.register_decision_recorder("report", record_decision)
