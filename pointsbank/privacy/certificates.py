"""志愿服务证明: issue a certificate of confirmed hours and verify it from the signed key in its QR."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from pointsbank.activities import records as service_records
from pointsbank.errors import NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.models import User, mask_name
from pointsbank.privacy.models import Certificate

SALT = "pb-service-certificate-v1"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(person: User, actor) -> Certificate:
    """Freeze the person's confirmed hours into a new certificate."""
    records = service_records.records_of(person.id)
    if not records:
        raise Refused("no_service_hours", _l("No confirmed volunteer hours yet."))
    community = person.community.name if person.community else records[-1].community
    content = {
        "name": mask_name(person.name),
        "community": community,
        "activities": [[r.activity, r.organiser, r.day.isoformat(), r.hours] for r in records],
        "first_day": records[0].day.isoformat(),
        "last_day": records[-1].day.isoformat(),
    }
    certificate = Certificate(
        key=secrets.token_hex(16),
        user_id=person.id,
        community_id=person.community_id,
        issued_by=actor.id,
        hours=service_records.total_hours(records),
        content=content,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def token_of(certificate: Certificate) -> str:
    """The opaque signed id printed in the QR (the random key, signed; never the database id)."""
    return _serializer().dumps(certificate.key)


def verify(token: str) -> Certificate:
    """The certificate a signed token names; a forged or unknown token is 404."""
    try:
        key = _serializer().loads(token)
    except BadSignature as exc:
        raise NotFound("certificate_invalid") from exc
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.key == str(key)))
    if certificate is None:
        raise NotFound("certificate_invalid")
    return certificate


def certificates_of(user_id: int) -> list[Certificate]:
    """Certificates issued for a person, newest first."""
    query = sa.select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.id.desc())
    return list(db.session.scalars(query))
