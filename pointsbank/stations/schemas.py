"""marshmallow schemas for stations at the API boundary."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import validate

from pointsbank.schemas import UTCTime
from pointsbank.stations.models import (
    ITEM_KINDS,
    LIMIT_PERIODS,
    REDEMPTION_STATUSES,
    RESERVATION_STATUSES,
)

V = validate
DB_ID = V.Range(min=1, max=2**31 - 1)
FEN = V.Range(min=0, max=100_000_000)
FEN_DOC = {"description": "What one unit is worth in money, in fen (1/100 yuan); null when not known"}


class StationSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    community_id = ma.fields.Integer(required=True, validate=DB_ID)
    name = ma.fields.String(required=True, validate=V.Length(min=1, max=80))
    address = ma.fields.String(load_default="", validate=V.Length(max=200))
    opening_hours = ma.fields.String(load_default="", validate=V.Length(max=120))
    active = ma.fields.Boolean(dump_only=True)
    low_stock_threshold = ma.fields.Integer(dump_only=True)


class StationUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=V.Length(min=1, max=80))
    address = ma.fields.String(validate=V.Length(max=200))
    opening_hours = ma.fields.String(validate=V.Length(max=120))
    active = ma.fields.Boolean()
    low_stock_threshold = ma.fields.Integer(strict=True, validate=V.Range(min=0, max=100_000))


class StationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StationSchema))
    total = ma.fields.Integer()


class ItemSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    station_id = ma.fields.Integer(dump_only=True)
    name = ma.fields.String(required=True, validate=V.Length(min=1, max=80))
    kind = ma.fields.String(load_default="goods", validate=V.OneOf(ITEM_KINDS))
    points = ma.fields.Integer(strict=True, required=True, validate=V.Range(min=1, max=1_000_000))
    stock = ma.fields.Integer(dump_only=True)
    low_stock = ma.fields.Boolean(dump_only=True)
    limit_qty = ma.fields.Integer(strict=True, load_default=None, allow_none=True, validate=V.Range(min=1, max=1000))
    limit_period = ma.fields.String(load_default=None, allow_none=True, validate=V.OneOf(LIMIT_PERIODS))
    active = ma.fields.Boolean(load_default=True)
    reference_value_fen = ma.fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=FEN, metadata=FEN_DOC
    )


class ItemUpdateSchema(ma.Schema):
    name = ma.fields.String(validate=V.Length(min=1, max=80))
    kind = ma.fields.String(validate=V.OneOf(ITEM_KINDS))
    points = ma.fields.Integer(strict=True, validate=V.Range(min=1, max=1_000_000))
    limit_qty = ma.fields.Integer(strict=True, allow_none=True, validate=V.Range(min=1, max=1000))
    limit_period = ma.fields.String(allow_none=True, validate=V.OneOf(LIMIT_PERIODS))
    active = ma.fields.Boolean()
    reference_value_fen = ma.fields.Integer(strict=True, allow_none=True, validate=FEN, metadata=FEN_DOC)


class ItemPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema))
    total = ma.fields.Integer()


class StockMovementSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    item_id = ma.fields.Integer(dump_only=True)
    delta = ma.fields.Integer(strict=True, required=True, validate=V.Range(min=-100_000, max=100_000))
    reason = ma.fields.String(
        required=True,
        validate=V.OneOf(("intake", "donation", "adjustment")),
        metadata={"description": "intake | donation | adjustment (others are written by the system)"},
    )
    note = ma.fields.String(load_default="", validate=V.Length(max=200))
    actor_id = ma.fields.Integer(dump_only=True, allow_none=True)
    redemption_id = ma.fields.Integer(dump_only=True, allow_none=True)
    reservation_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = UTCTime(dump_only=True)


class StockMovementOutSchema(StockMovementSchema):
    reason = ma.fields.String(dump_only=True)


class StockMovementPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StockMovementOutSchema))
    total = ma.fields.Integer()


class PayCodeArgsSchema(ma.Schema):
    for_resident_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=DB_ID,
        metadata={"description": "Act as registered proxy for this resident"},
    )


class PayCodeSchema(ma.Schema):
    payload = ma.fields.String(metadata={"description": "QR text PB1P.<signed secret>"})
    digits = ma.fields.String(metadata={"description": "The same code to type (8 digits)"})
    expires_at = UTCTime()
    refresh_in = ma.fields.Integer(metadata={"description": "Seconds until the phone should fetch a new code"})
    qr = ma.fields.String(metadata={"description": "The QR as an SVG data: URI"})
    resident_name = ma.fields.String()


class CodeArgsSchema(ma.Schema):
    code = ma.fields.String(
        required=True, validate=V.Length(min=1, max=300), metadata={"description": "Scanned QR text or typed digits"}
    )
    pin = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=V.Length(max=6),
        metadata={"description": "PIN of a resident card (PB1C)"},
    )


class LineSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True, validate=DB_ID)
    item_name = ma.fields.String(dump_only=True)
    qty = ma.fields.Integer(strict=True, required=True, validate=V.Range(min=1, max=99))
    unit_points = ma.fields.Integer(dump_only=True)


class ReservationSchema(ma.Schema):
    id = ma.fields.Integer()
    station_id = ma.fields.Integer()
    resident_id = ma.fields.Integer()
    proxy_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(validate=V.OneOf(RESERVATION_STATUSES))
    total = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(LineSchema))
    digits = ma.fields.String()
    payload = ma.fields.String()
    expires_at = UTCTime()
    created_at = UTCTime()


class ReservationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReservationSchema))
    total = ma.fields.Integer()


class CodeInfoSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "pay | pickup"})
    resident_name = ma.fields.String(metadata={"description": "Masked name"})
    available = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "Send this back to confirm"})
    proxy_name = ma.fields.String(allow_none=True)
    expires_at = UTCTime(allow_none=True)
    reservation = ma.fields.Nested(ReservationSchema, allow_none=True)


class RedeemArgsSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=V.Length(min=1, max=300))
    lines = ma.fields.List(ma.fields.Nested(LineSchema), required=True, validate=V.Length(min=1, max=20))


class PickupArgsSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=V.Length(min=1, max=300))


class ReserveArgsSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(LineSchema), required=True, validate=V.Length(min=1, max=20))
    for_resident_id = ma.fields.Integer(load_default=None, allow_none=True, validate=DB_ID)


class RedemptionSchema(ma.Schema):
    id = ma.fields.Integer()
    station_id = ma.fields.Integer()
    station_name = ma.fields.String(attribute="station.name")
    resident_id = ma.fields.Integer()
    resident_name = ma.fields.String(attribute="resident.masked_name")
    clerk_id = ma.fields.Integer()
    proxy_id = ma.fields.Integer(allow_none=True)
    proxy_name = ma.fields.Method("_proxy_name", allow_none=True)
    reservation_id = ma.fields.Integer(allow_none=True)
    total = ma.fields.Integer()
    status = ma.fields.String(validate=V.OneOf(REDEMPTION_STATUSES))
    transfer_id = ma.fields.Integer(allow_none=True)
    balance_after = ma.fields.Integer(metadata={"description": "Resident's available points right after"})
    lines = ma.fields.List(ma.fields.Nested(LineSchema))
    created_at = UTCTime()
    undo_until = ma.fields.Method("_undo_until", metadata={"type": "string", "format": "date-time"})
    end_reason = ma.fields.String()

    def _undo_until(self, obj) -> str:
        from pointsbank.stations.service import undo_deadline

        return undo_deadline(obj).isoformat()

    def _proxy_name(self, obj) -> str | None:
        return obj.proxy.name if obj.proxy_id else None


class RedemptionPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RedemptionSchema))
    total = ma.fields.Integer()


class RefundArgsSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=V.Length(min=1, max=200))
    restock = ma.fields.Boolean(load_default=False)


class ReportArgsSchema(ma.Schema):
    date = ma.fields.Date(
        load_default=None,
        allow_none=True,
        validate=V.Range(min=date(2000, 1, 1), max=date(2099, 12, 31)),
        metadata={"description": "Day in Asia/Shanghai", "pattern": "^20[0-9]{2}-"},
    )


class ReportItemOutSchema(ma.Schema):
    name = ma.fields.String()
    qty = ma.fields.Integer()
    points = ma.fields.Integer()


class ReportStockSchema(ma.Schema):
    item_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    stock = ma.fields.Integer()
    low = ma.fields.Boolean()
    movements = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class ReportMismatchSchema(ma.Schema):
    item_id = ma.fields.Integer()
    stock = ma.fields.Integer()
    movements_sum = ma.fields.Integer()


class DailyReportSchema(ma.Schema):
    station_id = ma.fields.Integer(attribute="station.id")
    day = ma.fields.Date()
    redemptions = ma.fields.Integer()
    points_in = ma.fields.Integer()
    undone = ma.fields.Integer()
    items_out = ma.fields.List(ma.fields.Nested(ReportItemOutSchema))
    stock = ma.fields.List(ma.fields.Nested(ReportStockSchema))
    stock_consistent = ma.fields.Boolean()
    mismatches = ma.fields.List(ma.fields.Nested(ReportMismatchSchema))


class CardArgsSchema(ma.Schema):
    pin = ma.fields.String(required=True, validate=V.Regexp(r"^[0-9]{4,6}$"))


class CardSchema(ma.Schema):
    payload = ma.fields.String()
    qr = ma.fields.String()


class CardStateSchema(ma.Schema):
    card_id = ma.fields.Integer(attribute="id")
    revoked_at = UTCTime(allow_none=True)


class ProxyArgsSchema(ma.Schema):
    resident_id = ma.fields.Integer(required=True, validate=DB_ID)
    proxy_user_id = ma.fields.Integer(required=True, validate=DB_ID)
    relation = ma.fields.String(load_default="", validate=V.Length(max=20))


class ProxySchema(ma.Schema):
    id = ma.fields.Integer()
    resident_id = ma.fields.Integer()
    proxy_user_id = ma.fields.Integer()
    relation = ma.fields.String()
    active = ma.fields.Boolean()
