"""marshmallow schemas for activities, sign-ups, check-ins and teams at the API boundary."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.rules.schemas import ID, InputTime, Time
from pointsbank.schemas import PageArgsSchema


class ActivitySchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    rule_id = ma.fields.Integer()
    rule_title = ma.fields.Function(lambda a: a.rule.title)
    team_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    place = ma.fields.String()
    description = ma.fields.String()
    starts_at = Time()
    ends_at = Time()
    capacity = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["open", "closed", "confirmed", "cancelled"]})


class ActivityPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ActivitySchema))
    total = ma.fields.Integer()


class ActivityQuerySchema(PageArgsSchema):
    when = ma.fields.String(load_default="upcoming", validate=ma.validate.OneOf(["upcoming", "past", "all"]))
    community_id = ma.fields.Integer(**ID)


class ActivityCreateSchema(ma.Schema):
    community_id = ma.fields.Integer(required=True, **ID)
    rule_id = ma.fields.Integer(required=True, **ID)
    team_id = ma.fields.Integer(allow_none=True, **ID)
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    place = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    starts_at = InputTime(required=True)
    ends_at = InputTime(required=True)
    capacity = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=10000))


class ActivityUpdateSchema(ma.Schema):
    rule_id = ma.fields.Integer(**ID)
    team_id = ma.fields.Integer(allow_none=True, **ID)
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    place = ma.fields.String(validate=ma.validate.Length(min=1, max=120))
    description = ma.fields.String(validate=ma.validate.Length(max=2000))
    starts_at = InputTime()
    ends_at = InputTime()
    capacity = ma.fields.Integer(validate=ma.validate.Range(min=1, max=10000))


class SignupSchema(ma.Schema):
    id = ma.fields.Integer()
    activity_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    name = ma.fields.Function(lambda s: s.user.name)
    status = ma.fields.String(metadata={"enum": ["signed_up", "waiting", "cancelled", "attended", "no_show"]})
    checked_in_at = Time(allow_none=True)
    checked_out_at = Time(allow_none=True)
    hours = ma.fields.Float(allow_none=True)
    award_status = ma.fields.String(allow_none=True)
    points_requested = ma.fields.Integer(allow_none=True)
    points_awarded = ma.fields.Integer(allow_none=True)
    cap_note = ma.fields.String(allow_none=True, metadata={"description": "Why a cap cut the award, in words"})


class SignupPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SignupSchema))
    total = ma.fields.Integer()


class CodeSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=400),
        metadata={"description": "A scanned QR payload (PB1A./PB1V.) or the 6 typed digits"},
    )


class ScanResultSchema(ma.Schema):
    action = ma.fields.String(
        metadata={
            "enum": [
                "checked_in",
                "checked_out",
                "already_checked_in",
                "already_checked_out",
            ]
        }
    )
    signup = ma.fields.Nested(SignupSchema)


class PersonalCodeSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "QR payload; valid for about two minutes"})
    digits = ma.fields.String(metadata={"description": "6-digit form for typing; changes every minute"})
    expires_in = ma.fields.Integer()


class TeamSchema(ma.Schema):
    id = ma.fields.Function(lambda row: row["team"].id)
    community_id = ma.fields.Function(lambda row: row["team"].community_id)
    name = ma.fields.Function(lambda row: row["team"].name)
    description = ma.fields.Function(lambda row: row["team"].description)
    members = ma.fields.Integer()
    hours = ma.fields.Float()
    points = ma.fields.Integer()
    joined = ma.fields.Boolean()


class TeamPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TeamSchema))
    total = ma.fields.Integer()


class TeamCreateSchema(ma.Schema):
    community_id = ma.fields.Integer(required=True, **ID)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
