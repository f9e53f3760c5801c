"""Pages: file a report (随手拍), my reports; the coordinator's triage queue and hot topics."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError, Invalid, NotFound
from pointsbank.reports import photos as photo_store
from pointsbank.reports import publishing, service
from pointsbank.reports.forms import ActionForm, FileReportForm
from pointsbank.reports.labels import STATUS_LABELS
from pointsbank.reports.models import STATUSES
from pointsbank.rules import service as rule_service
from pointsbank.web.devices import note_device
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("reports", __name__, url_prefix="/reports")
PER_PAGE = 20
ACTION_LABELS = {
    "file": _l("Filed"),
    "accept": _l("Accepted"),
    "reject": _l("Not accepted"),
    "duplicate": _l("Marked as duplicate"),
    "assign": _l("Handed over"),
    "resolve": _l("Resolved"),
    "close": _l("Closed with a rating"),
    "autoclose": _l("Closed automatically"),
    "reopen": _l("Reopened"),
    "points": _l("Points decided"),
}
AGE_CHOICES = (1, 3, 7, 30)


def home_links(user) -> list[Link]:
    """Tiles: report a problem and my reports for residents; the queue and hot topics for coordinators."""
    links: list[Link] = []
    if user.has_role("resident"):
        links.append(Link(_("Report a problem (随手拍)"), url_for("reports.new"), _("Photo, place, done")))
        unread = service.unread_count(user.id)
        hint = _("%(n)d unread notices", n=unread) if unread else _("Status and history")
        links.append(Link(_("My reports"), url_for("reports.mine"), hint))
    if user.is_admin or user.coordinated_community_ids():
        links.append(Link(_("Report triage"), url_for("reports.triage"), _("Accept, assign, follow up")))
    if user.coordinated_community_ids():  # both pages are per community
        links.append(Link(_("Weekly hot topics"), url_for("reports.hot_topics"), _("Reports by category")))
        links.append(Link(_("Report categories"), url_for("reports.categories"), _("Time limits and paying rules")))
    return links


@bp.context_processor
def _labels():
    return {
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
        "unread_notices": service.unread_count(current_user.id) if current_user.is_authenticated else 0,
    }


# ---------------------------------------------------------------- resident


def _filing_form() -> FileReportForm:
    form = FileReportForm()
    community_id = current_user.community_id
    form.category_id.choices = [(c.id, c.name) for c in service.categories(community_id)]
    form.grid_id.choices = [(0, _("Not sure"))] + [(g.id, g.name) for g in service.community_grids(community_id)]
    if request.method == "GET" and current_user.grid_id:
        form.grid_id.data = current_user.grid_id
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """File a report from the phone: category, description, place, location on request, 1–3 photos."""
    if not current_user.has_role("resident"):
        raise NotFound()
    form = _filing_form()
    if form.validate_on_submit():
        filing = service.Filing(
            category_id=form.category_id.data,
            description=form.description.data,
            grid_id=form.grid_id.data or None,
            building=form.building.data or "",
            place=form.place.data or "",
            lat=form.lat.data,
            lon=form.lon.data,
        )
        uploads = [f for f in request.files.getlist("photos") if f and f.filename]

        def file_it():
            for upload in uploads:
                upload.stream.seek(0)  # the unit of work may run this again
            report = service.file_report(current_user, filing, [f.stream for f in uploads])
            note_device("report", current_user, report.community_id)
            return report

        try:
            report = unit_of_work(file_it)()
        except Invalid as err:  # nothing was stored: the unit of work rolled back
            form.photos.errors = [str(err.message)]
            return render_template("reports/new.html", form=form), 400
        flash(_("Thank you! Your report #%(id)s was sent.", id=report.id), "success")
        return redirect(url_for("reports.detail", report_id=report.id))
    status = 400 if request.method == "POST" else 200
    return render_template("reports/new.html", form=form), status


@bp.get("/")
@login_required
def mine():
    """My reports with their status."""
    page = page_arg()
    reports, total = service.my_reports(current_user, page=page, per_page=PER_PAGE)
    return render_template("reports/mine.html", reports=reports, total=total, page=page, per_page=PER_PAGE)


@bp.get("/<int:report_id>")
@login_required
def detail(report_id: int):
    """One report: status, history, photos; the actions the viewer may take."""
    report = service.visible_report(current_user, report_id)
    manager = service.is_manager(current_user, report.community_id)
    similar = service.suggestions(report) if report.status != "rejected" else []
    form = ActionForm()
    form.assignee_id.choices = [(0, _("Choose"))] + [(u.id, u.name) for u in service.grid_workers(report.community_id)]
    return render_template(
        "reports/detail.html",
        report=report,
        manager=manager,
        form=form,
        is_reporter=report.reporter_id == current_user.id,
        is_assignee=report.assignee_id == current_user.id,
        similar=similar,
    )


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    """A report photo, for the reporter, the assignee and the community's coordinators only."""
    item = service.visible_photo(current_user, photo_id)
    path = photo_store.path_of(item.filename)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _action_form() -> ActionForm:
    form = ActionForm()
    form.assignee_id.choices = []
    if not form.validate_on_submit():
        raise Invalid("invalid_form", _l("The form was not valid; try again."))
    return form


