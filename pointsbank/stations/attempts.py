"""Attempt limits on typed codes: wrong digits counted per clerk and per station, one answer, a lockout audited."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.db import advisory_lock, utcnow
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.stations import codes
from pointsbank.stations.models import CodeAttempt, Station
from pointsbank.stations.pricing import aware

T = TypeVar("T")
ATTEMPTS = 10  # wrong typed codes allowed per clerk and per station in the window
WINDOW_MINUTES = 5
ATTEMPT_LOCK = 7103
# Refusals that say something about the digits; anything else (stock, points, limits) means the digits were right.
CODE_REASONS = {"invalid", "expired", "already_used", "revoked", "wrong_station"}


class TooManyAttempts(DomainError):
    """Too many wrong typed codes: wait (429, with Retry-After)."""

    status = 429

    def __init__(self, wait_seconds: int):
        minutes = max(1, math.ceil(wait_seconds / 60))
        super().__init__(
            "too_many_attempts",
            _l("Too many wrong numbers. Try again in %(minutes)s minutes, or scan the code.", minutes=minutes),
            details={"retry_after": wait_seconds},
        )
        self.headers = {"Retry-After": str(wait_seconds)}


def limits() -> tuple[int, timedelta]:
    """(attempts, window): PB_CODE_ATTEMPTS and PB_CODE_ATTEMPT_MINUTES, default 10 per 5 minutes."""
    config, env = current_app.config, os.environ
    attempts = int(config.get("PB_CODE_ATTEMPTS") or env.get("PB_CODE_ATTEMPTS") or ATTEMPTS)
    minutes = int(config.get("PB_CODE_ATTEMPT_MINUTES") or env.get("PB_CODE_ATTEMPT_MINUTES") or WINDOW_MINUTES)
    return attempts, timedelta(minutes=minutes)


def is_typed(text: str) -> bool:
    """Typed digits (a guessable code), not a scanned signed payload."""
    return (text or "").strip().replace(" ", "").isdigit()


def _counts(clerk: User, station: Station, now: datetime) -> tuple[int, int, datetime | None]:
    """(wrong by this clerk, wrong at this station, the oldest of them) within the window."""
    _, window = limits()
    t = CodeAttempt.__table__
    by_clerk = sa.func.coalesce(sa.func.sum(sa.case((t.c.clerk_id == clerk.id, 1), else_=0)), 0)
    at_station = sa.func.coalesce(sa.func.sum(sa.case((t.c.station_id == station.id, 1), else_=0)), 0)
    row = db.session.execute(
        sa.select(by_clerk, at_station, sa.func.min(t.c.created_at)).where(
            sa.or_(t.c.clerk_id == clerk.id, t.c.station_id == station.id), t.c.created_at > now - window
        )
    ).one()
    oldest = aware(row[2]) if isinstance(row[2], datetime) else None
    return int(row[0]), int(row[1]), oldest


def check_not_locked(clerk: User, station: Station, now: datetime | None = None) -> None:
    """Raise TooManyAttempts while the clerk or the station is over the limit."""
    now = now or utcnow()
    allowed, window = limits()
    mine, here, oldest = _counts(clerk, station, now)
    if max(mine, here) >= allowed:
        wait = (oldest + window - now).total_seconds() if oldest else window.total_seconds()
        raise TooManyAttempts(max(1, math.ceil(wait)))


def record_wrong(clerk: User, station: Station, now: datetime | None = None) -> None:
    """Count one wrong typed code; the attempt that reaches the limit is recorded in the audit log."""
    now = now or utcnow()
    allowed, window = limits()
    db.session.add(CodeAttempt(station_id=station.id, clerk_id=clerk.id, created_at=now))
    db.session.flush()
    mine, here, _ = _counts(clerk, station, now)
    locked = [name for name, n in (("clerk", mine), ("station", here)) if n == allowed]
    if locked:
        audit.record(
            "code_check.locked",
            actor_id=clerk.id,
            community_id=station.community_id,
            subject=("station", station.id),
            details={"clerk_id": clerk.id, "scope": locked, "attempts": allowed, "minutes": window.seconds // 60},
        )


def counted(clerk: User, station: Station, text: str, action: Callable[[], T]) -> T | DomainError:
    """Run a counter action on a code; typed digits are limited and every wrong one answers `invalid`.

    A wrong typed code is returned (not raised) so the caller commits the counted attempt before refusing.
    """
    if not is_typed(text):
        return action()
    advisory_lock(ATTEMPT_LOCK, station.id)  # guesses at one station are counted one at a time
    check_not_locked(clerk, station)
    try:
        with db.session.begin_nested():
            return action()
    except DomainError as err:
        if err.code not in CODE_REASONS:
            raise
        record_wrong(clerk, station)
        return codes.invalid_code()
