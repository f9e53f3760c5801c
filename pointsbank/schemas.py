"""Schema pieces shared by every feature: the page arguments of list queries, times in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import marshmallow as ma

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
PAGE_MAX = 100_000


class PageArgsSchema(ma.Schema):
    """?page= (from 1) and ?per_page= (1 to 100, default 20); list query schemas extend it."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=PAGE_MAX))
    per_page = ma.fields.Integer(load_default=PER_PAGE_DEFAULT, validate=ma.validate.Range(min=1, max=PER_PAGE_MAX))


class UTCTime(ma.fields.DateTime):
    """ISO 8601 with an offset (SQLite hands back UTC without one)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class InputDate(ma.fields.Date):
    """A day given by a client; its year is 2000–2099 (so a local day always converts to a UTC time)."""

    def __init__(self, **kwargs):
        metadata = {"pattern": "^20[0-9]{2}-", **kwargs.pop("metadata", {})}
        super().__init__(
            validate=ma.validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31)), metadata=metadata, **kwargs
        )
