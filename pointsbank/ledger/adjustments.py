"""Manual adjustments: requested by a coordinator, posted at once under the threshold, else by a second one."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.accounts import _not_own, _require_coordinator, community_account
from pointsbank.ledger.models import Account, Adjustment
from pointsbank.ledger.posting import _check_key, _post


def request_adjustment(account: Account, amount: int, *, reason: str, requested_by: Any, key: str) -> Adjustment:
    """Ask for a manual adjustment; at or below the community threshold it posts at once."""
    from pointsbank.people.models import Community

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
    existing = db.session.scalar(sa.select(Adjustment).where(Adjustment.idempotency_key == key))
    if existing is not None:
        if (existing.account_id, existing.amount, existing.reason) != (account.id, amount, reason[:200]):
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return existing
    community = db.session.get(Community, account.community_id)
    adjustment = Adjustment(
        community_id=account.community_id,
        account_id=account.id,
        amount=amount,
        reason=reason[:200],
        status="pending",
        idempotency_key=key,
        requested_by_id=requested_by.id,
        created_at=utcnow(),
    )
    db.session.add(adjustment)
    db.session.flush()
    if abs(amount) <= community.adjustment_threshold:
        _post_adjustment(adjustment, requested_by)
    return adjustment


def approve_adjustment(adjustment: Adjustment, approver: Any) -> Adjustment:
    """A second, different coordinator approves a pending adjustment, which then posts."""
    _require_coordinator(approver, adjustment.community_id)
    if approver.id == adjustment.requested_by_id:
        raise Forbidden("second_approver_required", _l("A different coordinator must approve this adjustment."))
    _not_own(approver, db.session.scalar(sa.select(Account.owner_user_id).where(Account.id == adjustment.account_id)))
    _decide(adjustment, "approved", approver)
    _post_adjustment(adjustment, approver)
    return adjustment


def reject_adjustment(adjustment: Adjustment, approver: Any) -> Adjustment:
    """A coordinator rejects a pending adjustment; nothing moves."""
    _require_coordinator(approver, adjustment.community_id)
    _decide(adjustment, "rejected", approver)
    return adjustment


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
