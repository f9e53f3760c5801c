"""API: reports."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_reports", __name__, url_prefix="/api/v1", description="reports")
