"""The norm (median + k·MAD), the signal upsert that keeps reviews, and device record expiry."""

from __future__ import annotations

import statistics
from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.signals.models import DeviceRecord, FraudSignal

RETENTION_DAYS = 90


def outliers(values: dict[str, float], k: float) -> dict[str, float]:
    """The keys whose value lies above median + k·MAD (a MAD of 0 counts as 1)."""
    if len(values) < 3:
        return {}
    median = statistics.median(values.values())
    mad = statistics.median(abs(v - median) for v in values.values()) or 1.0
    limit = median + k * mad
    return {key: value for key, value in values.items() if value > limit}


def upsert(community_id: int, kind: str, subject_key: str, score: float, evidence: dict) -> FraudSignal:
    """Store a found signal; a reviewed one stays reviewed unless its score (its evidence) grew."""
    signal = db.session.scalar(
        sa.select(FraudSignal).filter_by(community_id=community_id, kind=kind, subject_key=subject_key)
    )
    now = utcnow()
    if signal is None:
        signal = FraudSignal(
            community_id=community_id, kind=kind, subject_key=subject_key, score=score, evidence=evidence
        )
        db.session.add(signal)
    else:
        if signal.status != "open" and score > signal.score:
            signal.status = "open"
        signal.score = max(signal.score, score)
        signal.evidence = evidence
        signal.last_seen = now
    db.session.flush()
    return signal


def expire_device_records(now=None) -> int:
    """Delete device records older than the retention period; how many went."""
    cutoff = (now or utcnow()) - timedelta(days=RETENTION_DAYS)
    result = db.session.execute(sa.delete(DeviceRecord).where(DeviceRecord.created_at < cutoff))
    return result.rowcount or 0
