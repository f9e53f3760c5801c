"""API: the audit log (coordinators: their communities; admins: all), as JSON pages, CSV or XLSX."""

from __future__ import annotations

from flask import Response, stream_with_context
from flask_login import current_user

from pointsbank.audit import export, queries
from pointsbank.audit.queries import AuditFilter
from pointsbank.audit.schemas import AuditFilterArgsSchema, AuditPageArgsSchema, AuditPageSchema
from pointsbank.db import run_in_unit
from pointsbank.web.api.base import SECURITY, ApiBlueprint, ErrorSchema, api_auth
from pointsbank.web.api.pagination import page_of

blp = ApiBlueprint("api_audit", __name__, url_prefix="/api/v1", description="The audit log")
NOT_FOUND = {"schema": ErrorSchema, "description": "Not a coordinator or admin, or the community is outside your scope"}
INVALID = {"schema": ErrorSchema, "description": "Malformed filter"}


def _filter(args: dict) -> AuditFilter:
    return AuditFilter(
        community_id=args["community_id"],
        person_id=args["person_id"],
        action=args["action"],
        date_from=args["date_from"],
        date_to=args["date_to"],
    )


@blp.get("/audit-entries")
@blp.arguments(AuditPageArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def list_entries(args):
    """Audit entries newest first, filtered by community, person (actor or subject), action and dates."""
    items, total = queries.page(current_user, _filter(args), args["page"], args["per_page"])
    return page_of(items, args, total)


def _download(args: dict, fmt: str) -> Response:
    flt = _filter(args)
    queries.query(current_user, flt)  # scope and dates are checked before anything is written
    run_in_unit(lambda: export.record_export(current_user, flt, fmt))
    if fmt == "csv":
        response = Response(stream_with_context(export.csv_chunks(current_user, flt)), mimetype="text/csv")
    else:
        response = Response(export.xlsx_bytes(current_user, flt), mimetype=export.XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=audit.{fmt}"
    return response


@blp.get("/audit-entries.csv")
@blp.arguments(AuditFilterArgsSchema, location="query")
@blp.response(200, description="CSV, UTF-8 with a BOM (opens in Excel)", content_type="text/csv")
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def export_csv(args):
    """The filtered audit log as CSV (the export is audited)."""
    return _download(args, "csv")


@blp.get("/audit-entries.xlsx")
@blp.arguments(AuditFilterArgsSchema, location="query")
@blp.response(200, description="XLSX workbook", content_type=export.XLSX_TYPE)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def export_xlsx(args):
    """The filtered audit log as XLSX (the export is audited)."""
    return _download(args, "xlsx")
