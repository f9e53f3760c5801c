"""API: resident reports (随手拍/社情民意), their status flow, notices and weekly hot topics; Open311."""

from __future__ import annotations

import json

from flask import Response, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError, Invalid, NotFound
from pointsbank.reports import open311, publishing, service
from pointsbank.reports import schemas as s
from pointsbank.web.api.base import IDEMPOTENCY_HEADER, SECURITY, ApiBlueprint, api_auth, errors, idempotency_key
from pointsbank.web.api.pagination import PageArgsSchema, page_of
from pointsbank.web.devices import note_device

blp = ApiBlueprint(
    "api_reports",
    __name__,
    url_prefix="/api/v1",
    description="Resident reports (随手拍/社情民意): filing, triage, status flow, notices, hot topics",
)


@blp.get("/report-categories")
@blp.arguments(s.ReportCategoryQuerySchema, location="query")
@blp.response(200, s.ReportCategorySchema(many=True))
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
def list_categories(args):
    """Report categories of my community (coordinators: any community they run)."""
    community_id = args.get("community_id") or current_user.community_id
    allowed = community_id == current_user.community_id or service.is_manager(current_user, community_id or 0)
    if community_id is None or not allowed:
        raise NotFound()
    return service.categories(community_id)


@blp.post("/report-categories")
@blp.arguments(s.ReportCategoryInSchema)
@blp.response(201, s.ReportCategorySchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 404, 409)
@api_auth
@unit_of_work
def create_category(data):
    """Add a report category to a community I coordinate."""
    community_id = data.pop("community_id")
    return service.save_category(current_user, community_id, **data)


@blp.put("/reports/<int:report_id>/public-description")
@blp.arguments(s.PublicDescriptionSchema)
@blp.response(200, s.PublishedReportSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 404)
@api_auth
@unit_of_work
def put_public_description(data, report_id: int):
    """Publish the text Open311 shows for a report (coordinators), or null to unpublish; audited."""
    return publishing.set_public_description(current_user, report_id, data["text"])


@blp.patch("/report-categories/<int:category_id>")
@blp.arguments(s.ReportCategoryPatchSchema)
@blp.response(200, s.ReportCategorySchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 404, 409)
@api_auth
@unit_of_work
def update_category(data, category_id: int):
    """Change a category: name, paying rule, bonus rule, time limit, active."""
    category = service.get_category(current_user, category_id)
    return service.save_category(current_user, category.community_id, category, **data)


@blp.get("/reports")
@blp.arguments(s.ReportListQuerySchema, location="query")
@blp.response(200, s.ReportPageSchema)
@blp.doc(security=SECURITY)
@errors(401)
@api_auth
def list_reports(args):
    """My reports, or for coordinators the triage queue (oldest first) with its filters."""
    manager = current_user.is_admin or bool(current_user.coordinated_community_ids())
    if args["mine"] or not manager:
        items, total = service.my_reports(current_user, page=args["page"], per_page=args["per_page"])
    else:
        flt = service.TriageFilter(
            status=args.get("status"),
            category_id=args.get("category_id"),
            grid_id=args.get("grid_id"),
            older_than_days=args.get("older_than_days"),
            community_id=args.get("community_id"),
        )
        items, total = service.triage(current_user, flt, page=args["page"], per_page=args["per_page"])
    return page_of(items, args, total)


@blp.post("/reports")
@blp.arguments(s.NewReportFormSchema, location="form")
@blp.arguments(s.NewReportFilesSchema, location="files")
@blp.response(201, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 413)
@api_auth
@unit_of_work
def file_report(form, files):
    """File a report (multipart): category, description, place, optional location, one to three photos."""
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    for stream in uploads:
        stream.stream.seek(0)
    filing = service.Filing(
        category_id=form["category_id"],
        description=form["description"],
        grid_id=form.get("grid_id"),
        building=form.get("building", ""),
        place=form.get("place", ""),
        lat=form.get("lat"),
        lon=form.get("lon"),
    )
    report = service.file_report(current_user, filing, [f.stream for f in uploads])
    note_device("report", current_user, report.community_id)
    return report


