"""Write and check the audit log; the only writer of audit_entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from pointsbank.audit.models import AuditEntry
from pointsbank.db import utcnow
from pointsbank.extensions import db

GENESIS = "0" * 64
# PostgreSQL advisory lock key that orders writers of the chain (SQLite writers are already serial).
CHAIN_LOCK = 7_311_001
BATCH = 2000


def _canonical(entry: AuditEntry | sa.Row, prev_hash: str) -> str:
    at = entry.created_at
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    body = {
        "at": at.isoformat(),
        "actor": entry.actor_id,
        "community": entry.community_id,
        "action": entry.action,
        "subject": [entry.subject_type, entry.subject_id],
        "address": entry.address,
        "details": entry.details or {},
        "prev": prev_hash,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(entry: AuditEntry | sa.Row, prev_hash: str) -> str:
    return hashlib.sha256(_canonical(entry, prev_hash).encode()).hexdigest()


def record(
    action: str,
    *,
    actor_id: int | None,
    community_id: int | None = None,
    subject: tuple[str, int] | None = None,
    details: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry inside the caller's unit of work (flushes, never commits).

    details: ids and codes, and {"before": ..., "after": ...} for changed fields; the request's address by default.
    """
    if address is None and has_request_context():
        address = request.remote_addr
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    prev = db.session.scalar(sa.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    entry = AuditEntry(
        created_at=utcnow().replace(microsecond=0),
        actor_id=actor_id,
        community_id=community_id,
        action=action,
        subject_type=subject[0] if subject else None,
        subject_id=subject[1] if subject else None,
        address=address,
        details=details or {},
        prev_hash=prev,
    )
    entry.hash = _digest(entry, prev)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class AuditCheck:
    checked: int
    broken_at: int | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows() -> Iterator[sa.Row]:
    table = AuditEntry.__table__
    last = 0
    while True:
        rows = db.session.execute(sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify() -> AuditCheck:
    """Walk the chain; the id of the first entry whose hash or link does not hold, if any."""
    prev, checked = GENESIS, 0
    for row in _rows():
        if row.prev_hash != prev or row.hash != _digest(row, prev):
            return AuditCheck(checked, row.id)
        prev, checked = row.hash, checked + 1
    return AuditCheck(checked, None)


def entries(community_id: int | None, *, since: datetime | None = None, action: str | None = None) -> sa.Select:
    """The query of a community's entries (all when community_id is None), newest first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if community_id is not None:
        query = query.where(AuditEntry.community_id == community_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if action:
        query = query.where(AuditEntry.action == action)
    return query
