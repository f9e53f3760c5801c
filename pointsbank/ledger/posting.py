"""Posting transfers: the one guarded write path, and award, spend, donate and fund awards on top of it."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, Refused
from pointsbank.extensions import db
from pointsbank.ledger.accounts import (
    AccountRef,
    Subject,
    _account,
    _account_id,
    _not_own,
    _require_coordinator,
    community_account,
    resident_account,
    station_account,
)
from pointsbank.ledger.models import Account, Entry, Hold, Transfer

# Every write takes an idempotency key: the same key with the same request returns the first result, the
# same key with another request raises Conflict("idempotency_conflict"). Services flush; the caller's unit
# of work commits. Balances move with one guarded `UPDATE ... RETURNING` per account, in ascending account
# id order (a fixed lock order), inside a savepoint so a refusal leaves nothing behind. The unique key is
# the idempotency look-up: the transfer is inserted first, and only a clash reads the earlier one.

_hold = Hold.__table__


def _request_hash(*parts: Any) -> str:
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise Invalid("invalid_idempotency_key", _l("An idempotency key (1-200 characters) is required."))
    return key


def _check_points(points: Any) -> int:
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0 or points > 10**9:
        raise Invalid("invalid_amount", _l("Points must be a positive whole number."))
    return points


def _normalize(legs: Iterable[tuple[AccountRef, int]]) -> list[tuple[int, int]]:
    """Merge legs per account; refuse zero-sum violations and bad amounts. Sorted by account id."""
    merged: dict[int, int] = {}
    for ref, amount in legs:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0 or abs(amount) > 10**9:
            raise Invalid("invalid_amount", _l("Points must be a non-zero whole number."))
        account_id = _account_id(ref)
        merged[account_id] = merged.get(account_id, 0) + amount
    moves = sorted((a, d) for a, d in merged.items() if d != 0)
    if len(moves) < 2 or sum(d for _a, d in moves) != 0:
        raise Invalid("unbalanced_transfer", _l("A transfer needs two or more entries that sum to zero."))
    return moves


def _sync(account_id: int, balance: int, held: int) -> None:
    """Refresh an Account already in the session after a Core UPDATE (no re-load)."""
    obj = db.session.identity_map.get(identity_key(Account, account_id))
    if obj is not None:
        set_committed_value(obj, "balance", balance)
        set_committed_value(obj, "held", held)


def insufficient(account_id: int | None = None) -> Refused:
    """The refusal when an account has too few available points."""
    return Refused("insufficient_points", _l("Not enough points."), details={"account_id": account_id})


def _move(moves: Sequence[tuple[int, int]], release: tuple[int, int] | None = None) -> dict[int, Any]:
    """Apply balance changes in account id order with a guard; returns each account's row after (balance, community)."""
    after: dict[int, Any] = {}
    debit, credit = _move_statements()
    for account_id, amount in moves:
        released = release[1] if release and release[0] == account_id else 0
        params = {"account_id": account_id, "amount": amount, "released": released}
        row = db.session.execute(debit if amount < 0 else credit, params).first()
        if row is None:
            raise insufficient(account_id)
        after[account_id] = row
        _sync(account_id, row.balance, row.held)
    return after


@functools.cache
def _move_statements() -> tuple[sa.Update, sa.Update]:
    """The balance UPDATEs of _move, built once: a debit guarded against going below zero, and a credit."""
    amount, released = sa.bindparam("amount", type_=sa.BigInteger), sa.bindparam("released", type_=sa.BigInteger)
    credit = (
        sa.update(_account)
        .where(_account.c.id == sa.bindparam("account_id", type_=sa.Integer))
        .values(balance=_account.c.balance + amount, held=_account.c.held - released)
        .returning(_account.c.balance, _account.c.held, _account.c.community_id)
    )
    guard = (_account.c.balance + amount) - (_account.c.held - released) >= 0
    return credit.where(sa.or_(_account.c.kind == "issuance", guard)), credit


def _by_key(key: str) -> Transfer | None:
    return db.session.scalar(sa.select(Transfer).where(Transfer.idempotency_key == key))


def _replay(existing: Transfer, request_hash: str) -> Transfer:
    if existing.request_hash != request_hash:
        raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
    return existing


def _end_hold(hold_id: int, status: str, reason: str | None, transfer_id: int | None = None) -> Any:
    """Move a pending hold to its end state exactly once; Conflict("hold_closed") otherwise."""
    now = utcnow()
    row = db.session.execute(
        sa.update(_hold)
        .where(_hold.c.id == hold_id, _hold.c.status == "pending")
        .values(status=status, ended_at=now, end_reason=reason, transfer_id=transfer_id)
        .returning(_hold.c.account_id, _hold.c.amount)
    ).first()
    if row is None:
        raise Conflict("hold_closed", _l("This hold has already ended."))
    obj = db.session.identity_map.get(identity_key(Hold, hold_id))
    if obj is not None:
        ended = (("status", status), ("ended_at", now), ("end_reason", reason), ("transfer_id", transfer_id))
        for name, value in ended:
            set_committed_value(obj, name, value)
    return row


