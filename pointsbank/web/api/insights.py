"""API: insights."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_insights", __name__, url_prefix="/api/v1", description="insights")
