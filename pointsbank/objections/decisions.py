"""The objection queue of a community's coordinators (not the award's approver) and the final decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank import notices
from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.objections.filing import clean_reason
from pointsbank.objections.models import Objection
from pointsbank.objections.publicity import Award, get_award
from pointsbank.rules.publicity import publicity_hold

OUTCOMES = ("upheld", "dismissed")
# The reversal's reason is fixed, so two upheld objections to one award replay the same reversal.
REVERSAL_REASON = "公示异议成立"


@dataclass
class QueueItem:
    objection: Objection
    award: Award


def _queue_query(user: Any, status: str, community_ids: set[int] | None = None) -> sa.Select:
    communities = user.coordinated_community_ids()
    if community_ids is not None:
        communities = communities & set(community_ids)
    communities = sorted(communities)
    return (
        sa.select(Objection)
        .join(Transfer, Transfer.id == Objection.transfer_id)
        .where(
            Objection.community_id.in_(communities),
            Objection.status == status,
            sa.or_(Transfer.actor_id.is_(None), Transfer.actor_id != user.id),
            Objection.awarded_id != user.id,
            Objection.objector_id != user.id,
        )
    )


def queue(user: Any, *, status: str = "open", page: int = 1, per_page: int = 20) -> tuple[list[QueueItem], int]:
    """Objections in my communities that I may decide (never on an award I approved), oldest first."""
    if status not in ("open", *OUTCOMES):
        raise Invalid("invalid_status", _l("Unknown status."))
    query = _queue_query(user, status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = Objection.id.asc() if status == "open" else Objection.id.desc()
    rows = db.session.scalars(query.order_by(order).limit(per_page).offset((page - 1) * per_page)).all()
    return [QueueItem(o, get_award(o.transfer_id)) for o in rows], int(total)


def waiting_count(user: Any, community_ids: set[int] | None = None) -> int:
    """Open objections I may decide (the coordinator's home counter), optionally in some of my communities only."""
    if not user.coordinated_community_ids():
        return 0
    query = _queue_query(user, "open", community_ids)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)


def objection_to_decide(objection_id: int, user: Any) -> Objection:
    """An objection for a coordinator of its community (404 otherwise); the award's approver gets 403."""
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.community_id not in user.coordinated_community_ids():
        raise NotFound("objection_not_found")
    transfer_actor = db.session.scalar(sa.select(Transfer.actor_id).where(Transfer.id == objection.transfer_id))
    if transfer_actor == user.id:
        raise Forbidden(
            "approver_cannot_decide", _l("Another coordinator decides objections to an award you approved.")
        )
    if user.id in (objection.awarded_id, objection.objector_id):
        raise Forbidden("party_cannot_decide", _l("You cannot decide an objection you are part of."))
    return objection


def photo_of(objection_id: int, user: Any) -> str:
    """The stored photo of an objection, for its objector or a coordinator who may decide it."""
    objection = db.session.get(Objection, objection_id)
    if objection is None or not objection.photo:
        raise NotFound("objection_not_found")
    if objection.objector_id != user.id:
        objection_to_decide(objection_id, user)
    return objection.photo


def _claim(objection: Objection, actor: Any, outcome: str, reason: str) -> bool:
    """Decide exactly once: a guarded UPDATE; False when someone decided first."""
    now = utcnow()
    table = Objection.__table__
    row = db.session.execute(
        sa.update(table)
        .where(table.c.id == objection.id, table.c.status == "open")
        .values(status=outcome, decided_by=actor.id, decision_reason=reason, decided_at=now)
        .returning(table.c.id)
    ).first()
    if row is None:
        return False
    db.session.expire(objection)
    return True


def decide(objection: Objection, actor: Any, outcome: str, reason: Any) -> Objection:
    """Uphold (the award is reversed, once) or dismiss, with a reason; final (a second decision is 409)."""
    if outcome not in OUTCOMES:
        raise Invalid("invalid_outcome", _l("Choose upheld or dismissed."))
    text = clean_reason(reason)
    if not _claim(objection, actor, outcome, text):
        raise Conflict("already_decided", _l("This objection was already decided."))
    award = get_award(objection.transfer_id)
    details: dict[str, Any] = {"transfer_id": award.transfer_id}
    if outcome == "upheld":
        objection.reversal_id = _reverse(award, actor)
        details["reversal_id"] = objection.reversal_id
        db.session.flush()
    audit.record(
        f"objection.{outcome}",
        actor_id=actor.id,
        community_id=objection.community_id,
        subject=("objection", objection.id),
        details=details,
    )
    _tell(objection, award, outcome, text)
    return objection


def _reverse(award: Award, actor: Any) -> int:
    """Reverse the award once (its 公示 hold ends first); a reversal already made is reused."""
    pending = publicity_hold(award.transfer_id)
    if pending is not None:
        ledger.void_hold(pending, reason="objection upheld")
    transfer = db.session.get(Transfer, award.transfer_id)
    try:
        reversal = ledger.reverse(
            transfer, key=f"objection:{award.transfer_id}:reversal", actor_id=actor.id, reason=REVERSAL_REASON
        )
    except Conflict as err:
        if err.code != "already_reversed":
            raise
        existing = db.session.scalar(sa.select(Transfer.id).where(Transfer.reverses_id == award.transfer_id))
        return int(existing)
    except Refused as err:
        if err.code != "insufficient_points":
            raise
        raise Refused(
            "award_points_spent",
            _l("The resident has already spent these points; the award cannot be reversed."),
            details={"transfer_id": award.transfer_id},
        ) from None
    return reversal.id


def _tell(objection: Objection, award: Award, outcome: str, reason: str) -> None:
    """The objector and the awarded resident hear the decision; neither notice names the other person."""
    subject = ("objection", objection.id)
    params = {"points": award.points, "award": award.memo, "reason": reason}
    notices.notify(
        objection.objector_id,
        f"objection.{outcome}",
        params,
        subject=subject,
        link="/objections/mine",
        key=f"objection:{objection.id}:objector",
    )
    notices.notify(
        objection.awarded_id,
        f"objection.award_{outcome}",
        params,
        subject=subject,
        link="/ledger/",
        key=f"objection:{objection.id}:awarded",
    )
