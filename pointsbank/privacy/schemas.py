"""API schemas: consent, service records, certificates, erasure requests, hours export arguments."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.schemas import InputDate


class PrivacyNoticeSchema(ma.Schema):
    version = ma.fields.String(required=True)
    consented = ma.fields.Boolean(required=True)
    sections = ma.fields.List(ma.fields.Dict(), required=True)


class PrivacyConsentSchema(ma.Schema):
    version = ma.fields.String(required=True)
    accepted_at = ma.fields.DateTime(required=True)


class ServiceRecordSchema(ma.Schema):
    activity = ma.fields.String(required=True)
    organiser = ma.fields.String(required=True)
    date = ma.fields.Date(required=True)
    hours = ma.fields.Float(required=True)
    confirmed_by = ma.fields.String(required=True)


class YearHoursSchema(ma.Schema):
    year = ma.fields.Integer(required=True)
    hours = ma.fields.Float(required=True)


class ActivityHoursSchema(ma.Schema):
    activity = ma.fields.String(required=True)
    hours = ma.fields.Float(required=True)


class ServiceHoursSchema(ma.Schema):
    user_id = ma.fields.Integer(required=True)
    total_hours = ma.fields.Float(required=True)
    by_year = ma.fields.List(ma.fields.Nested(YearHoursSchema), required=True)
    by_activity = ma.fields.List(ma.fields.Nested(ActivityHoursSchema), required=True)
    records = ma.fields.List(ma.fields.Nested(ServiceRecordSchema), required=True)


class CertificateSchema(ma.Schema):
    token = ma.fields.String(required=True, metadata={"description": "Signed opaque id printed in the QR"})
    verify_url = ma.fields.String(required=True)
    issued_at = ma.fields.DateTime(required=True)
    hours = ma.fields.Float(required=True)


class VerificationSchema(ma.Schema):
    genuine = ma.fields.Boolean(required=True)
    name = ma.fields.String(required=True, metadata={"description": "Masked name"})
    community = ma.fields.String(required=True)
    hours = ma.fields.Float(required=True)
    issued_at = ma.fields.DateTime(required=True)
    activities = ma.fields.List(ma.fields.List(ma.fields.Raw()), required=True)


class ErasureReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class ErasureRequestSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    user_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    requested_at = ma.fields.DateTime(required=True)
    decided_at = ma.fields.DateTime(allow_none=True)


class ErasureResultSchema(ErasureRequestSchema):
    pseudonym = ma.fields.String()
    leftovers = ma.fields.List(ma.fields.String())


class HoursExportArgsSchema(ma.Schema):
    start = InputDate(load_default=None)
    end = InputDate(load_default=None)
    format = ma.fields.String(load_default="csv", validate=ma.validate.OneOf(("csv", "xlsx")))
    phones = ma.fields.String(load_default="masked", validate=ma.validate.OneOf(("masked", "full")))

    @ma.validates_schema
    def _order(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ma.ValidationError("end is before start", "end")
