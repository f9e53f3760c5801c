"""marshmallow schemas for reports and notices at the API boundary."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user

from pointsbank.reports.models import STATUSES
from pointsbank.schemas import PageArgsSchema
from pointsbank.schemas import UTCTime as Time

NOTE = {"load_default": "", "validate": ma.validate.Length(max=2000)}


class ReportCategorySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    time_limit_hours = ma.fields.Integer()
    rule_id = ma.fields.Integer(allow_none=True)
    resolve_rule_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()


class ReportCategoryInSchema(ma.Schema):
    community_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    rule_id = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The rule that pays accepted reports"},
    )
    resolve_rule_id = ma.fields.Integer(
        allow_none=True,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Optional bonus rule when resolved"},
    )
    time_limit_hours = ma.fields.Integer(validate=ma.validate.Range(min=1, max=8760))
    active = ma.fields.Boolean()
    position = ma.fields.Integer(validate=ma.validate.Range(min=0, max=10000))


class ReportCategoryPatchSchema(ReportCategoryInSchema):
    class Meta:
        exclude = ("community_id",)

    name = ma.fields.String(validate=ma.validate.Length(min=1, max=40))


class ReportCategoryQuerySchema(ma.Schema):
    community_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))


class ReportPhotoSchema(ma.Schema):
    id = ma.fields.Integer()
    stage = ma.fields.String()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    url = ma.fields.Method("_url")

    def _url(self, photo) -> str:
        return url_for("reports.photo", photo_id=photo.id)


class ReportEventSchema(ma.Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    note = ma.fields.String()
    actor = ma.fields.Method("_actor", metadata={"description": "Name of who made the change (empty: the system)"})
    created_at = Time()

    def _actor(self, event) -> str:
        return event.actor.name if event.actor else ""


class ReportSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    category_id = ma.fields.Integer()
    category = ma.fields.Function(lambda r: r.category.name)
    description = ma.fields.String()
    grid_id = ma.fields.Integer(allow_none=True)
    grid = ma.fields.Function(lambda r: r.grid.name if r.grid else None, allow_none=True)
    building = ma.fields.String()
    place = ma.fields.String()
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    status_note = ma.fields.String()
    duplicate_of_id = ma.fields.Integer(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True)
    assignee = ma.fields.Function(lambda r: r.assignee_label)
    satisfaction = ma.fields.Integer(allow_none=True)
    points_awarded = ma.fields.Integer()
    award_note = ma.fields.String()
    overdue = ma.fields.Function(lambda r: r.is_overdue())
    due_at = Time()
    created_at = Time()
    updated_at = Time()
    resolved_at = Time(allow_none=True)
    closed_at = Time(allow_none=True)


class ReportDetailSchema(ReportSchema):
    events = ma.fields.List(ma.fields.Nested(ReportEventSchema))
    photos = ma.fields.Method("_photos")

    def _photos(self, report) -> list[dict]:
        from pointsbank.reports.scope import is_manager

        manager = current_user.is_authenticated and is_manager(current_user, report.community_id)
        out = []
        for photo in report.photos:
            item = ReportPhotoSchema().dump(photo)
            if manager:
                item["gps_lat"], item["gps_lon"] = photo.gps_lat, photo.gps_lon
            out.append(item)
        return out


class ReportPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReportSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class ReportListQuerySchema(PageArgsSchema):
    mine = ma.fields.Boolean(load_default=False, metadata={"description": "Only the reports I filed"})
    status = ma.fields.String(validate=ma.validate.OneOf([*STATUSES, "open"]))
    category_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    community_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    older_than_days = ma.fields.Integer(validate=ma.validate.Range(min=1, max=3650))


class NewReportFormSchema(ma.Schema):
    category_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=5, max=2000))
    grid_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    building = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    place = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    lat = ma.fields.Float(validate=ma.validate.Range(min=-90, max=90))
    lon = ma.fields.Float(validate=ma.validate.Range(min=-180, max=180))


class NewReportFilesSchema(ma.Schema):
    photos = ma.fields.List(
        ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "One to three photos (JPEG, PNG or WEBP, at most 8 MB each)"},
    )


class ReportResolveFormSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class ReportResolveFilesSchema(ma.Schema):
    photo = ma.fields.Raw(metadata={"type": "string", "format": "binary", "description": "Optional photo of the fix"})


class ReportNoteSchema(ma.Schema):
    note = ma.fields.String(**NOTE)


class ReportRejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class ReportDuplicateSchema(ma.Schema):
    duplicate_of_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=2**31 - 1))
    note = ma.fields.String(**NOTE)


class DuplicateSuggestionSchema(ma.Schema):
    report_id = ma.fields.Function(lambda s: s.report.id)
    status = ma.fields.Function(lambda s: s.report.status, metadata={"enum": list(STATUSES)})
    created_at = ma.fields.Function(lambda s: s.report.created_at.isoformat())
    match = ma.fields.String(metadata={"enum": ["distance", "place"]})
    metres = ma.fields.Float(allow_none=True, metadata={"description": "Distance when both reports have coordinates"})
    joined = ma.fields.Boolean(metadata={"description": "Already in the same duplicate group"})


class DuplicateSuggestionsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DuplicateSuggestionSchema))
    metres = ma.fields.Integer(metadata={"description": "The distance setting (PB_DUPLICATE_METRES)"})
    days = ma.fields.Integer(metadata={"description": "The span of days setting (PB_DUPLICATE_DAYS)"})


class ReportAssignSchema(ma.Schema):
    assignee_id = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A grid worker (coordinator) of the community"},
    )
    department = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=80), metadata={"description": "Or a named department"}
    )
    note = ma.fields.String(**NOTE)


class ReportBulkAssignSchema(ReportAssignSchema):
    report_ids = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=ma.validate.Length(min=1, max=100),
    )


class ReportCloseSchema(ma.Schema):
    satisfaction = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=5))
    note = ma.fields.String(**NOTE)


class ReportReopenSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class NoticeSchema(ma.Schema):
    id = ma.fields.Integer()
    text = ma.fields.String()
    link = ma.fields.String()
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    read_at = Time(allow_none=True)
    created_at = Time()


class NoticePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NoticeSchema))
    total = ma.fields.Integer()
    unread = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class NoticeReadSchema(ma.Schema):
    marked = ma.fields.Integer()
    unread = ma.fields.Integer()


class HotTopicQuerySchema(ma.Schema):
    week = ma.fields.String(
        validate=ma.validate.Regexp(r"^\d{4}-[Ww]\d{2}$"),
        metadata={"description": "ISO week, e.g. 2026-W47 (default: this week)"},
    )
    community_id = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))


class HotTopicSchema(ma.Schema):
    category_id = ma.fields.Integer()
    category = ma.fields.String()
    count = ma.fields.Integer()
    share = ma.fields.Float()


class HotTopicsSchema(ma.Schema):
    community_id = ma.fields.Integer()
    week = ma.fields.String()
    start = Time()
    end = Time()
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(HotTopicSchema))


# ---------------------------------------------------------------- Open311 GeoReport v2


class Open311QuerySchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    jurisdiction_id = ma.fields.String(
        validate=ma.validate.Length(max=20), metadata={"description": "A community id (optional)"}
    )


class Open311RequestsQuerySchema(Open311QuerySchema):
    service_request_id = ma.fields.String(
        validate=ma.validate.Length(max=500), metadata={"description": "Comma-delimited ids; other filters are ignored"}
    )
    service_code = ma.fields.String(validate=ma.validate.Length(max=500), metadata={"description": "Comma-delimited"})
    start_date = ma.fields.String(validate=ma.validate.Length(max=40), metadata={"description": "W3C date-time"})
    end_date = ma.fields.String(validate=ma.validate.Length(max=40), metadata={"description": "W3C date-time"})
    status = ma.fields.String(validate=ma.validate.Length(max=20), metadata={"description": "open, closed or both"})


class Open311NewRequestSchema(Open311QuerySchema):
    api_key = ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=200),
        metadata={"description": "A personal API token; the request is filed as its user"},
    )
    service_code = ma.fields.String(required=True, validate=ma.validate.Length(max=20))
    lat = ma.fields.Float(validate=ma.validate.Range(min=-90, max=90))
    long = ma.fields.Float(validate=ma.validate.Range(min=-180, max=180))
    address_string = ma.fields.String(validate=ma.validate.Length(max=200))
    address_id = ma.fields.String(validate=ma.validate.Length(max=80))
    description = ma.fields.String(validate=ma.validate.Length(max=2000))
    media_url = ma.fields.String(validate=ma.validate.Length(max=500), metadata={"description": "Ignored"})


class Open311ServiceSchema(ma.Schema):
    service_code = ma.fields.String()
    service_name = ma.fields.String()
    description = ma.fields.String()
    metadata = ma.fields.Boolean()
    type = ma.fields.String(metadata={"enum": ["realtime", "batch", "blackbox"]})
    keywords = ma.fields.String()
    group = ma.fields.String()


class Open311DefinitionSchema(ma.Schema):
    service_code = ma.fields.String()
    attributes = ma.fields.List(ma.fields.Dict())


class Open311RequestSchema(ma.Schema):
    service_request_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["open", "closed"]})
    status_notes = ma.fields.String()
    service_name = ma.fields.String()
    service_code = ma.fields.String()
    description = ma.fields.String()
    agency_responsible = ma.fields.String()
    service_notice = ma.fields.String()
    requested_datetime = ma.fields.String(metadata={"format": "date-time"})
    updated_datetime = ma.fields.String(metadata={"format": "date-time"})
    expected_datetime = ma.fields.String(metadata={"format": "date-time"})
    address = ma.fields.String()
    address_id = ma.fields.String()
    zipcode = ma.fields.String()
    lat = ma.fields.Float(allow_none=True)
    long = ma.fields.Float(allow_none=True)
    media_url = ma.fields.String()


class Open311CreatedSchema(ma.Schema):
    service_request_id = ma.fields.String()
    service_notice = ma.fields.String()
    account_id = ma.fields.String(allow_none=True)


class Open311ErrorSchema(ma.Schema):
    code = ma.fields.Integer()
    description = ma.fields.String()


class PublicDescriptionSchema(ma.Schema):
    text = ma.fields.String(
        required=True,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "What Open311 shows as the description; null unpublishes"},
    )


class PublishedReportSchema(ma.Schema):
    id = ma.fields.Integer()
    public_description = ma.fields.String(allow_none=True)
