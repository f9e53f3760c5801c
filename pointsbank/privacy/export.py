"""Export: everything held about one person, as a ZIP with data.json, a readable index.html and the photos."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import render_template

from pointsbank.activities import records as service_records
from pointsbank.activities.models import Signup
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.notices.models import NoticePreference, OutboxNotice
from pointsbank.objections.models import Objection
from pointsbank.offline.models import PayDevice
from pointsbank.people.models import ApiToken, User, UserSession
from pointsbank.privacy.consent import consents_of
from pointsbank.privacy.models import Certificate, ErasureRequest
from pointsbank.reports import photos as report_photos
from pointsbank.reports.models import Notice, Report
from pointsbank.rules.models import PendingAward
from pointsbank.signals.models import DeviceRecord
from pointsbank.stations.models import PayCode, Proxy, Redemption, Reservation, ResidentCard


def _all(model, *where) -> list:
    return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


def _statement(person: User) -> list[dict[str, Any]]:
    account = ledger.find_resident_account(person)
    lines: list[dict[str, Any]] = []
    page = 1
    while True:
        batch, total = ledger.statement(account, page=page, per_page=100)
        lines += [
            {"transfer_id": x.transfer_id, "at": x.created_at, "kind": x.kind, "amount": x.amount,
             "balance_after": x.balance_after, "memo": x.memo}
            for x in batch
        ]  # fmt: skip
        if len(lines) >= total or not batch:
            return lines
        page += 1


def collect(person: User) -> dict[str, Any]:
    """Every kind of record held about the person, as plain data."""
    uid = person.id
    reports = _all(Report, Report.reporter_id == uid)
    records = service_records.records_of(uid)
    return {
        "profile": {
            "id": uid,
            "name": person.name,
            "phone": person.phone,
            "community": person.community.name if person.community else None,
            "grid": person.grid.name if person.grid else None,
            "locale": person.locale,
            "elder_mode": person.elder_mode,
            "created_at": person.created_at,
            "active": person.active,
        },  # fmt: skip
        "roles": person.roles,
        "grants": [{"role": g.role, "community_id": g.community_id, "station_id": g.station_id} for g in person.grants],
        "ledger_statement": _statement(person),
        "activities": [
            {
                "activity_id": s.activity_id,
                "title": s.activity.title,
                "starts_at": s.activity.starts_at,
                "status": s.status,
                "hours": s.hours,
                "points_awarded": s.points_awarded,
            }
            for s in _all(Signup, Signup.user_id == uid)
        ],  # fmt: skip
        "service_hours": {
            "total": service_records.total_hours(records),
            "by_year": service_records.hours_by_year(records),
            "by_activity": service_records.hours_by_activity(records),
            "records": [
                {
                    "activity": r.activity,
                    "organiser": r.organiser,
                    "date": r.day,
                    "hours": r.hours,
                    "confirmed_by": r.confirmed_by,
                }
                for r in records
            ],  # fmt: skip
        },
        "reports": [
            {
                "id": r.id,
                "category": r.category.name,
                "description": r.description,
                "place": r.place,
                "building": r.building,
                "status": r.status,
                "created_at": r.created_at,
                "photos": [f"photos/{p.filename}" for p in r.photos],
            }
            for r in reports
        ],  # fmt: skip
        "notices": [
            {"text": n.text, "at": n.created_at, "read_at": n.read_at} for n in _all(Notice, Notice.user_id == uid)
        ],
        "inbox": [
            {"code": n.code, "params": n.params, "at": n.created_at}
            for n in _all(OutboxNotice, OutboxNotice.user_id == uid)
        ],
        "notice_preferences": [
            {"channels": p.channels, "quiet_start": p.quiet_start, "quiet_end": p.quiet_end}
            for p in db.session.scalars(sa.select(NoticePreference).where(NoticePreference.user_id == uid))
        ],
        "objections": [
            {
                "id": o.id,
                "transfer_id": o.transfer_id,
                "reason": o.reason,
                "status": o.status,
                "at": o.created_at,
                "decision_reason": o.decision_reason,
                "decided_at": o.decided_at,
                "photo": f"photos/{o.photo}" if o.photo else None,
            }
            for o in _all(Objection, Objection.objector_id == uid)
        ],  # fmt: skip
        "pending_awards": [
            {
                "memo": p.memo,
                "status": p.status,
                "at": p.created_at,
                "photo": f"photos/{p.evidence_photo}" if p.evidence_photo else None,
            }
            for p in _all(PendingAward, PendingAward.resident_id == uid)
        ],  # fmt: skip
        "devices": {
            "sessions": [
                {
                    "created_at": x.created_at,
                    "last_seen_at": x.last_seen_at,
                    "ended_at": x.ended_at,
                    "address": x.address,
                }
                for x in _all(UserSession, UserSession.user_id == uid)
            ],  # fmt: skip
            "pay_devices": [
                {"label": d.label, "created_at": d.created_at, "revoked_at": d.revoked_at}
                for d in _all(PayDevice, PayDevice.user_id == uid)
            ],
            # Keyed hashes of the device cookie and address kept for fraud signals (90 days).
            "write_records": [
                {"action": r.action, "at": r.created_at, "device_hash": r.device_hash, "address_hash": r.address_hash}
                for r in _all(DeviceRecord, DeviceRecord.user_id == uid)
            ],
            "api_tokens": [
                {
                    "name": t.name,
                    "prefix": t.prefix,
                    "created_at": t.created_at,
                    "last_used_at": t.last_used_at,
                    "revoked_at": t.revoked_at,
                }
                for t in _all(ApiToken, ApiToken.user_id == uid)
            ],  # fmt: skip
            "pay_codes": [
                {"created_at": c.created_at, "expires_at": c.expires_at, "used_at": c.used_at}
                for c in _all(PayCode, PayCode.resident_id == uid)
            ],
            "resident_cards": [
                {"created_at": c.created_at, "revoked_at": c.revoked_at}
                for c in _all(ResidentCard, ResidentCard.resident_id == uid)
            ],
            "proxies": [
                {"proxy_user_id": p.proxy_user_id, "relation": p.relation, "created_at": p.created_at}
                for p in _all(Proxy, Proxy.resident_id == uid)
            ],
        },
        "redemptions": [
            {
                "id": r.id,
                "station": r.station.name,
                "status": r.status,
                "at": r.created_at,
                "lines": [[x.item_name, x.qty] for x in r.lines],
            }
            for r in _all(Redemption, Redemption.resident_id == uid)
        ],  # fmt: skip
        "reservations": [
            {"id": r.id, "station": r.station.name, "status": r.status, "at": r.created_at}
            for r in _all(Reservation, Reservation.resident_id == uid)
        ],
        "consents": [{"version": c.version, "locale": c.locale, "at": c.accepted_at} for c in consents_of(uid)],
        "erasure_requests": [
            {"status": e.status, "requested_at": e.requested_at, "decided_at": e.decided_at}
            for e in _all(ErasureRequest, ErasureRequest.user_id == uid)
        ],
        "certificates": [
            {"issued_at": c.issued_at, "hours": c.hours} for c in _all(Certificate, Certificate.user_id == uid)
        ],
    }


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def archive(person: User) -> bytes:
    """The ZIP: data.json, index.html (readable) and photos/ with the person's report photos."""
    data = collect(person)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", to_json(data))
        zf.writestr("index.html", render_template("privacy/export.html", data=data))
        names = [p.filename for r in _all(Report, Report.reporter_id == person.id) for p in r.photos]
        pending = _all(PendingAward, PendingAward.resident_id == person.id)
        names += [p.evidence_photo for p in pending if p.evidence_photo]
        names += [o.photo for o in _all(Objection, Objection.objector_id == person.id) if o.photo]
        for name in names:
            path = report_photos.path_of(name)
            if path.exists():
                zf.write(path, f"photos/{name}")
    return buffer.getvalue()
