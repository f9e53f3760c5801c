"""Holds: points reserved for a pending redemption until posted, voided or expired (exactly once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Refused
from pointsbank.extensions import db
from pointsbank.ledger.accounts import Subject, _account, resident_account
from pointsbank.ledger.models import Account, Hold, Transfer
from pointsbank.ledger.posting import _check_key, _check_points, _end_hold, _post, _request_hash, _sync


def hold(account: Any, points: int, *, key: str, expires_at: datetime, memo: str, subject: Subject = None) -> Hold:
    """Reserve points on an account until the hold is posted, voided or expires."""
    _check_points(points)
    _check_key(key)
    account = resident_account(account) if not isinstance(account, Account) else account
    subject_type, subject_id = subject or (None, None)
    memo = (memo or "")[:200]
    request_hash = _request_hash("hold", account.id, points, subject_type, subject_id, memo)
    existing = db.session.scalar(sa.select(Hold).where(Hold.idempotency_key == key))
    if existing is not None:
        if existing.request_hash != request_hash:
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return existing
    try:
        with db.session.begin_nested():
            new = Hold(
                account_id=account.id,
                amount=points,
                status="pending",
                expires_at=expires_at,
                idempotency_key=key,
                request_hash=request_hash,
                subject_type=subject_type,
                subject_id=subject_id,
                memo=memo,
                created_at=utcnow(),
            )
            db.session.add(new)
            db.session.flush()
            row = db.session.execute(
                sa.update(_account)
                .where(_account.c.id == account.id, _account.c.balance - _account.c.held - points >= 0)
                .values(held=_account.c.held + points)
                .returning(_account.c.balance, _account.c.held)
            ).first()
            if row is None:
                raise Refused("insufficient_points", _l("Not enough points."), details={"account_id": account.id})
            _sync(account.id, row.balance, row.held)
    except IntegrityError:
        existing = db.session.scalar(sa.select(Hold).where(Hold.idempotency_key == key))
        if existing is None:
            raise
        if existing.request_hash != request_hash:
            raise Conflict(
                "idempotency_conflict", _l("This request was already made with different content.")
            ) from None
        return existing
    return new


def post_hold(
    hold: Hold, to_account: Account, *, key: str, actor_id: int | None, memo: str | None = None, subject: Subject = None
) -> Transfer:
    """Turn a pending hold into a transfer to to_account; the hold ends as "posted"."""
    if subject is None and hold.subject_type:
        subject = (hold.subject_type, hold.subject_id)
    return _post(
        "spend",
        [(hold.account_id, -hold.amount), (to_account, hold.amount)],
        key=key,
        actor_id=actor_id,
        memo=memo or hold.memo,
        subject=subject,
        hold=hold,
    )


def void_hold(hold: Hold, *, reason: str = "voided") -> Hold:
    """Release a pending hold; it ends as "voided"."""
    _release(hold.id, "voided", reason)
    return hold


def _release(hold_id: int, status: str, reason: str) -> None:
    row = _end_hold(hold_id, status, reason[:60] if reason else status)
    result = db.session.execute(
        sa.update(_account)
        .where(_account.c.id == row.account_id)
        .values(held=_account.c.held - row.amount)
        .returning(_account.c.balance, _account.c.held)
    ).first()
    _sync(row.account_id, result.balance, result.held)


def expire_holds(now: datetime | None = None) -> int:
    """End every pending hold past its expiry as "expired"; returns how many."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(Hold.id).where(Hold.status == "pending", Hold.expires_at <= now).order_by(Hold.id)
    ).all()
    count = 0
    for hold_id in ids:
        try:
            with db.session.begin_nested():
                _release(hold_id, "expired", "expired")
            count += 1
        except Conflict:
            continue
    return count
