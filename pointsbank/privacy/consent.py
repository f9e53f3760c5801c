"""Consent to the privacy notice: recorded once per version; the latest version must be agreed to."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people import sessions
from pointsbank.privacy.models import Consent
from pointsbank.privacy.notice import current_version

# The agreed current version is read with the session and user (one query), so the gate costs no statement.
LOADED = "privacy_agreed_version"


def _agreed_version(user_id: sa.ColumnElement) -> sa.ColumnElement:
    version = sa.bindparam("privacy_version")
    query = sa.select(Consent.version).where(Consent.user_id == user_id, Consent.version == version).limit(1)
    return query.scalar_subquery()


sessions.add_user_column(LOADED, _agreed_version, lambda: {"privacy_version": current_version()})


def user_has_consented(user) -> bool:
    """Whether this user agreed to the current version: read from their load when it came with it, else asked."""
    version = current_version()
    if LOADED in getattr(user, "pb_loaded", {}):
        return sessions.loaded_value(user, LOADED) == version
    return has_consented(user.id, version)


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
    if LOADED in getattr(user, "pb_loaded", {}):
        user.pb_loaded[LOADED] = version
    return consent


def consents_of(user_id: int) -> list[Consent]:
    """Every version the user agreed to, oldest first."""
    return list(db.session.scalars(sa.select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)))
