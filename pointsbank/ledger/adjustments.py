"""Manual adjustments and their reversals: within a coordinator's daily allowance at once, else by a second one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.accounts import _not_own, _require_coordinator, community_account
from pointsbank.ledger.models import Account, Adjustment, Entry, Transfer
from pointsbank.ledger.posting import _check_key, _post, _reversal_of
from pointsbank.ledger.reversal import reverse

# Four-eyes: what one coordinator posts on their own within a rolling day, for one resident and in total across
# the community, stays within Community.adjustment_threshold; beyond it a second coordinator approves.
WINDOW = timedelta(days=1)
REVERSIBLE_BY_COORDINATOR = ("award", "fund_award", "adjustment")


class Allowance(NamedTuple):
    """A coordinator's own adjustments in the last rolling day, and what one more may move without a second one."""

    threshold: int
    for_resident: int
    in_total: int
    remaining: int


def _threshold(community_id: int, *, lock: bool) -> int:
    """The community's threshold; lock=True takes the community row (FOR UPDATE), so allowances are read in turn."""
    from pointsbank.people.models import Community

    query = sa.select(Community.adjustment_threshold).where(Community.id == community_id)
    value = db.session.scalar(query.with_for_update() if lock else query)
    if value is None:
        raise NotFound()
    return int(value)


def allowance(coordinator: Any, account: Account, *, threshold: int | None = None) -> Allowance:
    """Points the coordinator adjusted on their own in the last 24 hours (this resident, all residents)."""
    if threshold is None:
        threshold = _threshold(account.community_id, lock=False)
    own = sa.and_(
        Adjustment.community_id == account.community_id,
        Adjustment.requested_by_id == coordinator.id,
        Adjustment.approved_by_id == coordinator.id,
        Adjustment.status == "posted",
        Adjustment.created_at >= utcnow() - WINDOW,
    )
    points = sa.func.abs(Adjustment.amount)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((Adjustment.account_id == account.id, points), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(points), 0),
        ).where(own)
    ).one()
    for_resident, in_total = int(row[0]), int(row[1])
    return Allowance(threshold, for_resident, in_total, max(0, threshold - max(for_resident, in_total)))


def request_adjustment(
    account: Account, amount: int, *, reason: str, requested_by: Any, key: str, reverses: Transfer | None = None
) -> Adjustment:
    """Ask for a manual adjustment (or the reversal of one); within the daily allowance it posts at once."""
    _check_key(key)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0 or abs(amount) > 10**9:
        raise Invalid("invalid_amount", _l("Points must be a non-zero whole number."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", _l("A reason is required."))
    if account.kind != "resident":
        raise Refused("not_a_resident_account", _l("Only resident accounts can be adjusted."))
    _require_coordinator(requested_by, account.community_id)
    _not_own(requested_by, account.owner_user_id)
    # The lock first: concurrent requests of this community read the allowance (and the key) one after another.
    threshold = _threshold(account.community_id, lock=True)
    reverses_id = reverses.id if reverses is not None else None
    existing = db.session.scalar(sa.select(Adjustment).where(Adjustment.idempotency_key == key))
    if existing is not None:
        asked = (existing.account_id, existing.amount, existing.reason, existing.reverses_transfer_id)
        if asked != (account.id, amount, reason[:200], reverses_id):
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return existing
    used = allowance(requested_by, account, threshold=threshold)
    adjustment = Adjustment(
        community_id=account.community_id,
        account_id=account.id,
        amount=amount,
        reason=reason[:200],
        status="pending",
        idempotency_key=key,
        requested_by_id=requested_by.id,
        reverses_transfer_id=reverses_id,
        created_at=utcnow(),
    )
    db.session.add(adjustment)
    db.session.flush()
    if abs(amount) <= used.remaining:
        _post_adjustment(adjustment, requested_by)
    audit.record(
        "adjustment.requested",
        actor_id=requested_by.id,
        community_id=account.community_id,
        subject=("adjustment", adjustment.id),
        details={
            "account_id": account.id,
            "amount": amount,
            "status": adjustment.status,
            "threshold": threshold,
            "used_for_resident": used.for_resident,
            "used_in_total": used.in_total,
            "reverses_transfer_id": reverses_id,
        },
    )
    return adjustment


def approve_adjustment(adjustment: Adjustment, approver: Any) -> Adjustment:
    """A second, different coordinator approves a pending adjustment, which then posts."""
    _require_coordinator(approver, adjustment.community_id)
    if approver.id == adjustment.requested_by_id:
        raise Forbidden("second_approver_required", _l("A different coordinator must approve this adjustment."))
    _not_own(approver, db.session.scalar(sa.select(Account.owner_user_id).where(Account.id == adjustment.account_id)))
    _decide(adjustment, "approved", approver)
    _post_adjustment(adjustment, approver)
    _audit_decision("adjustment.approved", adjustment, approver)
    return adjustment


def reject_adjustment(adjustment: Adjustment, approver: Any) -> Adjustment:
    """A coordinator rejects a pending adjustment; nothing moves."""
    _require_coordinator(approver, adjustment.community_id)
    _decide(adjustment, "rejected", approver)
    _audit_decision("adjustment.rejected", adjustment, approver)
    return adjustment


def _audit_decision(action: str, adjustment: Adjustment, approver: Any) -> None:
    audit.record(
        action,
        actor_id=approver.id,
        community_id=adjustment.community_id,
        subject=("adjustment", adjustment.id),
        details={
            "account_id": adjustment.account_id,
            "amount": adjustment.amount,
            "requested_by_id": adjustment.requested_by_id,
            "transfer_id": adjustment.transfer_id,
            "status": {"before": "pending", "after": adjustment.status},
        },
    )


def _decide(adjustment: Adjustment, status: str, approver: Any) -> None:
    table = Adjustment.__table__
    now = utcnow()
    done = db.session.execute(
        sa.update(table)
        .where(table.c.id == adjustment.id, table.c.status == "pending")
        .values(status=status, approved_by_id=approver.id, decided_at=now)
        .returning(table.c.id)
    ).first()
    if done is None:
        raise Conflict("adjustment_closed", _l("This adjustment has already been decided."))
    for name, value in (("status", status), ("approved_by_id", approver.id), ("decided_at", now)):
        set_committed_value(adjustment, name, value)


def _post_adjustment(adjustment: Adjustment, approver: Any) -> None:
    if adjustment.reverses_transfer_id is not None:
        original = db.session.get(Transfer, adjustment.reverses_transfer_id)
        key = f"adjustment:{adjustment.id}:post"
        transfer = reverse(original, key=key, actor_id=approver.id, reason=adjustment.reason)
    else:
        issuance = community_account(adjustment.community_id, "issuance")
        transfer = _post(
            "adjustment",
            [(issuance, -adjustment.amount), (adjustment.account_id, adjustment.amount)],
            key=f"adjustment:{adjustment.id}:post",
            actor_id=approver.id,
            memo=f"人工调整：{adjustment.reason}",
            subject=("adjustment", adjustment.id),
        )
    table = Adjustment.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.id == adjustment.id)
        .values(status="posted", transfer_id=transfer.id, approved_by_id=approver.id, decided_at=utcnow())
    )
    for name, value in (("status", "posted"), ("transfer_id", transfer.id), ("approved_by_id", approver.id)):
        set_committed_value(adjustment, name, value)


