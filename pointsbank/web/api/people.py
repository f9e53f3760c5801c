"""API: the current user and personal API tokens."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.errors import Invalid
from pointsbank.people import accounts, phones, service, tokens
from pointsbank.people import login as logins
from pointsbank.people import settings as community_settings
from pointsbank.people.importing import import_residents, parse_sheet
from pointsbank.people.schemas import (
    CommunityPageSchema,
    CommunitySettingsSchema,
    DistrictTreeSchema,
    GrantPageSchema,
    GrantSchema,
    ImportFileSchema,
    ImportResultSchema,
    MeSchema,
    NameSchema,
    NewGrantSchema,
    NewPlaceSchema,
    NewResidentSchema,
    NewTokenArgsSchema,
    NewTokenSchema,
    PeoplePageArgsSchema,
    PlaceSchema,
    RegisteredResidentSchema,
    ResidentPageSchema,
    ResidentPatchSchema,
    ResidentSchema,
    RevealedPhoneSchema,
    SessionsEndedSchema,
    SettingsPatchSchema,
    TokenSchema,
)
from pointsbank.web.api.base import SECURITY, SESSION, ApiBlueprint, ErrorSchema, api_auth
from pointsbank.web.api.pagination import page_of

blp = ApiBlueprint("api_people", __name__, url_prefix="/api/v1", description="People: me and API tokens")


@blp.get("/me")
@blp.response(200, MeSchema)
@blp.doc(security=SECURITY)
@api_auth
def me():
    """The logged-in user, with roles and scopes."""
    return current_user


@blp.get("/tokens")
@blp.response(200, TokenSchema(many=True))
@blp.doc(security=SECURITY)
@api_auth
def list_tokens():
    """My personal API tokens, newest first (never the secret)."""
    return tokens.user_tokens(current_user)


@blp.post("/tokens")
@blp.arguments(NewTokenArgsSchema)
@blp.response(201, NewTokenSchema)
@blp.alt_response(400, schema=ErrorSchema, description="Malformed input or a wrong password")
@blp.alt_response(
    403,
    schema=ErrorSchema,
    description="session_required (a token cannot mint tokens) or reauth_required (type the password again)",
)
@blp.doc(security=[SESSION])
@api_auth
@unit_of_work
def new_token(data):
    """Create a personal API token with a scope and an expiry; the secret is in this answer only."""
    token, plain = accounts.new_token(
        current_user,
        g.get("pb_session"),
        data["name"],
        scope=data["scope"],
        days=data["expires_in_days"],
        password=data["password"],
    )
    token.token = plain
    return token


@blp.delete("/tokens/<int:token_id>")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema, description="Not one of my tokens")
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def revoke_token(token_id: int):
    """Revoke one of my tokens, for good."""
    accounts.revoke_token(current_user, token_id)


@blp.delete("/users/<int:user_id>/sessions")
@blp.response(200, SessionsEndedSchema)
@blp.alt_response(404, schema=ErrorSchema, description="Missing or outside your scope")
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def end_user_sessions(user_id: int):
    """End every session of a user (admins); their tokens keep working until revoked."""
    return {"ended": service.end_sessions_of(current_user, user_id)}


# --- the hierarchy -----------------------------------------------------------------------------------------

PLACE_KINDS = (("district", "districts"), ("street", "streets"), ("community", "communities"), ("grid", "grids"))
NOT_FOUND = {"schema": ErrorSchema, "description": "Missing or outside your scope"}
INVALID = {"schema": ErrorSchema, "description": "Malformed input"}


@blp.get("/districts")
@blp.response(200, DistrictTreeSchema(many=True))
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def list_districts():
    """The whole hierarchy 区 › 街道 › 社区 › 网格 (admins)."""
    service.require_admin(current_user)
    return service.hierarchy_tree()


def _place_endpoints(kind: str, plural: str) -> None:
    @blp.route(f"/{plural}", methods=["POST"], endpoint=f"add_{kind}")
    @blp.arguments(NewPlaceSchema)
    @blp.response(201, PlaceSchema)
    @blp.alt_response(400, **INVALID)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="The name is already used here")
    @blp.doc(security=SECURITY, summary=f"Add a {kind} (admins)")
    @api_auth
    @unit_of_work
    def add(data):
        service.require_admin(current_user)
        return service.add_place(kind, data["name"], data.get("parent_id"))

    @blp.route(f"/{plural}/<int:place_id>", methods=["PATCH"], endpoint=f"rename_{kind}")
    @blp.arguments(NameSchema)
    @blp.response(200, PlaceSchema)
    @blp.alt_response(400, **INVALID)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(409, schema=ErrorSchema, description="The name is already used here")
    @blp.doc(security=SECURITY, summary=f"Rename a {kind} (admins)")
    @api_auth
    @unit_of_work
    def rename(data, place_id: int):
        service.require_admin(current_user)
        return service.rename_place(kind, place_id, data["name"])

    @blp.route(f"/{plural}/<int:place_id>", methods=["DELETE"], endpoint=f"delete_{kind}")
    @blp.response(204)
    @blp.alt_response(404, **NOT_FOUND)
    @blp.alt_response(422, schema=ErrorSchema, description="Not empty")
    @blp.doc(security=SECURITY, summary=f"Delete an empty {kind} (admins)")
    @api_auth
    @unit_of_work
    def delete(place_id: int):
        service.require_admin(current_user)
        service.delete_place(kind, place_id)


for _kind, _plural in PLACE_KINDS:
    _place_endpoints(_kind, _plural)


@blp.get("/communities")
@blp.arguments(PeoplePageArgsSchema, location="query")
@blp.response(200, CommunityPageSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_communities(args):
    """Communities in my scope: all for admins, coordinated ones, my own as a resident."""
    items, total = service.communities_in_scope(current_user, args["page"], args["per_page"])
    return page_of(items, args, total)


# --- roles ---------------------------------------------------------------------------------------------------


@blp.get("/role-grants")
@blp.arguments(PeoplePageArgsSchema, location="query")
@blp.response(200, GrantPageSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def list_role_grants(args):
    """Every role grant, newest first (admins)."""
    service.require_admin(current_user)
    items, total = service.list_grants(args["page"], args["per_page"])
    return page_of(items, args, total)


@blp.post("/role-grants")
@blp.arguments(NewGrantSchema)
@blp.response(201, GrantSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def grant(data):
    """Grant a role: coordinator for a community, clerk for a station, officer for a street or district, or admin."""
    service.require_admin(current_user)
    user = service.find_user_by_phone(data["phone"])
    return service.grant_role_by_ids(
        user,
        data["role"],
        data.get("community_id"),
        data.get("station_id"),
        actor=current_user,
        street_id=data.get("street_id"),
        district_id=data.get("district_id"),
    )


@blp.delete("/role-grants/<int:grant_id>")
@blp.response(204)
@blp.alt_response(404, **NOT_FOUND)
@blp.alt_response(422, schema=ErrorSchema, description="Your own admin role")
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def revoke_grant(grant_id: int):
    """Take a role back (admins)."""
    service.require_admin(current_user)
    service.revoke_grant(grant_id, current_user)


# --- residents -----------------------------------------------------------------------------------------------


@blp.get("/communities/<int:community_id>/residents")
@blp.arguments(PeoplePageArgsSchema, location="query")
@blp.response(200, ResidentPageSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def list_residents(args, community_id: int):
    """Residents of a community I coordinate, in registration order."""
    community = service.community_in_scope(current_user, community_id)
    items, total = service.list_residents(community, args["page"], args["per_page"])
    return page_of(items, args, total)


@blp.post("/communities/<int:community_id>/residents")
@blp.arguments(NewResidentSchema)
@blp.response(201, RegisteredResidentSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.alt_response(409, schema=ErrorSchema, description="The number is already registered")
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def register_resident(data, community_id: int):
    """Register a resident; the temporary password is in this answer only."""
    community = service.community_in_scope(current_user, community_id)
    user, password = service.register_resident(
        community, data["name"], data["phone"], data.get("grid_id"), actor=current_user
    )
    return {"resident": user, "temporary_password": password}


@blp.post("/residents/<int:user_id>/phone-reveal")
@blp.response(200, RevealedPhoneSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def reveal_phone(user_id: int):
    """A resident's full mobile number (coordinator of their community or admin); each reveal is audited."""
    user = phones.reveal_phone(current_user, user_id)
    return {"id": user.id, "phone": user.phone}


