"""Reading a community's signals and a coordinator's review of one (audited)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.signals.models import STATUSES, FraudSignal

NOTE_MAX = 500
REVIEW_STATUSES = ("dismissed", "confirmed")


def may_see(user: Any, community_id: int) -> bool:
    """A coordinator of the community or an admin."""
    return bool(user.is_admin or community_id in user.coordinated_community_ids())


def signals_query(user: Any, community_id: int, status: str | None = None) -> sa.Select:
    """A community's signals, open ones first then the strongest; 404 outside the caller's scope."""
    if not may_see(user, community_id):
        raise NotFound("community_not_found")
    if status is not None and status not in STATUSES:
        raise Invalid("bad_status", _l("Unknown status."))
    query = sa.select(FraudSignal).where(FraudSignal.community_id == community_id)
    if status is not None:
        query = query.where(FraudSignal.status == status)
    is_open = sa.case((FraudSignal.status == "open", 0), else_=1)
    return query.order_by(is_open, FraudSignal.score.desc(), FraudSignal.id)


def signal_for(user: Any, signal_id: int, *, lock: bool = False) -> FraudSignal:
    """One signal for a coordinator of its community or an admin (404 otherwise)."""
    query = sa.select(FraudSignal).where(FraudSignal.id == signal_id)
    if lock:
        query = query.with_for_update()
    signal = db.session.scalar(query)
    if signal is None or not may_see(user, signal.community_id):
        raise NotFound("signal_not_found")
    return signal


def review(user: Any, signal_id: int, status: str, note: str) -> FraudSignal:
    """Mark a signal dismissed or confirmed with a note; never a penalty by itself. Audited once."""
    from pointsbank.audit.service import record

    if status not in REVIEW_STATUSES:
        raise Invalid("bad_status", _l("Choose dismissed or confirmed."))
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid("bad_note", _l("Write a note of 1 to 500 characters."))
    signal = signal_for(user, signal_id, lock=True)
    if signal.status == status and signal.review_note == note:
        raise Conflict("already_reviewed", _l("This signal already has this review."))
    before = signal.status
    signal.status, signal.review_note = status, note
    signal.reviewed_by, signal.reviewed_at = user.id, utcnow()
    db.session.flush()
    record(
        "signal.reviewed",
        actor_id=user.id,
        community_id=signal.community_id,
        subject=("fraud_signal", signal.id),
        details={"kind": signal.kind, "before": {"status": before}, "after": {"status": status}},
    )
    return signal
