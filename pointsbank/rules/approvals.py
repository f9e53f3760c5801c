"""The approval queue: pending awards, approve or reject them; the feature that asked records the decision."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules.awards import post_award
from pointsbank.rules.models import PendingAward
from pointsbank.rules.scope import can_manage, managed_community_ids

# subject type -> how that feature records a decision on its pending award (activities and reports register here)
_recorders: dict[str, Callable[[PendingAward], None]] = {}


def register_decision_recorder(subject_type: str, recorder: Callable[[PendingAward], None]) -> None:
    """A feature says how to record the decision on awards it asked for (called once at import)."""
    _recorders[subject_type] = recorder


def get_pending(pending_id: int, user) -> PendingAward:
    """A pending award the user may see: their own, or one in a community they coordinate."""
    pending = db.session.get(PendingAward, pending_id)
    if pending is None or not (pending.resident_id == user.id or can_manage(user, pending.community_id)):
        raise NotFound()
    return pending


def queue(user, *, status: str = "pending", page: int = 1, per_page: int = 20) -> tuple[list[PendingAward], int]:
    """The approval queue of the user's communities: pending oldest first, decided newest first."""
    query = sa.select(PendingAward).where(PendingAward.status == status)
    scope = managed_community_ids(user)
    if scope is not None:
        query = query.where(PendingAward.community_id.in_(scope or {-1}))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = PendingAward.id if status == "pending" else PendingAward.id.desc()
    rows = db.session.scalars(query.order_by(order).offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique()), total


def my_pending(user, *, status: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[PendingAward], int]:
    """A resident's own awards waiting for, or decided by, a coordinator; newest first."""
    query = sa.select(PendingAward).where(PendingAward.resident_id == user.id)
    if status:
        query = query.where(PendingAward.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(PendingAward.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique()), total


def pending_to_decide(pending_id: int, user) -> PendingAward:
    """A pending award in a community the user manages (to approve or reject), else NotFound."""
    pending = db.session.get(PendingAward, pending_id)
    if pending is None or not can_manage(user, pending.community_id):
        raise NotFound()
    return pending


def _check_decider(pending: PendingAward, actor) -> None:
    if not can_manage(actor, pending.community_id):
        raise NotFound()
    if pending.resident_id == actor.id:
        raise Refused(
            "own_award",
            _l("You cannot decide on an award to yourself; ask another coordinator."),
        )


def _claim(pending: PendingAward, actor, status: str, reason: str | None = None) -> bool:
    """Move pending -> status with a conditional UPDATE; False if someone decided first."""
    now = utcnow()
    result = db.session.execute(
        sa.update(PendingAward)
        .where(PendingAward.id == pending.id, PendingAward.status == "pending")
        .values(status=status, decided_by=actor.id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(pending)
        return False
    pending.status, pending.decided_by, pending.decided_at, pending.reason = (
        status,
        actor.id,
        now,
        reason,
    )
    return True


def approve(pending: PendingAward, actor) -> PendingAward:
    """Approve one pending award: posts it once (caps applied now); approving again changes nothing."""
    _check_decider(pending, actor)
    if not _claim(pending, actor, "approved"):
        if pending.status == "approved":
            return pending
        raise Conflict("already_decided", _l("This award was already decided."))
    from pointsbank.people.models import User

    resident = db.session.get(User, pending.resident_id)
    version = pending.rule_version
    outcome = post_award(
        resident,
        version,
        pending.requested_points,
        key=f"pending_award:{pending.id}:award",
        actor_id=actor.id,
        memo=pending.memo,
        subject=(pending.subject_type, pending.subject_id) if pending.subject_type else None,
    )
    pending.awarded_points = outcome.awarded
    pending.cap_note = outcome.cap_note
    pending.transfer_id = outcome.transfer.id if outcome.transfer is not None else None
    db.session.flush()
    _audit("award.approved", pending, actor, {"awarded": pending.awarded_points, "transfer_id": pending.transfer_id})
    _notify_subject(pending)
    return pending


def reject(pending: PendingAward, actor, reason: str) -> PendingAward:
    """Reject one pending award with a reason the resident sees."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Invalid("reason_required", _l("Say why the award is rejected."))
    _check_decider(pending, actor)
    if not _claim(pending, actor, "rejected", reason[:200]):
        if pending.status == "rejected":
            return pending
        raise Conflict("already_decided", _l("This award was already decided."))
    db.session.flush()
    _audit("award.rejected", pending, actor, {"before": {"status": "pending"}, "after": {"status": "rejected"}})
    _notify_subject(pending)
    return pending


def approve_many(ids: list[int], actor) -> dict[str, int]:
    """Approve several pending awards; returns counts of approved and skipped (decided, own, out of scope)."""
    counts = {"approved": 0, "skipped": 0}
    rows = db.session.scalars(sa.select(PendingAward).where(PendingAward.id.in_(ids)).order_by(PendingAward.id))
    for pending in list(rows.unique()):
        if (
            pending.status != "pending"
            or pending.resident_id == actor.id
            or not can_manage(actor, pending.community_id)
        ):
            counts["skipped"] += 1
            continue
        before = pending.status
        approve(pending, actor)
        counts["approved" if before == "pending" else "skipped"] += 1
    counts["skipped"] += len(set(ids)) - sum(counts.values())
    return counts


def _audit(action: str, pending: PendingAward, actor, details: dict) -> None:
    audit.record(
        action,
        actor_id=actor.id,
        community_id=pending.community_id,
        subject=("pending_award", pending.id),
        details={
            "resident_id": pending.resident_id,
            "rule_version_id": pending.rule_version_id,
            "requested": pending.requested_points,
            **details,
        },
    )


def evidence_photo_of(pending_id: int, user) -> str:
    """The stored file name of a pending award's photo, for a coordinator of its community; else NotFound."""
    pending = pending_to_decide(pending_id, user)
    if not pending.evidence_photo:
        raise NotFound()
    return pending.evidence_photo


def _notify_subject(pending: PendingAward) -> None:
    """Let the feature that asked for the award record the decision (activity sign-up, report)."""
    recorder = _recorders.get(pending.subject_type or "")
    if recorder is not None:
        recorder(pending)
