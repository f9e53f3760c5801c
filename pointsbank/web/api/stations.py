"""API: stations."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_stations", __name__, url_prefix="/api/v1", description="stations")
