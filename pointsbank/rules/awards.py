"""Awards under a rule: posted within the caps, or queued for approval; a coordinator's award on their word."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.audit import service as audit
from pointsbank.errors import Conflict, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules.caps import cap_note_text, cap_room, requested_points
from pointsbank.rules.evidence import check_evidence, manual_evidence
from pointsbank.rules.models import PendingAward, Rule, RuleVersion
from pointsbank.rules.publicity import hold_during_publicity
from pointsbank.rules.scope import can_manage
from pointsbank.rules.versions import current_version


@dataclass
class AwardOutcome:
    """What award_under_rule did: posted, queued for approval, or nothing left under the caps."""

    status: str  # "posted" | "pending" | "capped_out"
    requested: int
    awarded: int
    cap_note: str | None = None
    transfer: Any = None
    pending_award: PendingAward | None = None
    replayed: bool = False  # the answer to an identical earlier request


def award_under_rule(
    resident,
    version: RuleVersion,
    *,
    quantity: float = 1,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: tuple | None = None,
    evidence: str,
    attached: dict | None = None,
) -> AwardOutcome:
    """Award points under a rule version if `evidence` satisfies it: queued when the rule needs approval or
    evidence is attached for a coordinator to look at (photo, witness), else posted within the caps."""
    requested = requested_points(version, quantity)
    if version.published_at is None:
        raise Refused("rule_not_in_force", _l("This rule is not published."))
    if resident.community_id != version.rule.community_id:
        raise Refused("wrong_community", _l("This rule belongs to another community."))
    check_evidence(version, evidence)
    if requested == 0:
        return AwardOutcome("capped_out", 0, 0)
    existing = _existing_transfer(key)
    if existing is not None:
        awarded = _resident_amount(existing, resident.id)
        if existing.rule_version_id != version.id or awarded <= 0:
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return AwardOutcome("posted", requested, awarded, None, existing)
    queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
    if queued is not None:
        if queued.resident_id != resident.id or queued.rule_version_id != version.id:
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return _outcome_of_pending(queued)
    if version.needs_approval or attached:
        subject_type, subject_id = subject or (None, None)
        pending = PendingAward(
            community_id=version.rule.community_id,
            resident_id=resident.id,
            rule_version_id=version.id,
            quantity=quantity,
            requested_points=requested,
            subject_type=subject_type,
            subject_id=subject_id,
            memo=memo,
            status="pending",
            requested_by=actor_id,
            idempotency_key=key,
            **(attached or {}),
        )
        try:
            with db.session.begin_nested():
                db.session.add(pending)
                db.session.flush()
        except IntegrityError:
            # The same key was queued at the same moment by another request: answer with that one.
            queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
            if queued is None:
                raise
            return _outcome_of_pending(queued)
        return AwardOutcome("pending", requested, 0, None, None, pending)
    return post_award(
        resident,
        version,
        requested,
        key=key,
        actor_id=actor_id,
        memo=memo,
        subject=subject,
    )


def _existing_transfer(key: str):
    from pointsbank.ledger.models import Transfer

    return db.session.scalar(sa.select(Transfer).where(Transfer.idempotency_key == key))


def _resident_amount(transfer, resident_id: int) -> int:
    from pointsbank.ledger.models import Account, Entry

    amount = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Account, Account.id == Entry.account_id)
        .where(
            Entry.transfer_id == transfer.id,
            Account.owner_user_id == resident_id,
            Account.kind == "resident",
        )
    )
    return int(amount or 0)


def post_award(
    resident,
    version: RuleVersion,
    requested: int,
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: tuple | None,
) -> AwardOutcome:
    from pointsbank.ledger import service as ledger
    from pointsbank.ledger.models import Account

    accounts = [
        ledger.community_account(version.rule.community_id, "issuance"),
        ledger.resident_account(resident),
    ]
    # Lock in the ledger's order so that two awards for one resident count the caps one after the other.
    db.session.execute(
        sa.select(Account.id).where(Account.id.in_([a.id for a in accounts])).order_by(Account.id).with_for_update()
    )
    room, binding = cap_room(resident.id, version)
    awarded = requested if room is None else min(requested, room)
    note = cap_note_text(binding, requested, awarded) if awarded < requested else None
    if awarded == 0:
        return AwardOutcome("capped_out", requested, 0, note)
    line = f"{memo}（{note}）" if note else memo
    transfer = ledger.award(
        resident,
        awarded,
        key=key,
        actor_id=actor_id,
        memo=line[:200],
        subject=subject,
        rule_version_id=version.id,
    )
    hold_during_publicity(transfer, resident, awarded)
    return AwardOutcome("posted", requested, awarded, note, transfer)


def _outcome_of_pending(pending: PendingAward) -> AwardOutcome:
    status = {"pending": "pending", "rejected": "pending"}.get(pending.status, "posted")
    if pending.status == "approved" and not pending.transfer_id:
        status = "capped_out"
    return AwardOutcome(
        status,
        pending.requested_points,
        pending.awarded_points or 0,
        pending.cap_note,
        None,
        pending,
    )


def award_by_coordinator(
    actor,
    rule: Rule,
    resident_id: int,
    *,
    quantity: float = 1,
    note: str = "",
    key: str,
    photo: str | None = None,
    witness_id: int | None = None,
) -> AwardOutcome:
    """A coordinator awards a resident under a rule in force; caps apply.

    Their word is the evidence for a coordinator rule; a photo or witness rule needs the photo (a stored
    file name) or the witness, and the award then waits in the approval queue with it; check-in and report
    rules pay only from an activity or a report, so they are refused here.
    """
    from pointsbank.people.models import User

    if not can_manage(actor, rule.community_id):
        raise NotFound()
    resident = db.session.get(User, resident_id)
    if resident is None or resident.community_id != rule.community_id:
        raise NotFound("resident_not_found", _l("No resident of this community has this number."))
    if resident.id == actor.id:
        raise Refused("own_award", _l("You cannot decide on an award to yourself; ask another coordinator."))
    version = current_version(rule)
    if version is None:
        raise Refused("rule_not_in_force", _l("This rule is not published."))
    label = f"{rule.title}（{version.grade}）" if version.grade else rule.title
    amount = f" {quantity:g} 小时" if version.unit == "hour" else (f" ×{quantity:g}" if quantity != 1 else "")
    memo = (f"{rule.category}：{label}{amount}" + (f"，{note.strip()}" if note and note.strip() else ""))[:200]
    key = f"rule:{rule.id}:by:{actor.id}:{key}"
    given = manual_evidence(version, photo=photo, witness_id=witness_id, resident=resident, actor=actor)
    check_evidence(version, given)
    replay = _refuse_changed_replay(key, quantity, memo)
    attached = {"evidence_photo": photo} if given == "photo" else None
    if given == "witness":
        attached = {"witness_id": witness_id}
    outcome = award_under_rule(
        resident,
        version,
        quantity=quantity,
        key=key,
        actor_id=actor.id,
        memo=memo,
        subject=("rule", rule.id),
        evidence=given,
        attached=attached,
    )
    if replay:
        outcome.replayed = True
        return outcome
    audit.record(
        "rule.award",
        actor_id=actor.id,
        community_id=rule.community_id,
        subject=("rule", rule.id),
        details={
            "resident_id": resident.id,
            "rule_version_id": version.id,
            "evidence": given,
            "status": outcome.status,
            "requested": outcome.requested,
            "awarded": outcome.awarded,
            "pending_award_id": outcome.pending_award.id if outcome.pending_award is not None else None,
        },
    )
    return outcome


def resident_by_phone(phone: str):
    """The user with this phone number (any form a person types), else NotFound with a clear code."""
    from pointsbank.people.auth import normalize_phone
    from pointsbank.people.models import User

    user = db.session.scalar(sa.select(User).where(User.phone == normalize_phone(phone)))
    if user is None:
        raise NotFound("resident_not_found", _l("No resident of this community has this number."))
    return user


def _refuse_changed_replay(key: str, quantity: float, memo: str) -> bool:
    """The same key again with another quantity or note is refused (the memo carries both); True for a replay."""
    existing = _existing_transfer(key)
    if existing is not None and existing.memo != memo and not existing.memo.startswith(f"{memo}（"):  # （cap note）
        raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
    queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
    if queued is not None and (queued.quantity != quantity or queued.memo != memo):
        raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
    return existing is not None or queued is not None
