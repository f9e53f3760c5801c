"""API: report a resident card (居民卡) lost and reissue it, for the resident and for coordinators."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.stations import codes
from pointsbank.stations import schemas as s
from pointsbank.stations import service as svc
from pointsbank.web.api.base import SECURITY, ApiBlueprint, ErrorSchema, api_auth

blp = ApiBlueprint("api_cards", __name__, url_prefix="/api/v1", description="Resident cards: lost and reissued")


def _printable(card) -> dict:
    payload = svc.card_payload(card)
    return {"payload": payload, "qr": codes.qr_data_uri(payload)}


@blp.post("/resident-card/lost")
@blp.response(200, s.CardStateSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def my_card_lost():
    """Report my card lost: its QR answers `revoked` from now on (audited; a repeat changes nothing)."""
    return svc.report_card_lost(current_user, current_user)


@blp.post("/resident-card/reissue")
@blp.response(200, s.CardSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def my_card_reissue():
    """A new card to print with the same PIN; the old card answers `revoked` (audited)."""
    return _printable(svc.reissue_card(current_user, current_user))


@blp.post("/residents/<int(max=2147483647):resident_id>/resident-card/lost")
@blp.response(200, s.CardStateSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def resident_card_lost(resident_id: int):
    """A coordinator of the resident's community reports the card lost (audited)."""
    resident = svc.resident_for_card_staff(current_user, resident_id)
    return svc.report_card_lost(current_user, resident)


@blp.post("/residents/<int(max=2147483647):resident_id>/resident-card/reissue")
@blp.response(200, s.CardSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def resident_card_reissue(resident_id: int):
    """A coordinator makes a new card for the resident, same PIN (audited)."""
    resident = svc.resident_for_card_staff(current_user, resident_id)
    return _printable(svc.reissue_card(resident, current_user))
