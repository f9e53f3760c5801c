"""Consent to the privacy notice: recorded once per version; the latest version must be agreed to."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.privacy.models import Consent
from pointsbank.privacy.notice import current_version


def has_consented(user_id: int, version: str | None = None) -> bool:
    """Whether the user agreed to the given (default: current) version."""
    version = version or current_version()
    query = sa.select(Consent.id).where(Consent.user_id == user_id, Consent.version == version).limit(1)
    return db.session.scalar(query) is not None


def record_consent(user, locale: str = "zh") -> Consent:
    """Record agreement to the current version (once; a repeat returns the first)."""
    version = current_version()
    existing = db.session.scalar(sa.select(Consent).where(Consent.user_id == user.id, Consent.version == version))
    if existing is not None:
        return existing
    consent = Consent(user_id=user.id, version=version, locale=(locale or "zh")[:8])
    db.session.add(consent)
    db.session.flush()
    return consent


def consents_of(user_id: int) -> list[Consent]:
    """Every version the user agreed to, oldest first."""
    return list(db.session.scalars(sa.select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)))
