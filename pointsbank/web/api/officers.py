"""API: street and district officers appoint and take back the coordinators of the communities below them."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.people import scope, service
from pointsbank.people.schemas import GrantSchema, NewCoordinatorSchema
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_officers",
    __name__,
    url_prefix="/api/v1",
    description="Officers: coordinators of the communities below a street or district",
)


@blp.get("/communities/<int:community_id>/coordinators")
@blp.response(200, GrantSchema(many=True))
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def list_coordinators(community_id: int):
    """The coordinators of a community below your street or district (officers and admins; others 404)."""
    scope.overseen(current_user, community_id)
    return scope.coordinator_grants([community_id])[community_id]


@blp.post("/communities/<int:community_id>/coordinators")
@blp.arguments(NewCoordinatorSchema)
@blp.response(201, GrantSchema)
@errors(400, 401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def appoint_coordinator(data: dict, community_id: int):
    """Make the person with this mobile number a coordinator of the community (audited; idempotent)."""
    scope.overseen(current_user, community_id)
    user = service.find_user_by_phone(data["phone"])
    return scope.grant_coordinator_in_view(current_user, user, community_id)


@blp.delete("/communities/<int:community_id>/coordinators/<int:grant_id>")
@blp.response(204)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def take_back_coordinator(community_id: int, grant_id: int):
    """Take a coordinator role of the community back (audited)."""
    scope.revoke_coordinator_in_view(current_user, grant_id, community_id)
