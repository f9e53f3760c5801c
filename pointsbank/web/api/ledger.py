"""API: ledger."""

from pointsbank.web.api.base import ApiBlueprint

blp = ApiBlueprint("api_ledger", __name__, url_prefix="/api/v1", description="ledger")
