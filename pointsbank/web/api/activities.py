"""API: volunteer activities, sign-ups, check-ins (poster and personal codes), confirmation, teams."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.activities import schemas as s
from pointsbank.activities import service as activities
from pointsbank.db import unit_of_work
from pointsbank.errors import NotFound
from pointsbank.web.api.base import IDEMPOTENCY_HEADER, SECURITY, ApiBlueprint, api_auth, errors
from pointsbank.web.api.pagination import PageArgsSchema, page_of
from pointsbank.web.devices import note_device

blp = ApiBlueprint(
    "api_activities",
    __name__,
    url_prefix="/api/v1",
    description="Volunteer activities, sign-ups, check-ins and teams",
)


def _require_resident() -> None:
    if not current_user.has_role("resident"):
        raise NotFound()


@blp.get("/activities")
@blp.arguments(s.ActivityQuerySchema, location="query")
@blp.response(200, s.ActivityPageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def list_activities(args):
    """Activities of my community and the communities I coordinate (upcoming soonest first)."""
    items, total = activities.list_activities(
        current_user,
        community_id=args.get("community_id"),
        when=args["when"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return page_of(items, args, total)


@blp.post("/activities")
@blp.arguments(s.ActivityCreateSchema)
@blp.response(201, s.ActivitySchema)
@errors(400, 401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def create_activity(data):
    """Create an activity under a published rule (coordinator of the community)."""
    community_id = data.pop("community_id")
    return activities.create_activity(current_user, community_id, **data)


@blp.get("/activities/<int:activity_id>")
@blp.response(200, s.ActivitySchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def get_activity(activity_id: int):
    """One activity."""
    return activities.get_activity(activity_id, current_user)


@blp.patch("/activities/<int:activity_id>")
@blp.arguments(s.ActivityUpdateSchema)
@blp.response(200, s.ActivitySchema)
@errors(400, 401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def update_activity(data, activity_id: int):
    """Change an open activity (coordinator); more places move people up from the waiting list."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    return activities.update_activity(current_user, activity, **data)


@blp.get("/activities/<int:activity_id>/signups")
@blp.response(200, s.SignupSchema(many=True))
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def list_signups(activity_id: int):
    """Everyone on the activity: signed up first, then the waiting list in order (coordinators)."""
    return activities.signups(activities.get_activity(activity_id, current_user, manage=True))


@blp.post("/activities/<int:activity_id>/signups")
@blp.response(201, s.SignupSchema)
@errors(401, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def sign_up(activity_id: int):
    """Sign me up; when the activity is full I go on the waiting list (status "waiting")."""
    _require_resident()
    return activities.sign_up(current_user, activities.get_activity(activity_id, current_user))


@blp.delete("/activities/<int:activity_id>/signups/me")
@blp.response(200, s.SignupSchema)
@errors(401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def cancel_signup(activity_id: int):
    """Cancel my sign-up; the first on the waiting list moves up."""
    return activities.cancel_signup(current_user, activities.get_activity(activity_id, current_user))


@blp.post("/check-ins")
@blp.arguments(s.CodeSchema)
@blp.response(200, s.ScanResultSchema)
@errors(400, 401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def poster_check_in(data):
    """I scanned an activity poster: the first scan checks me in, a later one checks me out (only in the window)."""
    _require_resident()
    result = activities.check_in_with_poster(current_user, data["code"])
    note_device("check_in", current_user, current_user.community_id)
    return result


@blp.post("/activities/<int:activity_id>/check-ins")
@blp.arguments(s.CodeSchema)
@blp.response(200, s.ScanResultSchema)
@errors(400, 401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def volunteer_check_in(data, activity_id: int):
    """A coordinator scanned (or typed) a volunteer's personal code: check in, or out on the next scan."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    return activities.check_in_volunteer(current_user, activity, data["code"])


@blp.post("/activities/<int:activity_id>/close")
@blp.response(200, s.ActivitySchema)
@errors(401, 404, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def close(activity_id: int):
    """Close attendance: sign-ups without a check-in become no-shows."""
    return activities.close_activity(current_user, activities.get_activity(activity_id, current_user, manage=True))


@blp.post("/activities/<int:activity_id>/confirm")
@blp.response(200, s.ActivitySchema)
@errors(401, 404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def confirm(activity_id: int):
    """Confirm attendance and award points under the rule (once, caps applied; approval rules queue instead)."""
    return activities.confirm_activity(current_user, activities.get_activity(activity_id, current_user, manage=True))


@blp.get("/me/check-in-code")
@blp.response(200, s.PersonalCodeSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def my_check_in_code():
    """My personal check-in code for a coordinator to scan (short-lived)."""
    _require_resident()
    code, digits = activities.personal_code(current_user)
    return {
        "code": code,
        "digits": digits,
        "expires_in": activities.PERSONAL_CODE_SECONDS,
    }


@blp.get("/me/signups")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.SignupPageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def my_signups(args):
    """My sign-ups with hours, points and any cap cut (newest activity first)."""
    items, total = activities.my_signups(current_user, page=args["page"], per_page=args["per_page"])
    return page_of(items, args, total)


# ---------------------------------------------------------------- teams


def _team_scope() -> set[int]:
    return activities.team_scope(current_user)


def _team_row(team_id: int) -> dict:
    for row in activities.team_totals(_team_scope(), user_id=current_user.id):
        if row["team"].id == team_id:
            return row
    raise NotFound()


@blp.get("/teams")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, s.TeamPageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def list_teams(args):
    """Teams with their totals (members, hours and points from activities), highest points first."""
    rows = activities.team_totals(_team_scope(), user_id=current_user.id)
    return page_of(rows, args)


@blp.post("/teams")
@blp.arguments(s.TeamCreateSchema)
@blp.response(201, s.TeamSchema)
@errors(400, 401, 404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def create_team(data):
    """Create a team (coordinator of the community)."""
    team = activities.create_team(current_user, data["community_id"], data["name"], data["description"])
    return _team_row(team.id)


@blp.post("/teams/<int:team_id>/members")
@blp.response(200, s.TeamSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def join_team(team_id: int):
    """Join a team of my community."""
    activities.join_team(current_user, activities.get_team(team_id, current_user))
    return _team_row(team_id)


@blp.delete("/teams/<int:team_id>/members/me")
@blp.response(200, s.TeamSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def leave_team(team_id: int):
    """Leave a team."""
    activities.leave_team(current_user, activities.get_team(team_id, current_user))
    return _team_row(team_id)
