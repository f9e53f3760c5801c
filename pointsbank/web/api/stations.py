"""API: stations, items, stock movements, pay and pickup codes, redemptions, reports, cards, proxies."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError
from pointsbank.stations import codes
from pointsbank.stations import schemas as s
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Reservation
from pointsbank.web.api.base import IDEMPOTENCY_HEADER, SECURITY, ApiBlueprint, ErrorSchema, api_auth, idempotency_key
from pointsbank.web.api.pagination import PageArgsSchema, page_of_query
from pointsbank.web.api.stations_cards import blp as cards_blp

blp = ApiBlueprint(
    "api_stations", __name__, url_prefix="/api/v1", description="Stations, items, stock, codes, redemptions"
)


def _item_out(item: Item, station) -> Item:
    item.low_stock = svc.is_low(item, station)
    return item


# ---------------------------------------------------------------- stations


@blp.get("/stations")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.StationPageSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_stations(args):
    """Stations I may see: my community's, the ones I work at or coordinate."""
    return page_of_query(svc.visible_stations(current_user), args)


@blp.post("/stations")
@blp.arguments(s.StationSchema)
@blp.response(201, s.StationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def create_station(data):
    """Open a station in a community I coordinate."""
    community = svc.community_by_id(data["community_id"])
    return svc.create_station(
        current_user, community, data["name"], address=data["address"], opening_hours=data["opening_hours"]
    )


@blp.get("/stations/<int(max=2147483647):station_id>")
@blp.response(200, s.StationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def get_station(station_id: int):
    """One station."""
    return svc.station_for_resident(current_user, station_id)


@blp.patch("/stations/<int(max=2147483647):station_id>")
@blp.arguments(s.StationUpdateSchema)
@blp.response(200, s.StationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def update_station(data, station_id: int):
    """Change a station (coordinators of its community)."""
    station = svc.station_for_staff(current_user, station_id)
    return svc.update_station(current_user, station, **data)


# ---------------------------------------------------------------- items and stock


@blp.get("/stations/<int(max=2147483647):station_id>/items")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.ItemPageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_items(args, station_id: int):
    """A station's catalogue (residents see active items; staff see all), by id."""
    station = svc.station_for_resident(current_user, station_id)
    page = page_of_query(svc.catalogue_query(current_user, station), args)
    page["items"] = [_item_out(i, station) for i in page["items"]]
    return page


@blp.post("/stations/<int(max=2147483647):station_id>/items")
@blp.arguments(s.ItemSchema)
@blp.response(201, s.ItemSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def create_item(data, station_id: int):
    """Add goods or a service (stock starts at 0; record an intake)."""
    station = svc.station_for_staff(current_user, station_id)
    item = svc.create_item(
        current_user,
        station,
        data["name"],
        data["points"],
        kind=data["kind"],
        limit_qty=data["limit_qty"],
        limit_period=data["limit_period"],
        active=data["active"],
        reference_value_fen=data["reference_value_fen"],
    )
    return _item_out(item, station)


@blp.patch("/items/<int(max=2147483647):item_id>")
@blp.arguments(s.ItemUpdateSchema)
@blp.response(200, s.ItemSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def update_item(data, item_id: int):
    """Change an item's name, price, limit, reference value (fen) or active flag."""
    item = svc.item_for_staff(current_user, item_id)
    return _item_out(svc.update_item(current_user, item, **data), item.station)


@blp.get("/items/<int(max=2147483647):item_id>/stock-movements")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.StockMovementPageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_stock_movements(args, item_id: int):
    """An item's stock movements, newest first; they add up to its stock."""
    item = svc.item_for_staff(current_user, item_id)
    return page_of_query(svc.movements_query(item), args)


@blp.post("/items/<int(max=2147483647):item_id>/stock-movements")
@blp.arguments(s.StockMovementSchema)
@blp.response(201, s.StockMovementOutSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def record_stock(data, item_id: int):
    """Intake, donated goods (爱心捐赠入库) or an adjustment with a reason."""
    item = svc.item_for_staff(current_user, item_id)
    return svc.record_stock(current_user, item, data["delta"], data["reason"], data["note"])


# ---------------------------------------------------------------- codes


@blp.post("/pay-codes")
@blp.arguments(s.PayCodeArgsSchema)
@blp.response(201, s.PayCodeSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def new_pay_code(data):
    """A fresh pay code (付款码) for me, or for the resident I am registered proxy for."""
    code = svc.issue_pay_code(current_user, for_resident_id=data["for_resident_id"])
    return pay_code_out(code)


def pay_code_out(code) -> dict:
    """What the phone shows for a pay code."""
    payload = svc.pay_payload(code)
    return {
        "payload": payload,
        "digits": code.digits,
        "expires_at": code.expires_at,
        "refresh_in": svc.PAY_CODE_SECONDS - 10,
        "qr": codes.qr_data_uri(payload),
        "resident_name": code.resident.name,
    }


def code_info_out(info: svc.CodeInfo) -> dict:
    """What the clerk sees after a scan."""
    reservation = _reservation_out(info.reservation) if info.reservation else None
    return {
        "kind": info.kind,
        "resident_name": info.resident.masked_name,
        "available": info.available,
        "code": info.code,
        "proxy_name": info.proxy.name if info.proxy else None,
        "expires_at": info.expires_at,
        "reservation": reservation,
    }


@blp.post("/stations/<int(max=2147483647):station_id>/code-checks")
@blp.arguments(s.CodeArgsSchema)
@blp.response(200, s.CodeInfoSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def check_code(data, station_id: int):
    """Scan step: who is it and how many points (pay, pickup, or resident card with its PIN).

    Typed digits are limited per clerk and per station (429 `too_many_attempts` with Retry-After); a wrong number
    answers `invalid` whatever the cause.

    A card answers a fresh pay code in `code`, already scanned at this station, to confirm with.
    """
    station = svc.station_for_staff(current_user, station_id)
    if data["code"].strip().startswith(codes.CARD + ".") and data["pin"]:
        result = unit_of_work(lambda: svc.card_to_pay_code(current_user, station, data["code"], data["pin"]))()
        if isinstance(result, DomainError):
            raise result
        return code_info_out(unit_of_work(lambda: svc.look_up(current_user, station, svc.pay_payload(result)))())
    return code_info_out(_raised(svc.noted(lambda: svc.check_code(current_user, station, data["code"]))))


def _raised(result):
    """A refusal returned by a counted service (its attempt is committed) is raised now."""
    if isinstance(result, DomainError):
        raise result
    return result


# ---------------------------------------------------------------- redemptions


@blp.post("/stations/<int(max=2147483647):station_id>/redemptions")
@blp.arguments(s.RedeemArgsSchema)
@blp.response(201, s.RedemptionSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
def redeem(data, station_id: int):
    """Confirm a pay code with items: points move, stock drops, one redemption — all at once.

    Typed digits count against the attempt limit (429 `too_many_attempts` with Retry-After).
    """
    station = svc.station_for_staff(current_user, station_id)
    lines = [(line["item_id"], line["qty"]) for line in data["lines"]]
    key = idempotency_key(f"redeem:{station.id}")
    return _raised(svc.noted(lambda: svc.confirm(current_user, station, data["code"], lines, key=key)))


@blp.post("/stations/<int(max=2147483647):station_id>/pickups")
@blp.arguments(s.PickupArgsSchema)
@blp.response(201, s.RedemptionSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
def pickup(data, station_id: int):
    """Hand over reserved items: the pickup code's hold posts to the station (typed digits are limited)."""
    station = svc.station_for_staff(current_user, station_id)
    key = idempotency_key(f"pickup:{station.id}")
    return _raised(unit_of_work(lambda: svc.hand_over_counted(current_user, station, data["code"], key=key))())


@blp.get("/stations/<int(max=2147483647):station_id>/redemptions")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.RedemptionPageSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_station_redemptions(args, station_id: int):
    """A station's redemptions, newest first."""
    station = svc.station_for_staff(current_user, station_id)
    return page_of_query(svc.station_redemptions_query(station), args)


@blp.get("/redemptions")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.RedemptionPageSchema)
@blp.doc(security=SECURITY)
@api_auth
def my_redemptions(args):
    """My redemptions (and those I made as proxy), newest first."""
    return page_of_query(svc.my_redemptions_query(current_user), args)


@blp.get("/redemptions/<int(max=2147483647):redemption_id>")
@blp.response(200, s.RedemptionSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def get_redemption(redemption_id: int):
    """A receipt."""
    return svc.redemption_for(current_user, redemption_id)


@blp.post("/redemptions/<int(max=2147483647):redemption_id>/undo")
@blp.response(200, s.RedemptionSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def undo_redemption(redemption_id: int):
    """The clerk undoes a redemption within the community's undo minutes: points and stock return."""
    redemption = svc.redemption_for(current_user, redemption_id)
    return svc.undo(current_user, redemption)


@blp.post("/redemptions/<int(max=2147483647):redemption_id>/refund")
@blp.arguments(s.RefundArgsSchema)
@blp.response(200, s.RedemptionSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def refund_redemption(data, redemption_id: int):
    """A coordinator refunds a redemption's points, with a reason."""
    redemption = svc.redemption_for(current_user, redemption_id)
    return svc.refund(current_user, redemption, data["reason"], restock=data["restock"])


# ---------------------------------------------------------------- reservations


def _reservation_out(reservation: Reservation) -> dict:
    return {
        "id": reservation.id,
        "station_id": reservation.station_id,
        "resident_id": reservation.resident_id,
        "proxy_id": reservation.proxy_id,
        "status": reservation.status,
        "total": reservation.total,
        "lines": reservation.lines,
        "digits": reservation.digits,
        "payload": svc.pickup_payload(reservation),
        "expires_at": reservation.expires_at,
        "created_at": reservation.created_at,
    }


@blp.post("/stations/<int(max=2147483647):station_id>/reservations")
@blp.arguments(s.ReserveArgsSchema)
@blp.response(201, s.ReservationSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def reserve(data, station_id: int):
    """Reserve items for pickup: points on hold, stock reserved, a pickup code."""
    station = svc.station_for_resident(current_user, station_id)
    lines = [(line["item_id"], line["qty"]) for line in data["lines"]]
    reservation = svc.reserve(
        current_user,
        station,
        lines,
        key=idempotency_key(f"reserve:{station.id}"),
        for_resident_id=data["for_resident_id"],
    )
    return _reservation_out(reservation)


@blp.get("/reservations")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.ReservationPageSchema)
@blp.doc(security=SECURITY)
@api_auth
def my_reservations(args):
    """My reservations (and those I made as proxy), newest first."""
    page = page_of_query(svc.my_reservations_query(current_user), args)
    page["items"] = [_reservation_out(r) for r in page["items"]]
    return page


@blp.get("/reservations/<int(max=2147483647):reservation_id>")
@blp.response(200, s.ReservationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def get_reservation(reservation_id: int):
    """One reservation with its pickup code."""
    return _reservation_out(svc.reservation_for(current_user, reservation_id))


@blp.post("/reservations/<int(max=2147483647):reservation_id>/cancel")
@blp.response(200, s.ReservationSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def cancel_reservation(reservation_id: int):
    """Cancel a pending reservation: points and stock are released."""
    reservation = svc.reservation_for(current_user, reservation_id)
    return _reservation_out(svc.cancel_reservation(current_user, reservation))


# ---------------------------------------------------------------- report, card, proxies


@blp.get("/stations/<int(max=2147483647):station_id>/reports/daily")
@blp.arguments(s.ReportArgsSchema, location="query")
@blp.response(200, s.DailyReportSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def daily_report(args, station_id: int):
    """Redemptions, items out, points in, stock left, and whether stock movements add up."""
    station = svc.station_for_staff(current_user, station_id)
    return svc.daily_report(station, args["date"] or svc.today_local())


@blp.put("/resident-card")
@blp.arguments(s.CardArgsSchema)
@blp.response(200, s.CardSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def set_card(data):
    """Create my printable resident card or change its PIN."""
    card = svc.set_card_pin(current_user, data["pin"])
    payload = svc.card_payload(card)
    return {"payload": payload, "qr": codes.qr_data_uri(payload)}


@blp.post("/proxies")
@blp.arguments(s.ProxyArgsSchema)
@blp.response(201, s.ProxySchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def register_proxy(data):
    """Register a family member as proxy (家属代办) for a resident of my community."""
    return svc.register_proxy_by_ids(current_user, data["resident_id"], data["proxy_user_id"], data["relation"])


@blp.delete("/proxies/<int(max=2147483647):proxy_id>")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def end_proxy(proxy_id: int):
    """Stop a proxy relation."""
    svc.end_proxy(current_user, svc.get_proxy(proxy_id))


extra_blps = [cards_blp]
