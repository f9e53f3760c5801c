"""API: street and district dashboards for street and district officers. Read-only."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.insights import overview
from pointsbank.insights import schemas as s
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_overview",
    __name__,
    url_prefix="/api/v1",
    description="Street and district dashboards: each community's figures side by side (read-only)",
)


@blp.get("/streets/<int:street_id>/dashboard")
@blp.arguments(s.OverviewArgsSchema, location="query")
@blp.response(200, s.OverviewSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
def street_dashboard(args: dict, street_id: int):
    """Each community of a street you oversee, side by side, for the last `weeks` weeks, with weekly rows."""
    return overview.street_overview(current_user, street_id, args["weeks"])


@blp.get("/districts/<int:district_id>/dashboard")
@blp.arguments(s.OverviewArgsSchema, location="query")
@blp.response(200, s.OverviewSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
def district_dashboard(args: dict, district_id: int):
    """Each community of a district you oversee, side by side, for the last `weeks` weeks, with weekly rows."""
    return overview.district_overview(current_user, district_id, args["weeks"])