@blp.get("/reports/<int:report_id>")
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
def get_report(report_id: int):
    """One report with its history and photos (404 outside your scope)."""
    return service.visible_report(current_user, report_id)


@blp.post("/reports/<int:report_id>/accept")
@blp.arguments(s.ReportNoteSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@errors(400, 401, 403, 404, 409, 422)
@api_auth
@unit_of_work
def accept_report(data, report_id: int):
    """Accept a submitted report; the reporter is paid under the category's rule."""
    report = service.visible_report(current_user, report_id, for_update=True)
    return service.accept(report, current_user, data["note"], request_key=idempotency_key("report-accept"))


@blp.post("/reports/<int:report_id>/reject")
@blp.arguments(s.ReportRejectSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 404, 409)
@api_auth
@unit_of_work
def reject_report(data, report_id: int):
    """Reject a submitted report with a reason."""
    report = service.visible_report(current_user, report_id, for_update=True)
    return service.reject(report, current_user, data["reason"])


@blp.post("/reports/<int:report_id>/duplicate")
@blp.arguments(s.ReportDuplicateSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 404, 409, 422)
@api_auth
@unit_of_work
def duplicate_report(data, report_id: int):
    """Mark two reports as one problem, in either order: the earliest filed is the original and is paid; a
    duplicate's points are reversed. Marking reports already in one group changes nothing."""
    report = service.visible_report(current_user, report_id)  # the mark locks in its own order
    return service.mark_duplicate(report, current_user, data["duplicate_of_id"], data["note"])


@blp.get("/reports/<int:report_id>/duplicate-suggestions")
@blp.response(200, s.DuplicateSuggestionsSchema)
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
def duplicate_suggestions(report_id: int):
    """Likely duplicates: same community and category, near (metres or same grid and place text), within days."""
    report = service.visible_report(current_user, report_id)
    metres, days = service.duplicate_settings()
    return {"items": service.suggestions(report), "metres": metres, "days": days}


@blp.post("/reports/<int:report_id>/assign")
@blp.arguments(s.ReportAssignSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@errors(400, 401, 403, 404, 409, 422)
@api_auth
@unit_of_work
def assign_report(data, report_id: int):
    """Hand a report to a grid worker or a named department (a submitted one is accepted first)."""
    report = service.visible_report(current_user, report_id, for_update=True)
    return service.assign(
        report,
        current_user,
        assignee_id=data.get("assignee_id"),
        department=data["department"],
        note=data["note"],
        request_key=idempotency_key("report-assign"),
    )


@blp.post("/reports/bulk-assign")
@blp.arguments(s.ReportBulkAssignSchema)
@blp.response(200, s.ReportSchema(many=True))
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 404, 409, 422)
@api_auth
@unit_of_work
def bulk_assign(data):
    """Assign several reports at once (all or none)."""
    return service.bulk_assign(
        current_user, data["report_ids"], assignee_id=data.get("assignee_id"), department=data["department"]
    )


@blp.post("/reports/<int:report_id>/resolve")
@blp.arguments(s.ReportResolveFormSchema, location="form")
@blp.arguments(s.ReportResolveFilesSchema, location="files")
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@errors(400, 401, 403, 404, 409, 413, 422)
@api_auth
@unit_of_work
def resolve_report(form, files, report_id: int):
    """Record the fix (multipart: note, optional photo); may pay a bonus under the resolve rule."""
    report = service.visible_report(current_user, report_id, for_update=True)
    photo = request.files.get("photo")
    if photo is not None:
        photo.stream.seek(0)
    return service.resolve(
        report,
        current_user,
        form["note"],
        photo.stream if photo else None,
        request_key=idempotency_key("report-resolve"),
    )


@blp.post("/reports/<int:report_id>/close")
@blp.arguments(s.ReportCloseSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 404, 409)
@api_auth
@unit_of_work
def close_report(data, report_id: int):
    """The reporter rates the fix (1–5) and closes the report."""
    report = service.visible_report(current_user, report_id, for_update=True)
    return service.close(report, current_user, data["satisfaction"], data["note"])


@blp.post("/reports/<int:report_id>/reopen")
@blp.arguments(s.ReportReopenSchema)
@blp.response(200, s.ReportDetailSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 403, 404, 409)
@api_auth
@unit_of_work
def reopen_report(data, report_id: int):
    """The reporter reopens a resolved report that is not fixed; it goes back to the assignee."""
    report = service.visible_report(current_user, report_id, for_update=True)
    return service.reopen(report, current_user, data["note"])


@blp.get("/reports/hot-topics")
@blp.arguments(s.HotTopicQuerySchema, location="query")
@blp.response(200, s.HotTopicsSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 404)
@api_auth
def hot_topics(args):
    """一周热点排序: the share of reports by category for an ISO week."""
    community_id = hot_topics_community(args.get("community_id"))
    year, week = service.parse_week(args.get("week"))
    items, total = service.hot_topics(community_id, year, week)
    start, end = service.week_bounds(year, week)
    return {
        "community_id": community_id,
        "week": f"{year}-W{week:02d}",
        "start": start,
        "end": end,
        "total": total,
        "items": items,
    }


def hot_topics_community(community_id: int | None) -> int:
    """The community whose hot topics the user may see (their own or one they coordinate)."""
    if community_id is None:
        coordinated = sorted(current_user.coordinated_community_ids())
        community_id = coordinated[0] if coordinated else current_user.community_id
    if community_id is None:
        raise Invalid("community_required", _l("Choose a community."))
    if community_id != current_user.community_id and not service.is_manager(current_user, community_id):
        raise NotFound()
    return community_id


@blp.get("/notices")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.NoticePageSchema)
@blp.doc(security=SECURITY)
@errors(401)
@api_auth
def list_notices(args):
    """My in-app notices, newest first, with the unread count."""
    items, total = service.notices(current_user.id, page=args["page"], per_page=args["per_page"])
    return {**page_of(items, args, total), "unread": service.unread_count(current_user.id)}


