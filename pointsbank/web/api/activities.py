"""API: activities."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_activities", __name__, url_prefix="/api/v1", description="activities")
