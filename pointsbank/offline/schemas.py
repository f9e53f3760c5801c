"""marshmallow schemas for offline pay codes and the offline counter."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate as V

from pointsbank.stations.schemas import DB_ID, UTCTime


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    label = ma.fields.String(load_default="", validate=V.Length(max=60))
    created_at = UTCTime(dump_only=True)
    revoked_at = UTCTime(dump_only=True, allow_none=True)


class EnrolledDeviceSchema(DeviceSchema):
    secret = ma.fields.String(
        dump_only=True, metadata={"description": "Hex device secret: shown once, kept on the phone only"}
    )
    step_seconds = ma.fields.Integer(dump_only=True)
    digits = ma.fields.Integer(dump_only=True)


class DeviceListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DeviceSchema))


class BundleSchema(ma.Schema):
    body = ma.fields.Dict(
        required=True,
        metadata={"description": "bundle_id, station, issued_at, expires_at, items, residents (allowance, day keys)"},
    )
    signature = ma.fields.String(required=True, metadata={"description": "ECDSA P-256 SHA-256, raw r||s, base64"})
    public_key = ma.fields.String(required=True, metadata={"description": "Uncompressed P-256 point, base64"})


class PublicKeySchema(ma.Schema):
    public_key = ma.fields.String(required=True)
    algorithm = ma.fields.String(required=True)


class OfflineLineSchema(ma.Schema):
    item_id = ma.fields.Integer(required=True, validate=DB_ID)
    qty = ma.fields.Integer(required=True, validate=V.Range(min=1, max=99))


class ConfirmationSchema(ma.Schema):
    key = ma.fields.String(required=True, validate=V.Length(min=1, max=100))
    device_id = ma.fields.Integer(required=True, validate=DB_ID)
    step = ma.fields.Integer(required=True, validate=V.Range(min=0, max=2**40))
    otp = ma.fields.String(required=True, validate=V.Regexp(r"^[0-9]{8}$"))
    lines = ma.fields.List(ma.fields.Nested(OfflineLineSchema), required=True, validate=V.Length(min=1, max=20))
    confirmed_at = ma.fields.AwareDateTime(required=True)


class SyncArgsSchema(ma.Schema):
    bundle_id = ma.fields.Integer(required=True, validate=DB_ID)
    confirmations = ma.fields.List(
        ma.fields.Nested(ConfirmationSchema), required=True, validate=V.Length(min=1, max=200)
    )


class SyncResultSchema(ma.Schema):
    key = ma.fields.String(required=True)
    outcome = ma.fields.String(
        required=True,
        validate=V.OneOf(["posted", "short", "refused"]),
        metadata={"description": "short: posted as far as the balance allowed"},
    )
    points = ma.fields.Integer(required=True)
    posted = ma.fields.Integer(required=True)
    reason = ma.fields.String(allow_none=True)
    redemption_id = ma.fields.Integer(allow_none=True)


class SyncAnswerSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(SyncResultSchema), required=True)


class StationOfflineSchema(ma.Schema):
    station_id = ma.fields.Integer(attribute="station.id")
    station_name = ma.fields.String(attribute="station.name")
    bundle_at = UTCTime(allow_none=True)
    bundle_expires_at = UTCTime(allow_none=True)
    exposure = ma.fields.Integer(metadata={"description": "Most points the station's counter may still post offline"})
    synced = ma.fields.Integer()
    posted = ma.fields.Integer()
    at_risk = ma.fields.Integer(metadata={"description": "Points handed over offline that the balance could not cover"})
    last_sync_at = UTCTime(allow_none=True)


class OfflineOverviewSchema(ma.Schema):
    stations = ma.fields.List(ma.fields.Nested(StationOfflineSchema))