def _post(
    kind: str,
    legs: Iterable[tuple[AccountRef, int]],
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: Subject = None,
    rule_version_id: int | None = None,
    reverses_id: int | None = None,
    hold: Hold | None = None,
    fresh: bool = False,
) -> Transfer:
    """Post legs under key; fresh=True: the caller vouches the key is new and rolls its unit back on any error."""
    _check_key(key)
    moves = _normalize(legs)
    subject_type, subject_id = subject or (None, None)
    memo = (memo or "")[:200]
    request_hash = _request_hash(
        "transfer", kind, moves, subject_type, subject_id, memo, rule_version_id, reverses_id, hold.id if hold else None
    )
    transfer = Transfer(
        kind=kind,
        idempotency_key=key,
        request_hash=request_hash,
        actor_id=actor_id,
        memo=memo,
        subject_type=subject_type,
        subject_id=subject_id,
        rule_version_id=rule_version_id,
        reverses_id=reverses_id,
        created_at=utcnow(),
        entries=[],
    )
    if fresh:  # no replay look-up, no savepoint: the caller's unit of work is the all-or-nothing boundary
        _write(transfer, moves, hold)
        return transfer
    try:
        with db.session.begin_nested():
            _write(transfer, moves, hold)
    except IntegrityError:
        existing = _by_key(key)
        if existing is not None:
            return _replay(existing, request_hash)
        if reverses_id is not None and _reversal_of(reverses_id) is not None:
            raise Conflict("already_reversed", _l("This transfer has already been reversed.")) from None
        raise
    return transfer


def _write(transfer: Transfer, moves: Sequence[tuple[int, int]], hold: Hold | None) -> None:
    """Insert the transfer, end the hold, move the balances and insert the entries (two flushes)."""
    db.session.add(transfer)
    db.session.flush()
    release = None
    if hold is not None:
        row = _end_hold(hold.id, "posted", "posted", transfer.id)
        release = (row.account_id, row.amount)
    after = _move(moves, release)
    for account_id, amount in moves:
        row = after[account_id]
        transfer.entries.append(
            Entry(
                account_id=account_id,
                amount=amount,
                balance_after=row.balance,
                community_id=row.community_id,
                created_at=transfer.created_at,
            )
        )
    db.session.flush()


def _reversal_of(transfer_id: int) -> Transfer | None:
    return db.session.scalar(sa.select(Transfer).where(Transfer.reverses_id == transfer_id))


def post(
    kind: str,
    legs: Iterable[tuple[AccountRef, int]],
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: Subject = None,
    rule_version_id: int | None = None,
) -> Transfer:
    """Post a transfer: legs [(account, signed amount), ...] summing to zero."""
    if kind == "reversal":
        raise Invalid("invalid_kind", _l("Use reverse() to reverse a transfer."))
    return _post(kind, legs, key=key, actor_id=actor_id, memo=memo, subject=subject, rule_version_id=rule_version_id)


def award(
    resident: Any,
    points: int,
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: Subject = None,
    rule_version_id: int | None = None,
) -> Transfer:
    """Award points: the community's issuance account pays the resident."""
    _check_points(points)
    account = resident_account(resident)
    issuance = community_account(account.community_id, "issuance")
    return _post(
        "award",
        [(issuance, -points), (account, points)],
        key=key,
        actor_id=actor_id,
        memo=memo,
        subject=subject,
        rule_version_id=rule_version_id,
    )


def spend(
    resident: Any,
    station_id: int,
    points: int,
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: Subject = None,
    station: Account | None = None,
    fresh: bool = False,
) -> Transfer:
    """Spend points at a station; Refused("insufficient_points") if fewer are available.

    station: the station's account if already loaded. fresh: see _post (a new key inside an all-or-nothing unit).
    """
    _check_points(points)
    account = resident_account(resident)
    if station is None or station.station_id != station_id:
        station = station_account(station_id, account.community_id)
    return _post(
        "spend",
        [(account, -points), (station, points)],
        key=key,
        actor_id=actor_id,
        memo=memo,
        subject=subject,
        fresh=fresh,
    )


def donate(resident: Any, points: int, *, key: str, memo: str = "爱心捐赠：捐入社区爱心基金") -> Transfer:
    """A resident gives points to the community fund (爱心基金)."""
    _check_points(points)
    account = resident_account(resident)
    fund = community_account(account.community_id, "fund")
    actor_id = resident.id if not isinstance(resident, Account) else account.owner_user_id
    return _post(
        "donation",
        [(account, -points), (fund, points)],
        key=key,
        actor_id=actor_id,
        memo=memo,
        subject=("donation", None),
    )


def fund_award(resident: Any, points: int, *, key: str, actor: Any, memo: str) -> Transfer:
    """A coordinator awards points from the community fund to a resident of that community."""
    _check_points(points)
    account = resident_account(resident)
    _require_coordinator(actor, account.community_id)
    _not_own(actor, account.owner_user_id)
    fund = community_account(account.community_id, "fund")
    return _post(
        "fund_award",
        [(fund, -points), (account, points)],
        key=key,
        actor_id=actor.id,
        memo=memo or "爱心基金奖励",
        subject=("fund_award", None),
    )
