"""The ledger: the only code that moves points.

Every write takes an idempotency key: the same key with the same request returns the first result, the
same key with another request raises Conflict("idempotency_conflict"). Services flush; the caller's unit
of work commits. Balances move with one guarded `UPDATE ... RETURNING` per account, in ascending account
id order (a fixed lock order), inside a savepoint so a refusal leaves nothing behind. The unique key is
the idempotency look-up: the transfer is inserted first, and only a clash reads the earlier one.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Adjustment, Entry, Hold, Transfer

Subject = tuple[str | None, int | None] | None
AccountRef = Account | int
COMMUNITY_KINDS = ("issuance", "fund", "expiry")
_account = Account.__table__
_hold = Hold.__table__


class Balance(NamedTuple):
    """An account's cached balance, the points on hold, and what is available to spend."""

    balance: int
    on_hold: int
    available: int


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement: an entry with its transfer's time, kind and plain reason."""

    entry_id: int
    transfer_id: int
    created_at: datetime
    kind: str
    amount: int
    balance_after: int
    memo: str
    subject_type: str | None
    subject_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None


# --- accounts -------------------------------------------------------------------------------------------


def _get_or_create(owner_key: str, **fields: Any) -> Account:
    """Race-safe get-or-create on the unique owner_key."""
    account = db.session.scalar(sa.select(Account).where(Account.owner_key == owner_key))
    if account is not None:
        return account
    try:
        with db.session.begin_nested():
            account = Account(owner_key=owner_key, balance=0, held=0, **fields)
            db.session.add(account)
            db.session.flush()
        return account
    except IntegrityError:
        account = db.session.scalar(sa.select(Account).where(Account.owner_key == owner_key))
        if account is None:
            raise
        return account


def resident_account(user: Any) -> Account:
    """The resident's account (created on first use) in the resident's community."""
    if isinstance(user, Account):
        return user
    if user.community_id is None:
        raise Refused("not_a_resident", _l("This person has no community, so no points account."))
    return _get_or_create(f"resident:{user.id}", kind="resident", owner_user_id=user.id, community_id=user.community_id)


def find_resident_account(user: Any) -> Account | None:
    """The resident's account if it exists (reads never create one)."""
    return db.session.scalar(sa.select(Account).where(Account.owner_key == f"resident:{user.id}"))


def community_account(community_id: int, kind: str) -> Account:
    """A community's issuance, fund or expiry account (created on first use)."""
    if kind not in COMMUNITY_KINDS:
        raise Invalid("invalid_account_kind", _l("Unknown account kind."))
    return _get_or_create(f"{kind}:{community_id}", kind=kind, community_id=community_id)


def station_account(station_id: int, community_id: int | None = None) -> Account:
    """A station's account, where spent points go; created on first use when the caller gives the community."""
    existing = db.session.scalar(sa.select(Account).where(Account.owner_key == f"station:{station_id}"))
    if existing is not None:
        return existing
    if community_id is None:
        raise NotFound("station_not_found")
    return _get_or_create(f"station:{station_id}", kind="station", station_id=station_id, community_id=community_id)


def spend_accounts(resident_id: int, station_id: int) -> tuple[Account | None, Account | None]:
    """The resident's and the station's accounts in one query (None where one does not exist yet)."""
    keys = {f"resident:{resident_id}": 0, f"station:{station_id}": 1}
    found: list[Account | None] = [None, None]
    for account in db.session.scalars(sa.select(Account).where(Account.owner_key.in_(keys))):
        found[keys[account.owner_key]] = account
    return found[0], found[1]


def get_account(account_id: int) -> Account | None:
    """An account by id, or None."""
    return db.session.get(Account, account_id)


# --- helpers --------------------------------------------------------------------------------------------


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


def _account_id(ref: AccountRef) -> int:
    return ref if isinstance(ref, int) else ref.id


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


def _move(moves: Sequence[tuple[int, int]], release: tuple[int, int] | None = None) -> dict[int, int]:
    """Apply balance changes in account id order with a guard; returns each account's balance after."""
    after: dict[int, int] = {}
    debit, credit = _move_statements()
    for account_id, amount in moves:
        released = release[1] if release and release[0] == account_id else 0
        params = {"account_id": account_id, "amount": amount, "released": released}
        row = db.session.execute(debit if amount < 0 else credit, params).first()
        if row is None:
            raise Refused("insufficient_points", _l("Not enough points."), details={"account_id": account_id})
        after[account_id] = row.balance
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
        .returning(_account.c.balance, _account.c.held)
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
        transfer.entries.append(Entry(account_id=account_id, amount=amount, balance_after=after[account_id]))
    db.session.flush()


# --- the contract ---------------------------------------------------------------------------------------


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


def _reversal_of(transfer_id: int) -> Transfer | None:
    return db.session.scalar(sa.select(Transfer).where(Transfer.reverses_id == transfer_id))


