"""Erasure: a person asks, a coordinator of their community approves (with a reason), personal data goes.

The ledger keeps every entry: the account stays, owned by the pseudonym "已注销居民 #<id>". Sealed
transfer memos are never edited (the seal hashes them), so memos must not carry names; any
place where the name is still found is returned as `leftovers` for the coordinator to see.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid
from pointsbank.extensions import db
from pointsbank.notices.models import NoticeDelivery, NoticePreference, OutboxNotice
from pointsbank.objections.models import Objection
from pointsbank.offline.models import PayDevice
from pointsbank.people.models import ApiToken, RoleGrant, User, UserSession
from pointsbank.privacy.models import Certificate, ErasureRequest
from pointsbank.reports import photos as report_photos
from pointsbank.reports.models import Report, ReportEvent, ReportPhoto
from pointsbank.rules.models import PendingAward
from pointsbank.signals.models import DeviceRecord
from pointsbank.stations.models import PayCode, Proxy, ResidentCard

# Free-text columns outside the ledger where another person may have typed the name or phone.
SCRUB_COLUMNS = (
    ("report", "description"),
    ("report", "status_note"),
    ("report", "award_note"),
    ("report_event", "note"),
    ("activity", "description"),
    ("team", "description"),
    ("stock_movement", "note"),
)
# Ledger-owned free text: never edited here, only checked.
CHECK_ONLY_COLUMNS = (("transfer", "memo"), ("hold", "memo"), ("adjustment", "reason"), ("pending_award", "memo"))
ERASED_PASSWORD = "!erased"


def pseudonym(user_id: int) -> str:
    return f"已注销居民 #{user_id}"


def pending_request(user_id: int) -> ErasureRequest | None:
    query = sa.select(ErasureRequest).where(ErasureRequest.user_id == user_id, ErasureRequest.status == "requested")
    return db.session.scalar(query)


def request_erasure(person: User, actor) -> ErasureRequest:
    """Open a request (the person, or a coordinator on their behalf); one open request at a time."""
    if not person.active and person.name == pseudonym(person.id):
        raise Conflict("already_erased", _l("This person has already been erased."))
    existing = pending_request(person.id)
    if existing is not None:
        return existing
    req = ErasureRequest(user_id=person.id, community_id=person.community_id, requested_by=actor.id)
    db.session.add(req)
    db.session.flush()
    audit.record(
        "privacy.erasure_requested",
        actor_id=actor.id,
        community_id=person.community_id,
        subject=("user", person.id),
        details={"request_id": req.id},
    )
    return req


def requests_for(community_id: int) -> list[ErasureRequest]:
    """A community's open requests, oldest first."""
    query = sa.select(ErasureRequest).where(
        ErasureRequest.community_id == community_id, ErasureRequest.status == "requested"
    )
    return list(db.session.scalars(query.order_by(ErasureRequest.id)))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise Invalid("reason_required", _l("Give a reason of 1 to 200 characters."))
    return reason


def reject(req: ErasureRequest, actor, reason: str) -> ErasureRequest:
    """Turn a request down, with the reason."""
    _still_open(req)
    req.status, req.decided_at, req.decided_by, req.reason = "rejected", utcnow(), actor.id, _reason(reason)
    db.session.flush()
    audit.record(
        "privacy.erasure_rejected",
        actor_id=actor.id,
        community_id=req.community_id,
        subject=("user", req.user_id),
        details={"request_id": req.id},
    )
    return req


def _still_open(req: ErasureRequest) -> None:
    if req.status != "requested":
        raise Conflict("request_decided", _l("This request has already been decided."))


@dataclass
class ErasureResult:
    request: ErasureRequest
    pseudonym: str
    photos_deleted: int = 0
    leftovers: list[str] = field(default_factory=list)


def approve(req: ErasureRequest, actor, reason: str) -> ErasureResult:
    """Approve and erase now: name, phone, photos, free text, devices; the person can no longer log in."""
    _still_open(req)
    reason = _reason(reason)
    if req.user_id == actor.id:
        raise Conflict("own_erasure", _l("Another coordinator must approve your own erasure."))
    person = db.session.get(User, req.user_id)
    result = ErasureResult(req, pseudonym(person.id))
    name, phone = person.name, person.phone
    result.photos_deleted = _erase_reports(person.id)
    _erase_devices(person.id)
    _scrub_text(name, phone, result.pseudonym)
    _scrub_notice_params(name, phone, result.pseudonym)
    for cert in db.session.scalars(sa.select(Certificate).where(Certificate.user_id == person.id)):
        cert.content = {**(cert.content or {}), "name": result.pseudonym}
    person.name = result.pseudonym
    person.phone = f"x{person.id:010d}"[-11:]
    person.password_hash = ERASED_PASSWORD
    person.active = False
    person.locale = None
    person.must_change_password = False
    req.status, req.decided_at, req.decided_by, req.reason = "approved", utcnow(), actor.id, reason
    db.session.flush()
    result.leftovers = _leftovers(name, phone)
    audit.record(
        "privacy.erased",
        actor_id=actor.id,
        community_id=req.community_id,
        subject=("user", person.id),
        details={"request_id": req.id, "photos_deleted": result.photos_deleted, "leftovers": result.leftovers},
    )
    return result


