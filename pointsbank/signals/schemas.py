"""marshmallow schemas for fraud signals at the API boundary."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.schemas import PageArgsSchema
from pointsbank.schemas import UTCTime as Time
from pointsbank.signals.models import KINDS, STATUSES
from pointsbank.signals.review import NOTE_MAX, REVIEW_STATUSES


class SignalArgsSchema(PageArgsSchema):
    status = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(STATUSES), metadata={"description": "Only this status"}
    )


class SignalSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": list(KINDS)})
    subject_key = ma.fields.String(metadata={"description": "Who or what it is about, e.g. pair:12:34"})
    score = ma.fields.Float(metadata={"description": "The measured value (a count or a rate in percent)"})
    evidence = ma.fields.Dict(metadata={"description": "The counts and record ids behind the signal"})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    review_note = ma.fields.String(allow_none=True)
    reviewed_by = ma.fields.Integer(allow_none=True)
    reviewed_at = Time(allow_none=True)
    first_seen = Time()
    last_seen = Time()


class SignalPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SignalSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class ReviewSchema(ma.Schema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(REVIEW_STATUSES))
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=NOTE_MAX))