def reverse(transfer: Transfer, *, key: str, actor_id: int | None, reason: str) -> Transfer:
    """Post the mirror image of a transfer; a transfer is reversed at most once."""
    _check_key(key)
    if not reason or not str(reason).strip():
        raise Invalid("reason_required", _l("A reason is required."))
    if transfer.kind == "reversal":
        raise Refused("cannot_reverse_reversal", _l("A reversal cannot itself be reversed."))
    rows = db.session.execute(sa.select(Entry.account_id, Entry.amount).where(Entry.transfer_id == transfer.id)).all()
    if not rows:
        raise NotFound("transfer_not_found")
    legs = [(account_id, -amount) for account_id, amount in rows]
    memo = f"撤销：{transfer.memo}（{str(reason).strip()}）"[:200]
    subject = (transfer.subject_type, transfer.subject_id) if transfer.subject_type else None
    if _by_key(key) is None and _reversal_of(transfer.id) is not None:
        raise Conflict("already_reversed", _l("This transfer has already been reversed."))
    return _post("reversal", legs, key=key, actor_id=actor_id, memo=memo, subject=subject, reverses_id=transfer.id)


def balance(account: AccountRef | None) -> Balance:
    """The account's balance, points on hold and available points (one indexed read)."""
    if account is None:
        return Balance(0, 0, 0)
    row = db.session.execute(
        sa.select(_account.c.balance, _account.c.held).where(_account.c.id == _account_id(account))
    ).first()
    if row is None:
        return Balance(0, 0, 0)
    return Balance(row.balance, row.held, row.balance - row.held)


def balance_of(account: Account | None) -> Balance:
    """The balance of an account row loaded in this transaction (no query; the ledger keeps it in sync)."""
    if account is None:
        return Balance(0, 0, 0)
    return Balance(account.balance, account.held, account.balance - account.held)


def statement(account: AccountRef | None, *, page: int = 1, per_page: int = 20) -> tuple[list[StatementLine], int]:
    """The account's entries, newest first, with running balance and plain reason; and the total count."""
    if account is None:
        return [], 0
    account_id = _account_id(account)
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), 100)
    page_query, count_query = _statement_queries()
    rows = db.session.execute(
        page_query, {"account_id": account_id, "limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(count_query, {"account_id": account_id}) if page > 1 else 0
    return [StatementLine(*row[:-1]) for row in rows], int(total or 0)


@functools.cache
def _statement_queries() -> tuple[sa.Select, sa.Select]:
    """The statement page (with the total riding along: one statement per page) and the count, built once."""
    later = aliased(Transfer)
    count = sa.select(sa.func.count()).select_from(Entry).where(Entry.account_id == sa.bindparam("account_id"))
    page = (
        sa.select(
            Entry.id,
            Entry.transfer_id,
            Transfer.created_at,
            Transfer.kind,
            Entry.amount,
            Entry.balance_after,
            Transfer.memo,
            Transfer.subject_type,
            Transfer.subject_id,
            Transfer.reverses_id,
            later.id,
            count.scalar_subquery(),
        )
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(later, later.reverses_id == Transfer.id)
        .where(Entry.account_id == sa.bindparam("account_id"))
        .order_by(Entry.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    return page, count


# --- donation, fund awards, adjustments -----------------------------------------------------------------


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


def _require_coordinator(user: Any, community_id: int) -> None:
    if user is None or not (user.is_admin or community_id in user.coordinated_community_ids()):
        raise NotFound()


def _not_own(actor: Any, owner_user_id: int | None) -> None:
    """Nobody decides on points for their own account (a coordinator may also be a resident)."""
    if owner_user_id is not None and owner_user_id == actor.id:
        raise Refused("own_account", _l("You cannot decide on points for your own account; ask another coordinator."))


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


# --- reading with scope -------------------------------------------------------------------------------


def account_in_scope(user: Any, account_id: int) -> Account:
    """The account if the user may see it (own account; coordinator's communities; admin), else NotFound."""
    account = db.session.get(Account, account_id)
    if account is None or not can_see(user, account):
        raise NotFound()
    return account


def can_see(user: Any, account: Account) -> bool:
    """Residents see their own account; coordinators the accounts of their communities; admins all."""
    if account.kind == "resident" and account.owner_user_id == user.id:
        return True
    return bool(user.is_admin or (account.community_id and account.community_id in user.coordinated_community_ids()))


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


REVERSIBLE_BY_COORDINATOR = ("award", "fund_award", "adjustment")


def coordinator_reverse(user: Any, transfer_id: int, *, key: str, reason: str) -> Transfer:
    """A coordinator fixes a mistaken award, fund award or adjustment in their communities by reversing it."""
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound()
    owners = db.session.execute(
        sa.select(Account.community_id, Account.owner_user_id)
        .join(Entry, Entry.account_id == Account.id)
        .where(Entry.transfer_id == transfer_id)
    ).all()
    community_ids = {community_id for community_id, _ in owners}
    if not user.is_admin and not community_ids <= user.coordinated_community_ids():
        raise NotFound()
    for _, owner_user_id in owners:
        _not_own(user, owner_user_id)
    if transfer.kind not in REVERSIBLE_BY_COORDINATOR:
        raise Refused("not_reversible_here", _l("Only awards and adjustments can be reversed here."))
    return reverse(transfer, key=key, actor_id=user.id, reason=reason)