def adjustments_for(user: Any, *, status: str | None = None, page: int = 1, per_page: int = 20):
    """Adjustments in the user's coordinated communities, newest first; and the total."""
    query = sa.select(Adjustment)
    if not user.is_admin:
        query = query.where(Adjustment.community_id.in_(user.coordinated_community_ids() or {-1}))
    if status:
        query = query.where(Adjustment.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = (
        db.session.scalars(
            query.options(joinedload(Adjustment.account).joinedload(Account.owner))
            .order_by(Adjustment.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .all()
    )
    return list(items), int(total or 0)


def adjustment_in_scope(user: Any, adjustment_id: int) -> Adjustment:
    """An adjustment in one of the user's coordinated communities, else NotFound."""
    adjustment = db.session.get(Adjustment, adjustment_id)
    if adjustment is None:
        raise NotFound()
    _require_coordinator(user, adjustment.community_id)
    return adjustment


def coordinator_reverse(user: Any, transfer_id: int, *, key: str, reason: str) -> Transfer | Adjustment:
    """A coordinator reverses a mistaken award, fund award or adjustment in their communities.

    Reversing an adjustment is itself an adjustment: beyond the coordinator's allowance it waits (the pending
    Adjustment is returned) until a second coordinator approves it.
    """
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound()
    owners = db.session.execute(
        sa.select(Account.id, Account.kind, Account.community_id, Account.owner_user_id, Entry.amount)
        .join(Entry, Entry.account_id == Account.id)
        .where(Entry.transfer_id == transfer_id)
    ).all()
    community_ids = {row.community_id for row in owners}
    if not user.is_admin and not community_ids <= user.coordinated_community_ids():
        raise NotFound()
    for row in owners:
        _not_own(user, row.owner_user_id)
    if transfer.kind not in REVERSIBLE_BY_COORDINATOR:
        raise Refused("not_reversible_here", _l("Only awards and adjustments can be reversed here."))
    if transfer.kind != "adjustment":
        return reverse(transfer, key=key, actor_id=user.id, reason=reason)
    resident = next((row for row in owners if row.kind == "resident"), None)
    if resident is None:
        raise NotFound()
    if not reason or not str(reason).strip():
        raise Invalid("reason_required", _l("A reason is required."))
    replay = db.session.scalar(sa.select(Adjustment).where(Adjustment.idempotency_key == key))
    if replay is None:
        if _reversal_of(transfer.id) is not None:
            raise Conflict("already_reversed", _l("This transfer has already been reversed."))
        waiting = db.session.scalar(
            sa.select(Adjustment.id).where(
                Adjustment.reverses_transfer_id == transfer.id, Adjustment.status == "pending"
            )
        )
        if waiting is not None:
            raise Conflict(
                "reversal_pending",
                _l("A reversal of this adjustment already waits for a second coordinator."),
                details={"adjustment_id": waiting},
            )
    account = db.session.get(Account, resident.id)
    adjustment = request_adjustment(
        account, -resident.amount, reason=str(reason).strip(), requested_by=user, key=key, reverses=transfer
    )
    if adjustment.transfer_id is not None:
        return db.session.get(Transfer, adjustment.transfer_id)
    return adjustment
