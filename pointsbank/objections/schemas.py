"""marshmallow schemas for objections and the public 公示 list at the API boundary."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.ledger.schemas import UTCDateTime
from pointsbank.objections.models import OBJECTION_STATUSES, REASON_MAX
from pointsbank.objections.publicity import ROLES, STATES
from pointsbank.paging import PageArgsSchema

REASON = {"required": True, "validate": ma.validate.Length(min=1, max=REASON_MAX)}


class PublicityArgsSchema(PageArgsSchema):
    week = ma.fields.String(
        load_default=None,
        metadata={"description": "ISO week of the Asia/Shanghai calendar, e.g. 2026-W47; default this week"},
    )
    day = ma.fields.String(
        load_default=None,
        metadata={
            "description": "A local day (YYYY-MM-DD): the week containing it; wins over `week`",
            "example": "2026-12-31",
        },
    )


class PublicityLineSchema(ma.Schema):
    transfer_id = ma.fields.Integer()
    created_at = UTCDateTime(metadata={"description": "When the award was approved"})
    name = ma.fields.String(metadata={"description": "Masked name (张*丰), never the full name"})
    rule = ma.fields.String(metadata={"description": "The rule's title; empty for a fund award"})
    memo = ma.fields.String()
    points = ma.fields.Integer()
    approver_role = ma.fields.String(
        metadata={"description": "The approver's role, not their name", "enum": list(ROLES)}
    )
    state = ma.fields.String(metadata={"enum": list(STATES)})
    publicity_until = UTCDateTime(allow_none=True, metadata={"description": "End of 公示; null without 公示"})


class PublicitySchema(ma.Schema):
    community_id = ma.fields.Integer()
    week = ma.fields.String()
    publicity_days = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(PublicityLineSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class ObjectionFormSchema(ma.Schema):
    reason = ma.fields.String(**REASON, metadata={"description": "Why (1 to 500 characters)"})


class ObjectionFilesSchema(ma.Schema):
    photo = ma.fields.Raw(metadata={"type": "string", "format": "binary", "description": "Optional photo"})


class ObjectionSchema(ma.Schema):
    """An objection as its objector and the deciding coordinators see it."""

    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    transfer_id = ma.fields.Integer()
    reason = ma.fields.String()
    has_photo = ma.fields.Function(lambda o: bool(o["photo"] if isinstance(o, dict) else o.photo))
    status = ma.fields.String(metadata={"enum": list(OBJECTION_STATUSES)})
    created_at = UTCDateTime()
    decision_reason = ma.fields.String(allow_none=True)
    decided_at = UTCDateTime(allow_none=True)
    reversal_id = ma.fields.Integer(allow_none=True)


class QueueAwardSchema(ma.Schema):
    transfer_id = ma.fields.Integer()
    resident_id = ma.fields.Integer()
    points = ma.fields.Integer()
    memo = ma.fields.String()
    approved_at = UTCDateTime()
    approver_id = ma.fields.Integer(allow_none=True)
    until = UTCDateTime(allow_none=True)
    state = ma.fields.String(metadata={"enum": list(STATES)})


class QueueItemSchema(ObjectionSchema):
    objector_id = ma.fields.Integer()
    award = ma.fields.Nested(QueueAwardSchema)


class QueueArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default="open", validate=ma.validate.OneOf(OBJECTION_STATUSES))


class QueuePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class DecisionSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=ma.validate.OneOf(("upheld", "dismissed")))
    reason = ma.fields.String(**REASON, metadata={"description": "Both residents see it (1 to 500 characters)"})
