"""Page: scheduled jobs, their schedules and recent runs (admins)."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.jobs import service
from pointsbank.jobs.registry import JOBS
from pointsbank.paging import page_of_query
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")
PER_PAGE = 30
OUTCOME_LABELS = {"running": _l("Running"), "ok": _l("Done"), "failed": _l("Failed")}


def home_links(user) -> list[Link]:
    """A tile for admins."""
    if not user.is_admin:
        return []
    return [Link(_l("Scheduled jobs"), url_for("jobs.index"), _l("Schedules and recent runs"))]


@bp.get("/")
@login_required
def index():
    """Every job with its schedule and last run; the runs below, newest first."""
    service.require_admin(current_user)
    job = request.args.get("job") if request.args.get("job") in JOBS else None
    page = page_arg()
    runs = page_of_query(service.runs_query(job), {"page": page, "per_page": PER_PAGE})
    return render_template(
        "jobs/index.html", rows=service.overview(), runs=runs, job=job, outcomes=OUTCOME_LABELS, titles=JOBS
    )
