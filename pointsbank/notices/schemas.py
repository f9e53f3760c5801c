"""API schemas for notices and notice preferences."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.jobs.schemas import Time

HHMM = ma.validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="HH:MM, for example 22:00")


class MyNoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "Stable code of the event, e.g. reservation.expired"})
    params = ma.fields.Dict(metadata={"description": "The values the text is built from"})
    text = ma.fields.String(metadata={"description": "Rendered in the reader's language"})
    link = ma.fields.String()
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    read_at = Time(allow_none=True)
    created_at = Time()


class MyNoticePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MyNoticeSchema))
    total = ma.fields.Integer()
    unread = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class MyNoticeReadSchema(ma.Schema):
    marked = ma.fields.Integer()
    unread = ma.fields.Integer()


class NoticePreferenceSchema(ma.Schema):
    channels = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=16)),
        allow_none=True,
        validate=ma.validate.Length(max=10),
        metadata={"description": "Outbound channels to use (null: every channel offered)"},
    )
    offered = ma.fields.List(ma.fields.String(), dump_only=True, metadata={"description": "Channels on offer"})
    quiet_start = ma.fields.String(allow_none=True, validate=HHMM, metadata={"description": "Local time, HH:MM"})
    quiet_end = ma.fields.String(allow_none=True, validate=HHMM, metadata={"description": "Local time, HH:MM"})
    wechat_openid = ma.fields.String(
        allow_none=True,
        load_only=True,
        validate=ma.validate.Length(max=64),
        metadata={"description": "Set by the mini-program"},
    )
