"""API: the liability view — points outstanding against the stations' stock, per community and street. Read-only."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.insights import liability
from pointsbank.insights import schemas as s
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_liability",
    __name__,
    url_prefix="/api/v1",
    description="Liability: points outstanding, the stock's value, monthly issued vs redeemed, expiring points",
)


@blp.get("/communities/<int:community_id>/liability")
@blp.response(200, s.LiabilitySchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def community_liability(community_id: int):
    """A community you coordinate or oversee: residents' points outstanding, the stock that could honour them
    (in points and in yuan), issued vs redeemed in each of the last 12 months, and the points expiring next."""
    return liability.community_liability(current_user, community_id)


@blp.get("/streets/<int:street_id>/liability")
@blp.response(200, s.LiabilitySchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def street_liability(street_id: int):
    """Each community of a street you oversee, and the street's total row."""
    return liability.street_liability(current_user, street_id)
