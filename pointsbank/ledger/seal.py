"""Tamper evidence: seal the ledger with a hash chain; verify (pointsbank.ledger.verify) re-checks it all."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.ledger.models import LedgerSeal
from pointsbank.ledger.verify import GENESIS, Report, chain, verify

__all__ = [
    "GENESIS",
    "SHORT",
    "Report",
    "anchor_problems",
    "canonical",
    "find_seal",
    "latest_seal",
    "recent_seals",
    "seal",
    "short",
    "verify",
]

SHORT = 12  # characters of a seal's hash printed on the public board


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def canonical(transfer: sa.Row, entries: list[sa.Row]) -> str:
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


def _chain(prev_hash: str, after_id: int, upto_id: int | None) -> tuple[str, int, int]:
    """Hash transfers after after_id (up to upto_id) onto prev_hash; returns (hash, last id, count)."""
    return chain(db.session.connection(), canonical, prev_hash, after_id, upto_id)


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


def short(digest: str) -> str:
    """The short form of a seal's hash, as the public board prints it."""
    return digest[:SHORT]


def latest_seal() -> LedgerSeal | None:
    """The newest seal."""
    return db.session.scalar(sa.select(LedgerSeal).order_by(LedgerSeal.id.desc()).limit(1))


def recent_seals(since: datetime, limit: int = 200) -> list[LedgerSeal]:
    """Seals made since a time, newest first."""
    return list(
        db.session.scalars(
            sa.select(LedgerSeal).where(LedgerSeal.created_at >= since).order_by(LedgerSeal.id.desc()).limit(limit)
        )
    )


def find_seal(text: str) -> LedgerSeal | None:
    """The seal with this hash: the full 64 characters, or its short form (at least 12, one seal only)."""
    text = (text or "").strip().lower()
    if len(text) < SHORT or any(c not in "0123456789abcdef" for c in text):
        return None
    if len(text) == 64:
        return db.session.scalar(sa.select(LedgerSeal).where(LedgerSeal.hash == text))
    found = db.session.scalars(sa.select(LedgerSeal).where(LedgerSeal.hash.startswith(text)).limit(2)).all()
    return found[0] if len(found) == 1 else None


def anchor_problems(text: str) -> tuple[LedgerSeal | None, list[str]]:
    """A published seal (printed on paper) must still be in the chain; verify then re-checks every link after it."""
    found = find_seal(text)
    if found is None:
        return None, [f"published seal {text.strip()[:64]!r} is not in the seal chain (history was rewritten?)"]
    return found, []
