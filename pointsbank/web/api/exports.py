"""API: exports (awards, redemptions, hours, stock, reports) per community or street, as CSV or XLSX (audited)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Response, stream_with_context
from flask_login import current_user

from pointsbank.audit.export import XLSX_TYPE
from pointsbank.db import run_in_unit
from pointsbank.errors import NotFound
from pointsbank.exports import scope, service
from pointsbank.exports.schemas import ExportArgsSchema
from pointsbank.web.api.base import SECURITY, ApiBlueprint, ErrorSchema, api_auth

blp = ApiBlueprint("api_exports", __name__, url_prefix="/api/v1", description="Exports")
KIND_PATTERN = ",".join(service.KINDS)
NOT_FOUND = {"schema": ErrorSchema, "description": "Unknown kind, or the scope is outside yours"}


def _download(args: dict, kind: str, fmt: str, **where) -> Response:
    if kind not in service.KINDS:
        raise NotFound()
    ids = scope.community_ids(current_user, **where)
    start = datetime.combine(args["date_from"], time())
    end = datetime.combine(args["date_to"] + timedelta(days=1), time())
    label = f"community:{where['community_id']}" if "community_id" in where else f"street:{where['street_id']}"
    total = run_in_unit(lambda: service.record_export(current_user, kind, label, ids, start, end, fmt))
    if fmt == "csv":
        response = Response(stream_with_context(service.csv_chunks(kind, ids, start, end)), mimetype="text/csv")
    else:
        response = Response(stream_with_context(service.xlsx_chunks(kind, ids, start, end)), mimetype=XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={kind}.{fmt}"
    response.headers["X-Row-Count"] = str(total)
    return response


def _routes(prefix: str, key: str) -> None:
    for fmt, ctype in (("csv", "text/csv"), ("xlsx", XLSX_TYPE)):

        def view(args, id, kind, fmt=fmt):
            return _download(args, kind, fmt, **{key: id})

        view.__name__ = f"{key}_{fmt}"
        view.__doc__ = (
            f"Awards, redemptions, volunteer hours, stock movements or reports as {fmt.upper()} for a period (audited)."
        )
        wrapped = api_auth(view)
        wrapped = blp.doc(security=SECURITY)(wrapped)
        wrapped = blp.alt_response(404, **NOT_FOUND)(wrapped)
        wrapped = blp.response(200, description=fmt.upper(), content_type=ctype)(wrapped)
        wrapped = blp.arguments(ExportArgsSchema, location="query")(wrapped)
        blp.get(f"/{prefix}/<int:id>/exports/<any({KIND_PATTERN}):kind>.{fmt}")(wrapped)


_routes("communities", "community_id")
_routes("streets", "street_id")