@blp.post("/notices/<int:notice_id>/read")
@blp.response(200, s.NoticeReadSchema)
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
@unit_of_work
def read_notice(notice_id: int):
    """Mark one of my notices as read."""
    marked = service.mark_read(current_user.id, notice_id)
    return {"marked": marked, "unread": service.unread_count(current_user.id)}


@blp.post("/notices/read-all")
@blp.response(200, s.NoticeReadSchema)
@blp.doc(security=SECURITY)
@errors(401)
@api_auth
@unit_of_work
def read_all_notices():
    """Mark all my notices as read."""
    marked = service.mark_read(current_user.id)
    return {"marked": marked, "unread": 0}


# ---------------------------------------------------------------- Open311 GeoReport v2

open311_blp = ApiBlueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2 over the same reports (append .json or .xml to each resource)",
)
extra_blps = [open311_blp]
FORMATS = ("json", "xml")
XML_TYPE = "text/xml; charset=utf-8"


def _o311_doc(schema, many: bool = True) -> dict:
    """Both content types of a GeoReport answer, and its error layout."""
    body = {"schema": schema(many=many)}
    errors = {
        "description": "Error (GeoReport layout)",
        "content": {
            "application/json": {"schema": s.Open311ErrorSchema(many=True)},
            "text/xml": {"schema": {"type": "string"}},
        },
    }
    return {
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": body, "text/xml": {"schema": {"type": "string"}}},
            },
            "400": errors,
            "403": errors,
            "404": errors,
        }
    }


def _wants_xml() -> bool:
    return request.path.endswith(".xml")


def _answer(rows, root: str, item: str, xml: bytes | None = None) -> Response:
    if _wants_xml():
        return Response(xml or open311.to_xml(root, item, rows), 200, content_type=XML_TYPE)
    return Response(json.dumps(rows, ensure_ascii=False), 200, mimetype="application/json")


def _o311_error(status: int, description: str) -> Response:
    if _wants_xml():
        return Response(
            open311.to_xml("errors", "error", [{"code": status, "description": description}]),
            status,
            content_type=XML_TYPE,
        )
    body = json.dumps([{"code": status, "description": description}], ensure_ascii=False)
    return Response(body, status, mimetype="application/json")


