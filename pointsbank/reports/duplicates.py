"""Duplicate groups: the earliest filed report is the original; the group is paid once, to its reporter.

A mark always points at the group's original, whichever of two reports the coordinator marks: marking the
earlier report as a duplicate of a later one marks the later one. A duplicate's awards are reversed through
the ledger; when any report of the group had been accepted, the original is accepted and paid under the
category's rule (keyed per report, so it pays once). Marking two reports already in one group changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Invalid, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import Community, User
from pointsbank.reports.flow import N_, move, record_event, require_manager, tell_reporter
from pointsbank.reports.models import Report, aware
from pointsbank.reports.points import award_reporter
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward


@dataclass
class Marked:
    """What one mark did: the group's original, the reports newly marked, points taken back and paid."""

    original: Report
    duplicates: list[Report] = field(default_factory=list)
    reversed_points: dict[int, int] = field(default_factory=dict)
    paid_points: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.duplicates)


def original_id(report: Report) -> int:
    """The id of the report's group original (itself when it is not a duplicate)."""
    return report.duplicate_of_id or report.id


def filing_order(report: Report) -> tuple:
    return (aware(report.created_at), report.id)


def mark_duplicate(report: Report, actor: User, other_id: int, note: str = "") -> Report:
    """Mark two reports as one problem (either order); the earliest filed is paid. Returns `report`, reloaded."""
    mark(report, actor, other_id, note)
    return report


def mark(report: Report, actor: User, other_id: int, note: str = "") -> Marked:
    """Join the groups of `report` and report `other_id`; see the module's rule."""
    require_manager(actor, report)
    note = (note or "").strip()[:2000]
    other = db.session.get(Report, other_id) if 0 < other_id < 2**31 else None
    if other is None or other.community_id != report.community_id or other.id == report.id:
        raise Invalid("unknown_original", _l("Choose another report of the same community."))
    # One mark at a time per community: two coordinators joining the same groups wait for each other.
    db.session.execute(
        sa.select(Community.id).where(Community.id == report.community_id).with_for_update(key_share=True)
    )
    pair = _locked([report.id, other.id], sa.false())
    if any(r.status == "rejected" for r in pair):
        raise Refused("original_not_valid", _l("A report that was not accepted cannot be part of a duplicate group."))
    roots = {original_id(r) for r in pair}
    group = _locked(roots, Report.duplicate_of_id.in_(roots))
    if any(r.status == "rejected" for r in group):
        raise Refused("original_not_valid", _l("A report that was not accepted cannot be part of a duplicate group."))
    original = min(group, key=filing_order)
    outcome = Marked(original)
    if len(roots) == 1 and all(r is original or r.duplicate_of_id == original.id for r in group):
        return outcome  # already one group: nothing new
    was_accepted = any(r.accepted_at is not None for r in group)
    for member in group:
        if member is original or (member.status == "duplicate" and member.duplicate_of_id == original.id):
            continue
        _join(member, original, actor, note, outcome)
    if was_accepted and original.status == "submitted":
        move(original, actor, "accept", " ".join(f"#{d.id}" for d in outcome.duplicates))
        original.accepted_at = utcnow()
        outcome.paid_points = award_reporter(original, original.category.rule_id, "accept", actor, "已受理")
    _tell(outcome)
    audit.record(
        "report.duplicate_marked",
        actor_id=actor.id,
        community_id=report.community_id,
        subject=("report", report.id),
        details={
            "marked_with": other.id,
            "original_id": original.id,
            "duplicate_ids": [d.id for d in outcome.duplicates],
            "reversed_points": {str(k): v for k, v in outcome.reversed_points.items()},
            "paid_points": outcome.paid_points,
        },
    )
    db.session.flush()
    return outcome


def _locked(ids, also) -> list[Report]:
    """The reports, re-read under a row lock in id order (the caller may hold stale copies)."""
    return list(
        db.session.scalars(
            sa.select(Report)
            .where(sa.or_(Report.id.in_(sorted(ids)), also))
            .order_by(Report.id)
            .with_for_update(of=Report)
            .execution_options(populate_existing=True)
        )
    )


def _join(member: Report, original: Report, actor: User, note: str, outcome: Marked) -> None:
    """Point one report at the original; a report not yet a duplicate closes and gives back its points."""
    label = f"#{original.id}"
    if member.status == "duplicate":  # it pointed at the other group's original: re-point it
        record_event(member, actor, "duplicate", "duplicate", "duplicate", note or label)
        member.duplicate_of_id = original.id
        return
    move(member, actor, "duplicate", note or label)
    member.duplicate_of_id = original.id
    member.duplicate_of = original
    member.status_note = note
    member.closed_at = utcnow()
    outcome.duplicates.append(member)
    outcome.reversed_points[member.id] = _unpay(member, original, actor)


def _unpay(member: Report, original: Report, actor: User) -> int:
    """Reverse the duplicate's awards (once each) and reject its awards still waiting for approval."""
    reason = f"重复上报，首报 #{original.id}"
    before = ledger.resident_totals("report", [member.id])[member.id]
    for transfer in ledger.unreversed_transfers("report", member.id):
        ledger.reverse(transfer, key=f"report:{member.id}:duplicate:{transfer.id}", actor_id=actor.id, reason=reason)
    waiting = db.session.scalars(
        sa.select(PendingAward).where(
            PendingAward.subject_type == "report",
            PendingAward.subject_id == member.id,
            PendingAward.status == "pending",
        )
    )
    for pending in list(waiting):
        rules.reject(pending, actor, reason)
    member.__dict__.pop("_points_awarded", None)
    return before - ledger.resident_totals("report", [member.id])[member.id]


def _tell(outcome: Marked) -> None:
    original = outcome.original
    for dup in outcome.duplicates:
        taken = outcome.reversed_points.get(dup.id, 0)
        if taken:
            tell_reporter(
                dup,
                N_(
                    "Your report #%(id)s was marked as a duplicate of the earlier report #%(original)s. Only the "
                    "first reporter is paid, so the %(points)d points for it were taken back. Thank you."
                ),
                original=original.id,
                points=taken,
            )
        else:
            tell_reporter(
                dup,
                N_(
                    "Your report #%(id)s was marked as a duplicate of report #%(original)s, which is "
                    "already being handled. Thank you."
                ),
                original=original.id,
            )
    later = ", ".join(f"#{d.id}" for d in outcome.duplicates)
    if outcome.paid_points:
        tell_reporter(
            original,
            N_(
                "Your report #%(id)s was the first to report this problem (later: %(later)s). "
                "You earned %(points)d points."
            ),
            later=later,
            points=outcome.paid_points,
        )
    else:
        tell_reporter(
            original,
            N_("Later reports of the same problem (%(later)s) were joined to your report #%(id)s."),
            later=later,
        )
