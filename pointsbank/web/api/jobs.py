"""API: scheduled jobs with their schedules and last runs, and the run history (admins)."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.jobs import schemas as s
from pointsbank.jobs import service
from pointsbank.paging import page_of_query
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint("api_jobs", __name__, url_prefix="/api/v1", description="Scheduled jobs and their runs (admins)")


@blp.get("/jobs")
@blp.response(200, s.JobListSchema)
@blp.doc(security=SECURITY)
@errors(401, 404)
@api_auth
def list_jobs():
    """Every periodic job, its schedule and its newest run."""
    service.require_admin(current_user)
    rows = service.overview()
    return {
        "items": [{"name": r.name, "title": str(r.title), "schedule": r.schedule, "last_run": r.last} for r in rows]
    }


@blp.get("/jobs/runs")
@blp.arguments(s.JobRunArgsSchema, location="query")
@blp.response(200, s.JobRunPageSchema)
@blp.doc(security=SECURITY)
@errors(400, 401, 404)
@api_auth
def list_runs(args):
    """Job runs, newest first: start, end, outcome, counts and error."""
    service.require_admin(current_user)
    return page_of_query(service.runs_query(args.get("job"), args.get("outcome")), args)
