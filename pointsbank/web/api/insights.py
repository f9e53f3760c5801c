"""API: weekly points champions, the public board (公示) and the coordinator dashboard. Read-only."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from pointsbank.insights import schemas as s
from pointsbank.insights import service as insights
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_insights",
    __name__,
    url_prefix="/api/v1",
    description="Insights: weekly points champions, the public board and the coordinator dashboard (read-only)",
)


def _week_fields(week: insights.Week) -> dict[str, Any]:
    return {"week": week.label, "starts_on": week.monday, "ends_on": week.sunday}


def _champion(c: insights.Champion, full: bool) -> dict[str, Any]:
    """A ranked row; user ids and full names only for coordinators (and for your own row)."""
    return {
        "rank": c.rank,
        "user_id": c.user_id if full else None,
        "name": c.name if full else insights.mask(c.name),
        "points": c.points,
        "awards": c.awards,
    }


@blp.get("/communities/<int:community_id>/champions")
@blp.arguments(s.ChampionsArgsSchema, location="query")
@blp.response(200, s.ChampionsSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
def champions(args: dict, community_id: int):
    """The week's points champions (积分冠军): top residents and teams by points earned; names masked for residents.

    With the community's "champions after 公示" setting, residents get empty lists (`withheld`) until every award of
    the week has passed 公示 (`withheld_until`, null while an objection is open); coordinators always get them.
    The residents come a page at a time (`page`, `per_page`); `me` is your own row with its rank on any page.
    """
    community = insights.community_for_viewer(current_user, community_id)
    week = insights.pick_week(args.get("week"), args.get("day"))
    full = insights.is_coordinator_of(current_user, community.id)
    ranking = insights.champion_page(community.id, week, current_user.id, page=args["page"], per_page=args["per_page"])
    residents = [_champion(c, full) for c in ranking.residents]
    teams = [vars(t) for t in insights.team_champions(community.id, week)]
    mine, total = ranking.mine, ranking.total
    held = insights.withheld(community.id, week)
    if held is not None and not full:
        residents, teams, mine, total = [], [], None, 0
    return {
        "community_id": community.id,
        **_week_fields(week),
        "residents": residents,
        "teams": teams,
        "me": _champion(mine, True) if mine else None,
        "total": total,
        "page": args["page"],
        "per_page": args["per_page"],
        "withheld": held is not None,
        "withheld_until": held.until if held else None,
    }


@blp.get("/communities/<int:community_id>/board")
@blp.arguments(s.BoardArgsSchema, location="query")
@blp.response(200, s.BoardSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
def board(args: dict, community_id: int):
    """The public board (公示): every award of the week, oldest first, reversed ones marked, with totals."""
    community = insights.community_for_viewer(current_user, community_id)
    week = insights.pick_week(args.get("week"), args.get("day"))
    full = insights.is_coordinator_of(current_user, community.id)
    totals = insights.board_totals(community.id, week)
    lines = insights.board(community.id, week, page=args["page"], per_page=args["per_page"])
    items = [
        {
            "transfer_id": line.transfer_id,
            "created_at": line.created_at,
            "name": line.name if full else line.masked_name,
            "memo": line.memo,
            "points": line.points,
            "reversed": line.reversed,
            "reversed_at": line.reversed_at,
        }
        for line in lines
    ]
    return {
        "community_id": community.id,
        **_week_fields(week),
        "totals": vars(totals),
        "items": items,
        "total": totals.awards,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.get("/communities/<int:community_id>/dashboard")
@blp.response(200, s.DashboardSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def dashboard(community_id: int):
    """This week's and this month's figures of a community you coordinate or oversee (street, district)."""
    community = insights.community_for_reader(current_user, community_id)
    return insights.dashboard(community.id)


@blp.get("/communities/<int:community_id>/todo")
@blp.response(200, s.TodoSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def todo(community_id: int):
    """What waits for you in a community you coordinate: awards, reports, objections, adjustments, low stock."""
    community = insights.community_for_coordinator(current_user, community_id)
    return {"community_id": community.id, **vars(insights.todo(current_user, {community.id}))}
