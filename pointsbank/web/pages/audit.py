"""Pages: the audit log for coordinators (their communities) and admins (all), with CSV and XLSX export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pointsbank.audit import export, labels, queries
from pointsbank.audit.forms import AuditFilterForm
from pointsbank.audit.queries import AuditFilter
from pointsbank.db import run_in_unit
from pointsbank.errors import DomainError
from pointsbank.people import service as people
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("audit", __name__)
PER_PAGE = 50


def home_links(user) -> list[Link]:
    """The audit log tile for coordinators and admins."""
    if user.is_admin or user.coordinated_community_ids():
        return [Link(_("Audit log"), url_for("audit.index"), _("Who did what, when"))]
    return []


def _form() -> tuple[AuditFilterForm, AuditFilter | None]:
    """The filter form from the query string, and the filter it gives (None when the form is wrong)."""
    scope = queries.visible_communities(current_user)
    communities = people.communities_by_ids(scope) if scope is not None else people.grant_choices()[0]
    form = AuditFilterForm(request.args)
    form.community_id.choices = [(0, _("All my communities"))] + [(c.id, c.name) for c in communities]
    form.action.choices = [("", _("All actions"))] + [
        (code, labels.action_text(code)) for code in queries.actions_in_scope(current_user)
    ]
    if request.args.get("action") and request.args["action"] not in dict(form.action.choices):
        form.action.choices.append((request.args["action"], labels.action_text(request.args["action"])))
    if not form.validate():
        return form, None
    flt = AuditFilter(
        community_id=form.community_id.data or None,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    try:
        if form.phone.data:
            flt.person_id = queries.person_by_phone(form.phone.data)
        queries.query(current_user, flt)
    except DomainError as err:
        if err.status == 404 and err.code == "not_found":
            raise
        (form.phone if "phone" in err.code or "user" in err.code else form.date_to).errors.append(str(err.message))
        return form, None
    return form, flt


@bp.get("/audit")
@login_required
def index():
    """The audit log, newest first, filtered by community, person, action and date."""
    form, flt = _form()
    if flt is None:
        return render_template("audit/index.html", form=form, entries=[], total=0, page=1, pages=1, names={}), 400
    page = page_arg()
    entries, total = queries.page(current_user, flt, page, PER_PAGE)
    return render_template(
        "audit/index.html",
        form=form,
        entries=entries,
        names=queries.people_names(entries),
        labels=labels,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        query_args={k: v for k, v in request.args.items() if k != "page" and v},
    )


@bp.get("/audit/export.<fmt>")
@login_required
def download(fmt: str):
    """The filtered log as CSV (UTF-8 with BOM) or XLSX; the export itself is audited."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form_, flt = _form()
    if flt is None:
        abort(400)
    run_in_unit(lambda: export.record_export(current_user, flt, fmt))
    if fmt == "csv":
        body = stream_with_context(export.csv_chunks(current_user, flt))
        response = Response(body, mimetype="text/csv")
    else:
        response = Response(export.xlsx_bytes(current_user, flt), mimetype=export.XLSX_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename=audit.{fmt}"
    return response
