"""API: rules."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_rules", __name__, url_prefix="/api/v1", description="rules")
