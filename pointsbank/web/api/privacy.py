"""API: the privacy notice and consent, service hours and certificates, export, erasure, hours export."""

from __future__ import annotations

from flask import Response, url_for
from flask_babel import get_locale
from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.privacy import schemas as s
from pointsbank.privacy import service as privacy
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_privacy",
    __name__,
    url_prefix="/api/v1",
    description="Privacy: notice and consent, volunteer service hours and certificates, export and erasure",
)
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.get("/privacy/notice")
@blp.response(200, s.PrivacyNoticeSchema)
@errors(401)
@blp.doc(security=SECURITY)
@api_auth
def notice():
    """The current privacy notice and whether you agreed to this version."""
    sections = [{"title": str(t), "text": str(x)} for t, x in privacy.SECTIONS]
    version = privacy.current_version()
    return {"version": version, "consented": privacy.has_consented(current_user.id), "sections": sections}


@blp.post("/privacy/consents")
@blp.response(201, s.PrivacyConsentSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def consent():
    """Agree to the current version of the privacy notice (repeating is harmless)."""
    return privacy.record_consent(current_user, str(get_locale() or "zh"))


def _hours(user_id: int) -> dict:
    records = privacy.service_records.records_of(user_id)
    return {
        "user_id": user_id,
        "total_hours": privacy.service_records.total_hours(records),
        "by_year": [{"year": y, "hours": h} for y, h in privacy.service_records.hours_by_year(records).items()],
        "by_activity": [
            {"activity": a, "hours": h} for a, h in privacy.service_records.hours_by_activity(records).items()
        ],
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
    }


@blp.get("/users/<int:user_id>/service-hours")
@blp.response(200, s.ServiceHoursSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def service_hours(user_id: int):
    """Confirmed volunteer hours by year and activity (yourself, or a resident of a community you coordinate)."""
    return _hours(privacy.person_for(current_user, user_id).id)


@blp.post("/users/<int:user_id>/certificates")
@blp.response(201, s.CertificateSchema)
@errors(401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def issue_certificate(user_id: int):
    """Issue a 志愿服务证明 of the confirmed hours; the QR opens the public verification page."""
    cert = privacy.issue(privacy.person_for(current_user, user_id), current_user)
    token = privacy.token_of(cert)
    url = url_for("privacy.verify", token=token, _external=True)
    return {"token": token, "verify_url": url, "issued_at": cert.issued_at, "hours": cert.hours}


@blp.get("/certificates/<string:token>/verification")
@blp.response(200, s.VerificationSchema)
@errors(404)
def verify_certificate(token: str):
    """Public: whether a certificate is genuine, with only what it says (name masked). No login."""
    cert = privacy.verify(token)
    content = cert.content or {}
    return {
        "genuine": True,
        "name": content.get("name", ""),
        "community": content.get("community", ""),
        "hours": cert.hours,
        "issued_at": cert.issued_at,
        "activities": content.get("activities", []),
    }


@blp.get("/users/<int:user_id>/export")
@blp.response(200, content_type=ZIP, description="ZIP with data.json, index.html and photos/")
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def export(user_id: int):
    """Everything held about a person as a ZIP (yourself, or on request by their coordinator: audited)."""
    person = privacy.person_for(current_user, user_id)
    data = privacy.archive(person)
    privacy.audit.record(
        "privacy.exported",
        actor_id=current_user.id,
        community_id=person.community_id,
        subject=("user", person.id),
        details={"by_self": person.id == current_user.id},
    )
    headers = {"Content-Disposition": f'attachment; filename="pointsbank-export-{person.id}.zip"'}
    return Response(data, mimetype=ZIP, headers=headers)


@blp.post("/users/<int:user_id>/erasure-requests")
@blp.response(201, s.ErasureRequestSchema)
@errors(401, 404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def request_erasure(user_id: int):
    """Ask for erasure (yourself, or a coordinator on the resident's behalf); a coordinator approves it."""
    return privacy.request_erasure(privacy.person_for(current_user, user_id), current_user)


@blp.get("/communities/<int:community_id>/erasure-requests")
@blp.response(200, s.ErasureRequestSchema(many=True))
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def erasure_requests(community_id: int):
    """Open erasure requests of a community you coordinate, oldest first."""
    return privacy.requests_for(privacy.community_for_coordinator(current_user, community_id).id)


@blp.post("/erasure-requests/<int:request_id>/approval")
@blp.arguments(s.ErasureReasonSchema)
@blp.response(200, s.ErasureResultSchema)
@errors(400, 401, 404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def approve_erasure(data: dict, request_id: int):
    """Approve with a reason and erase now (audited); ledger entries stay under the pseudonym."""
    result = privacy.approve(privacy.get_request(current_user, request_id), current_user, data["reason"])
    req = result.request
    fields = ("id", "user_id", "status", "requested_at", "decided_at")
    return {**{f: getattr(req, f) for f in fields}, "pseudonym": result.pseudonym, "leftovers": result.leftovers}


@blp.post("/erasure-requests/<int:request_id>/rejection")
@blp.arguments(s.ErasureReasonSchema)
@blp.response(200, s.ErasureRequestSchema)
@errors(400, 401, 404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def reject_erasure(data: dict, request_id: int):
    """Turn an erasure request down, with a reason (audited)."""
    return privacy.reject(privacy.get_request(current_user, request_id), current_user, data["reason"])


@blp.get("/communities/<int:community_id>/service-hours/export")
@blp.arguments(s.HoursExportArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="CSV (UTF-8 with BOM) or XLSX in the registry's columns")
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def hours_export(args: dict, community_id: int):
    """Hours of a community you coordinate for the national registry's batch import; full phones are audited."""
    community = privacy.community_for_coordinator(current_user, community_id)
    records = privacy.service_records.community_records(community.id, args["start"], args["end"])
    full = args["phones"] == "full"
    privacy.audit.record(
        "privacy.hours_exported",
        actor_id=current_user.id,
        community_id=community.id,
        subject=("community", community.id),
        details={"rows": len(records), "full_phones": full, "format": args["format"]},
    )
    name = f"service-hours-{community.id}.{args['format']}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if args["format"] == "xlsx":
        return Response(privacy.registry.xlsx_bytes(records, full_phone=full), mimetype=XLSX, headers=headers)
    return Response(privacy.registry.csv_bytes(records, full_phone=full), mimetype="text/csv", headers=headers)