def _done(report_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("reports.detail", report_id=report_id))


@bp.post("/<int:report_id>/public-description")
@login_required
@unit_of_work
def publish(report_id: int):
    """Publish (or withdraw) the text Open311 shows for this report."""
    form = _action_form()
    text = None if "unpublish" in request.form else (form.note.data or "").strip() or None
    publishing.set_public_description(current_user, report_id, text)
    return _done(report_id, _("Published for Open311.") if text else _("Not shown on Open311."))


@bp.post("/<int:report_id>/<any(accept, reject, duplicate, assign, resolve, close, reopen):action>")
@login_required
@unit_of_work
def act(report_id: int, action: str):
    """Apply one status action from the detail page."""
    form = _action_form()
    # A duplicate mark locks the reports of both groups in its own order; other actions lock this one.
    report = service.visible_report(current_user, report_id, for_update=action != "duplicate")
    note = (form.note.data or "").strip()
    if action == "accept":
        service.accept(report, current_user, note)
    elif action == "reject":
        service.reject(report, current_user, form.reason.data or "")
    elif action == "duplicate":
        if not form.duplicate_of_id.data:
            raise Invalid("unknown_original", _l("Choose an earlier report of the same community."))
        service.mark_duplicate(report, current_user, form.duplicate_of_id.data, note)
    elif action == "assign":
        service.assign(
            report,
            current_user,
            assignee_id=form.assignee_id.data or None,
            department=form.department.data or "",
            note=note,
        )
    elif action == "resolve":
        upload = request.files.get("photo")
        if upload:
            upload.stream.seek(0)
        service.resolve(report, current_user, note, upload.stream if upload and upload.filename else None)
    elif action == "close":
        service.close(report, current_user, form.satisfaction.data or 0, note)
    else:
        service.reopen(report, current_user, note)
    return _done(report_id, _("Saved: %(status)s.", status=STATUS_LABELS[report.status]))


# ---------------------------------------------------------------- notices


@bp.get("/notices")
def notices():
    """The notice centre moved to /notices/ (one centre for every feature)."""
    page = request.args.get("page", type=int)
    return redirect(url_for("notices.index", page=page) if page and page > 1 else url_for("notices.index"))


# ---------------------------------------------------------------- coordinator


def _require_manager() -> None:
    if not (current_user.is_admin or current_user.coordinated_community_ids()):
        raise NotFound()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value and 0 < value < 2**31 else None