def _erase_reports(user_id: int) -> int:
    """Reports keep category, place and status; they lose the description and photos; objections their reason and
    photo."""
    reports = list(db.session.scalars(sa.select(Report).where(Report.reporter_id == user_id)))
    deleted = 0
    for report in reports:
        report.description = ""
        for photo in list(report.photos):
            path = report_photos.path_of(photo.filename)
            path.unlink(missing_ok=True)
            db.session.delete(photo)
            deleted += 1
        report.lat = report.lon = None
    db.session.execute(sa.update(ReportEvent).where(ReportEvent.actor_id == user_id).values(note=""))
    for pending in db.session.scalars(sa.select(PendingAward).where(PendingAward.resident_id == user_id)):
        if pending.evidence_photo:
            report_photos.path_of(pending.evidence_photo).unlink(missing_ok=True)
            pending.evidence_photo = None
            deleted += 1
    for objection in db.session.scalars(sa.select(Objection).where(Objection.objector_id == user_id)):
        objection.reason = ""
        if objection.photo:
            report_photos.path_of(objection.photo).unlink(missing_ok=True)
            objection.photo = None
            deleted += 1
    db.session.flush()
    assert not db.session.scalar(
        sa.select(sa.func.count(ReportPhoto.id)).join(Report).where(Report.reporter_id == user_id)
    )
    return deleted


def _erase_devices(user_id: int) -> None:
    """Sessions, device records, tokens, grants, proxies and notices go; codes, cards and pay devices are revoked."""
    now = utcnow()
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))
    db.session.execute(sa.delete(DeviceRecord).where(DeviceRecord.user_id == user_id))
    outbox = sa.select(OutboxNotice.id).where(OutboxNotice.user_id == user_id)
    db.session.execute(sa.delete(NoticeDelivery).where(NoticeDelivery.notice_id.in_(outbox)))
    db.session.execute(sa.delete(OutboxNotice).where(OutboxNotice.user_id == user_id))
    db.session.execute(sa.delete(NoticePreference).where(NoticePreference.user_id == user_id))
    for device in db.session.scalars(sa.select(PayDevice).where(PayDevice.user_id == user_id)):
        device.label, device.secret = "", secrets.token_hex(32)
        device.revoked_at = device.revoked_at or now
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user_id))
    db.session.execute(sa.delete(RoleGrant).where(RoleGrant.user_id == user_id))
    db.session.execute(sa.delete(Proxy).where(sa.or_(Proxy.resident_id == user_id, Proxy.proxy_user_id == user_id)))
    for code in db.session.scalars(
        sa.select(PayCode).where(PayCode.resident_id == user_id, PayCode.revoked_at.is_(None))
    ):
        code.revoked_at = now
    for card in db.session.scalars(sa.select(ResidentCard).where(ResidentCard.resident_id == user_id)):
        card.revoked_at = card.revoked_at or now
        card.pin_hash = ERASED_PASSWORD
    db.session.expire_all()


def _scrub_text(name: str, phone: str, replacement: str) -> None:
    """Replace the name and phone in free text outside the ledger."""
    meta = db.Model.metadata
    for table_name, column in SCRUB_COLUMNS:
        table = meta.tables[table_name]
        col = table.c[column]
        for needle in (phone, name):
            if len(needle) < 2:
                continue
            db.session.execute(
                sa.update(table)
                .where(col.contains(needle, autoescape=True))
                .values({column: sa.func.replace(col, needle, replacement)})
            )


def _scrub_notice_params(name: str, phone: str, replacement: str) -> None:
    """Other people's notices keep their parameters as JSON: replace the name and phone inside them."""
    needles = [n for n in (phone, name) if len(n) >= 2]
    text = sa.cast(OutboxNotice.params, sa.String)
    # Stored JSON may escape non-ASCII as \uXXXX: look for both spellings.
    forms = {form for n in needles for form in (n, json.dumps(n)[1:-1])}
    hits = db.session.scalars(
        sa.select(OutboxNotice).where(sa.or_(*(text.contains(f, autoescape=True) for f in forms)))
    )
    for notice in hits:
        raw = json.dumps(notice.params, ensure_ascii=False)
        for needle in needles:
            raw = raw.replace(needle, replacement)
        notice.params = json.loads(raw)


def _leftovers(name: str, phone: str) -> list[str]:
    """table.column of ledger free text still holding the name or phone (sealed, not edited)."""
    meta = db.Model.metadata
    found = []
    for table_name, column in CHECK_ONLY_COLUMNS:
        col = meta.tables[table_name].c[column]
        hit = sa.or_(*(col.contains(n, autoescape=True) for n in (name, phone) if len(n) >= 2))
        if db.session.scalar(sa.select(sa.func.count()).select_from(meta.tables[table_name]).where(hit)):
            found.append(f"{table_name}.{column}")
    return found