@blp.post("/communities/<int:community_id>/resident-imports")
@blp.arguments(ImportFileSchema, location="files")
@blp.response(201, ImportResultSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.alt_response(
    422, schema=ErrorSchema, description="Bad rows (details.rows: row, column, code, message); nothing imported"
)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def import_residents_sheet(files, community_id: int):
    """Import residents from a CSV or XLSX sheet (姓名/name, 手机号/phone, 网格/grid): all rows or none."""
    community = service.community_in_scope(current_user, community_id)
    upload = files["sheet"]
    if not hasattr(upload, "read"):
        raise Invalid("unsupported_file", "Upload a .csv or .xlsx file.")
    slips = import_residents(community, parse_sheet(upload.filename or "", upload.read()), actor=current_user)
    return {"created": len(slips), "residents": [{"resident": u, "temporary_password": p} for u, p in slips]}


@blp.post("/communities/<int:community_id>/residents/<int:user_id>/password-resets")
@blp.response(201, RegisteredResidentSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def reset_resident_password(community_id: int, user_id: int):
    """A resident forgot their password: a new temporary one, in this answer only."""
    community = service.community_in_scope(current_user, community_id)
    user, password = service.reset_resident_password(community, user_id, actor=current_user)
    return {"resident": user, "temporary_password": password}


@blp.patch("/communities/<int:community_id>/residents/<int:user_id>")
@blp.arguments(ResidentPatchSchema)
@blp.response(200, ResidentSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.alt_response(422, schema=ErrorSchema, description="Your own account")
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def change_resident(data, community_id: int, user_id: int):
    """Deactivate a resident (sessions and tokens end) or let them back in (audited)."""
    community = service.community_in_scope(current_user, community_id)
    return service.set_resident_active(current_user, community, user_id, data["active"])


@blp.delete("/communities/<int:community_id>/residents/<int:user_id>/sessions")
@blp.response(200, SessionsEndedSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def end_resident_sessions(community_id: int, user_id: int):
    """Log a resident of a community I coordinate out everywhere (audited)."""
    return {"ended": service.end_sessions_of(current_user, user_id, community_id)}


@blp.post("/communities/<int:community_id>/residents/<int:user_id>/login-unlocks")
@blp.response(204)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def unlock_resident_login(community_id: int, user_id: int):
    """Let a resident locked out by failed logins try again now (audited)."""
    logins.unlock(current_user, service.community_in_scope(current_user, community_id), user_id)


# --- community settings --------------------------------------------------------------------------------------


@blp.get("/communities/<int:community_id>/settings")
@blp.response(200, CommunitySettingsSchema)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
def get_settings(community_id: int):
    """A community's settings (its coordinators)."""
    return community_settings.current(service.community_in_scope(current_user, community_id))


@blp.patch("/communities/<int:community_id>/settings")
@blp.arguments(SettingsPatchSchema)
@blp.response(200, CommunitySettingsSchema)
@blp.alt_response(400, **INVALID)
@blp.alt_response(404, **NOT_FOUND)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def change_settings(data, community_id: int):
    """Change some settings; out-of-range values are refused (400, details.fields) and nothing changes; audited."""
    community = service.community_in_scope(current_user, community_id)
    community_settings.update(current_user, community, data)
    return community_settings.current(community)