@open311_blp.errorhandler(DomainError)
def _o311_domain_error(err: DomainError):
    return _o311_error(err.status, str(err.message))


@open311_blp.errorhandler(HTTPException)
def _o311_http_error(err: HTTPException):
    data = getattr(err, "data", None)
    description = err.description or err.name
    if isinstance(data, dict) and data.get("messages"):
        description = json.dumps(data["messages"], ensure_ascii=False)
    return _o311_error(err.code or 500, description)


def _both_formats(rule: str, endpoint: str, methods=("GET",)):
    """Serve a view at rule.json and rule.xml."""

    def decorate(view):
        for fmt in FORMATS:
            open311_blp.route(f"{rule}.{fmt}", endpoint=f"{endpoint}_{fmt}", methods=list(methods))(view)
        return view

    return decorate


@open311_blp.arguments(s.Open311QuerySchema, location="query")
@open311_blp.doc(**_o311_doc(s.Open311ServiceSchema))
def o311_services(args):
    """GET services: every report category, as a GeoReport service."""
    return _answer(open311.services(open311.jurisdiction(args.get("jurisdiction_id"))), "services", "service")


@open311_blp.arguments(s.Open311QuerySchema, location="query")
@open311_blp.doc(**_o311_doc(s.Open311DefinitionSchema, many=False))
def o311_service_definition(args, service_code: str):
    """GET services/{service_code}: the service definition (no extra attributes)."""
    category = open311.category_for_code(service_code, open311.jurisdiction(args.get("jurisdiction_id")))
    definition = open311.service_definition(category)
    if _wants_xml():
        return Response(open311.definition_xml(definition), 200, content_type=XML_TYPE)
    return Response(json.dumps(definition, ensure_ascii=False), 200, mimetype="application/json")


@open311_blp.arguments(s.Open311RequestsQuerySchema, location="query")
@open311_blp.doc(**_o311_doc(s.Open311RequestSchema))
def o311_requests(args):
    """GET requests: filter by service_request_id, service_code, start_date, end_date, status."""
    rows = open311.find_requests(args, open311.jurisdiction(args.get("jurisdiction_id")))
    return _answer(rows, "service_requests", "request")


@open311_blp.arguments(s.Open311NewRequestSchema, location="form")
@open311_blp.doc(**_o311_doc(s.Open311CreatedSchema))
@unit_of_work
def o311_new_request(form):
    """POST requests: file a report as the api_key's user (a personal API token)."""
    user = open311.user_for_api_key(form.get("api_key"))
    if user is None:
        return _o311_error(403, "Invalid api_key.")
    category = open311.category_for_code(form["service_code"], open311.jurisdiction(form.get("jurisdiction_id")))
    place = (form.get("address_string") or "").strip()
    if form.get("lat") is None and not place and not form.get("address_id"):
        raise Invalid("location_required", _l("Give lat and long, or address_string."))
    if (form.get("lat") is None) != (form.get("long") is None):
        raise Invalid("invalid_location", _l("A location needs both latitude and longitude."))
    filing = service.Filing(
        category_id=category.id,
        description=form.get("description") or "",
        place=place or form.get("address_id", ""),
        lat=form.get("lat"),
        lon=form.get("long"),
    )
    media = request.files.get("media")
    report = service.file_report(user, filing, [media.stream] if media and media.filename else [], min_photos=0)
    row = {"service_request_id": str(report.id), "service_notice": "", "account_id": None}
    return _answer([row], "service_requests", "request")


@open311_blp.doc(**_o311_doc(s.Open311RequestSchema))
def o311_request(service_request_id: str):
    """GET requests/{service_request_id}: one request."""
    return _answer([open311.one_request(service_request_id)], "service_requests", "request")


_both_formats("/services", "services")(o311_services)
_both_formats("/services/<service_code>", "service_definition")(o311_service_definition)
_both_formats("/requests", "requests")(o311_requests)
_both_formats("/requests", "new_request", methods=("POST",))(o311_new_request)
_both_formats("/requests/<service_request_id>", "request")(o311_request)
