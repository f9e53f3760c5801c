"""API schemas for scheduled jobs and their runs."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma

from pointsbank.schemas import PageArgsSchema

OUTCOMES = ("running", "ok", "failed")


class Time(ma.fields.DateTime):
    """ISO 8601 with an offset (SQLite hands back UTC without one)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class JobRunSchema(ma.Schema):
    id = ma.fields.Integer()
    job = ma.fields.String()
    slot = Time(metadata={"description": "The scheduled time this run stands for"})
    trigger = ma.fields.String(metadata={"description": "schedule or manual"})
    holder = ma.fields.String(metadata={"description": "The scheduler that ran it (host:pid:tag)"})
    started_at = Time()
    finished_at = Time(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "running, ok or failed"})
    summary = ma.fields.Dict(metadata={"description": 'Counts, e.g. {"expired": 3}'})
    error = ma.fields.String(allow_none=True)


class JobSchema(ma.Schema):
    name = ma.fields.String()
    title = ma.fields.String()
    schedule = ma.fields.String(metadata={"description": "every Nm, hourly :MM, daily HH:MM (Asia/Shanghai) or off"})
    last_run = ma.fields.Nested(JobRunSchema, allow_none=True)


class JobListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(JobSchema))


class JobRunArgsSchema(PageArgsSchema):
    job = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    outcome = ma.fields.String(validate=ma.validate.OneOf(OUTCOMES))


class JobRunPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(JobRunSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