@bp.get("/triage")
@login_required
def triage():
    """The coordinator's queue: filter by status, category, grid and age; assign in bulk; overdue stands out."""
    _require_manager()
    status = request.args.get("status") or "open"
    if status not in (*STATUSES, "open", "all"):
        status = "open"
    flt = service.TriageFilter(
        status=None if status == "all" else status,
        category_id=_int_arg("category_id"),
        grid_id=_int_arg("grid_id"),
        older_than_days=_int_arg("older_than_days"),
        community_id=_int_arg("community_id"),
        overdue=request.args.get("overdue") == "1",
    )
    page = page_arg()
    reports, total = service.triage(current_user, flt, page=page, per_page=PER_PAGE)
    similar = service.suggestions_for(reports)
    community_ids = sorted(service.managed_community_ids(current_user) or {r.community_id for r in reports})
    categories, grids, workers = [], [], []
    for community_id in community_ids:
        categories += service.categories(community_id, active_only=False)
        grids += service.community_grids(community_id)
        workers += service.grid_workers(community_id)
    form = ActionForm()
    form.assignee_id.choices = [(0, _("Choose"))] + [(u.id, u.name) for u in {w.id: w for w in workers}.values()]
    return render_template(
        "reports/triage.html",
        reports=reports,
        similar=similar,
        total=total,
        page=page,
        per_page=PER_PAGE,
        flt=flt,
        status=status,
        categories=categories,
        grids=grids,
        form=form,
        statuses=STATUSES,
        age_choices=AGE_CHOICES,
    )


@bp.post("/triage/assign")
@login_required
@unit_of_work
def bulk_assign():
    """Assign the ticked reports to one grid worker or department."""
    _require_manager()
    form = _action_form()
    ids = [int(v) for v in request.form.getlist("report_id") if v.isdecimal() and len(v) < 10]
    reports = service.bulk_assign(
        current_user, ids, assignee_id=form.assignee_id.data or None, department=form.department.data or ""
    )
    flash(_("%(n)d reports assigned.", n=len(reports)), "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("reports.triage")
    )


@bp.get("/hot-topics")
@login_required
def hot_topics():
    """一周热点排序: the share of reports by category for a chosen week, as a table and a bar chart."""
    from pointsbank.web.api.reports import hot_topics_community

    community_id = hot_topics_community(_int_arg("community_id"))
    try:
        year, week = service.parse_week(request.args.get("week"))
    except DomainError as err:
        flash(str(err.message), "error")
        year, week = service.parse_week(None)
    items, total = service.hot_topics(community_id, year, week)
    start, end = service.week_bounds(year, week)
    top = max((i.count for i in items), default=0)
    return render_template(
        "reports/hot_topics.html",
        items=items,
        total=total,
        week=f"{year}-W{week:02d}",
        start=start,
        end=end,
        top=top,
        community=service.community_of(community_id),
    )


# ---------------------------------------------------------------- categories


def _managed_community(community_id: int | None):
    return service.managed_community(current_user, community_id)


def _category_values() -> dict:
    form = request.form

    def rule(name: str) -> int | None:
        value = form.get(name, "")
        return int(value) if value.isdecimal() and len(value) < 10 else None

    hours = form.get("time_limit_hours", "")
    if not hours.isdecimal() or len(hours) > 4 or not 1 <= int(hours) <= 8760:
        raise Invalid("invalid_time_limit", _l("The time limit is a number of hours from 1 to 8760."))
    return {
        "name": form.get("name", ""),
        "time_limit_hours": int(hours),
        "rule_id": rule("rule_id"),
        "resolve_rule_id": rule("resolve_rule_id"),
        "active": form.get("active") == "1",
    }


@bp.get("/categories")
@login_required
def categories():
    """The community's report categories: name, time limit, the rule that pays, the bonus rule, active."""
    community = _managed_community(_int_arg("community_id"))
    rules = rule_service.unretired_rules(community.id)
    return render_template(
        "reports/categories.html",
        community=community,
        categories=service.categories(community.id, active_only=False),
        rules=rules,
        form=ActionForm(),
    )


@bp.post("/categories")
@login_required
@unit_of_work
def save_category():
    """Add or change a category (category_id in the form changes that one)."""
    _action_form()
    community = _managed_community(request.form.get("community_id", type=int))
    category = None
    category_id = request.form.get("category_id", type=int)
    if category_id:
        category = service.get_category(current_user, category_id, community.id)
    service.save_category(current_user, community.id, category, **_category_values())
    flash(_("Category saved."), "success")
    return redirect(url_for("reports.categories", community_id=community.id))
