"""Tamper evidence: seal the ledger with a hash chain and verify sums, balances and seals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Hold, LedgerSeal, Transfer

GENESIS = "0" * 64
BATCH = 2000


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _canonical(transfer: sa.Row, entries: list[sa.Row]) -> str:
    """A stable text form of a transfer and its entries."""
    created = transfer.created_at
    body = {
        "id": transfer.id,
        "kind": transfer.kind,
        "key": transfer.idempotency_key,
        "actor": transfer.actor_id,
        "memo": transfer.memo,
        "subject": [transfer.subject_type, transfer.subject_id],
        "rule_version": transfer.rule_version_id,
        "reverses": transfer.reverses_id,
        "at": _utc(created).isoformat() if created is not None else None,
        "entries": [[e.id, e.account_id, e.amount, e.balance_after] for e in entries],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _transfers(after_id: int, upto_id: int | None) -> Iterator[tuple[sa.Row, list[sa.Row]]]:
    """Transfers with after_id < id <= upto_id in id order, with their entries, read in batches."""
    t = Transfer.__table__
    e = Entry.__table__
    last = after_id
    while True:
        query = sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(BATCH)
        if upto_id is not None:
            query = query.where(t.c.id <= upto_id)
        rows = db.session.execute(query).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        by_transfer: dict[int, list[sa.Row]] = {i: [] for i in ids}
        for entry in db.session.execute(sa.select(e).where(e.c.transfer_id.in_(ids)).order_by(e.c.id)):
            by_transfer[entry.transfer_id].append(entry)
        for row in rows:
            yield row, by_transfer[row.id]
        last = ids[-1]


def _chain(prev_hash: str, after_id: int, upto_id: int | None) -> tuple[str, int, int]:
    """Hash transfers after after_id (up to upto_id) onto prev_hash; returns (hash, last id, count)."""
    digest = prev_hash
    last = after_id
    count = 0
    for transfer, entries in _transfers(after_id, upto_id):
        digest = hashlib.sha256((digest + _canonical(transfer, entries)).encode()).hexdigest()
        last = transfer.id
        count += 1
    return digest, last, count


def seal() -> LedgerSeal | None:
    """Seal every transfer since the last seal; None when there is nothing new."""
    previous = db.session.scalar(sa.select(LedgerSeal).order_by(LedgerSeal.id.desc()).limit(1))
    prev_hash = previous.hash if previous else GENESIS
    after_id = previous.last_transfer_id if previous else 0
    digest, last, count = _chain(prev_hash, after_id, None)
    if count == 0:
        return None
    new = LedgerSeal(last_transfer_id=last, transfer_count=count, hash=digest, prev_hash=prev_hash, created_at=utcnow())
    db.session.add(new)
    db.session.flush()
    return new


@dataclass
class Report:
    """What verify found: problems in words, and counts of what it checked."""

    problems: list[str] = field(default_factory=list)
    transfers: int = 0
    accounts: int = 0
    seals: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> Report:
    """Re-add every transfer, every account balance (and each balance_after), and the seal chain."""
    report = Report()
    _verify_transfers(report)
    _verify_accounts(report)
    _verify_seals(report)
    return report


def _verify_transfers(report: Report) -> None:
    e = Entry.__table__
    t = Transfer.__table__
    report.transfers = db.session.scalar(sa.select(sa.func.count()).select_from(t)) or 0
    sums = db.session.execute(
        sa.select(t.c.id, sa.func.coalesce(sa.func.sum(e.c.amount), 0), sa.func.count(e.c.id))
        .select_from(t.outerjoin(e, e.c.transfer_id == t.c.id))
        .group_by(t.c.id)
        .having(sa.or_(sa.func.coalesce(sa.func.sum(e.c.amount), 0) != 0, sa.func.count(e.c.id) < 2))
        .order_by(t.c.id)
    ).all()
    for transfer_id, total, count in sums:
        report.problems.append(
            f"transfer {transfer_id}: entries sum to {total} over {count} entries (must be 0 over 2+)"
        )
    orphans = db.session.scalars(
        sa.select(e.c.id).where(~sa.exists().where(t.c.id == e.c.transfer_id)).order_by(e.c.id)
    ).all()
    for entry_id in orphans:
        report.problems.append(f"entry {entry_id}: its transfer is missing")
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(e.c.amount), 0)))
    if total != 0:
        report.problems.append(f"all entries sum to {total} (must be 0)")


def _verify_accounts(report: Report) -> None:
    e = Entry.__table__
    a = Account.__table__
    cached = dict(db.session.execute(sa.select(a.c.id, a.c.balance)).all())
    report.accounts = len(cached)
    running: dict[int, int] = {}
    bad_after: set[int] = set()
    last = 0
    while True:
        rows = db.session.execute(
            sa.select(e.c.id, e.c.account_id, e.c.amount, e.c.balance_after, e.c.transfer_id)
            .where(e.c.id > last)
            .order_by(e.c.id)
            .limit(BATCH * 5)
        ).all()
        if not rows:
            break
        for entry_id, account_id, amount, balance_after, transfer_id in rows:
            running[account_id] = running.get(account_id, 0) + amount
            if running[account_id] != balance_after and account_id not in bad_after:
                bad_after.add(account_id)
                report.problems.append(
                    f"account {account_id}: entry {entry_id} (transfer {transfer_id}) says balance after "
                    f"{balance_after}, but the entries before it add up to {running[account_id]}"
                )
        last = rows[-1][0]
    for account_id, balance in sorted(cached.items()):
        summed = running.get(account_id, 0)
        if balance != summed:
            report.problems.append(f"account {account_id}: cached balance {balance} but its entries sum to {summed}")
    h = Hold.__table__
    pending = dict(
        db.session.execute(
            sa.select(h.c.account_id, sa.func.sum(h.c.amount)).where(h.c.status == "pending").group_by(h.c.account_id)
        ).all()
    )
    for account_id, held in db.session.execute(sa.select(a.c.id, a.c.held).order_by(a.c.id)).all():
        expected = int(pending.get(account_id) or 0)
        if held != expected:
            report.problems.append(f"account {account_id}: cached on-hold {held}, pending holds sum to {expected}")


def _verify_seals(report: Report) -> None:
    seals = db.session.scalars(sa.select(LedgerSeal).order_by(LedgerSeal.id)).all()
    report.seals = len(seals)
    prev_hash, after_id = GENESIS, 0
    for s in seals:
        if s.prev_hash != prev_hash:
            report.problems.append(f"seal {s.id}: chain broken (prev_hash does not match seal before it)")
        digest, _last, count = _chain(prev_hash, after_id, s.last_transfer_id)
        if digest != s.hash or count != s.transfer_count:
            report.problems.append(
                f"seal {s.id}: transfers {after_id + 1}..{s.last_transfer_id} changed since sealed "
                f"({count} found, {s.transfer_count} sealed)"
            )
        prev_hash, after_id = s.hash, s.last_transfer_id
