"""Pages: weekly points champions (积分冠军), the public board (公示) and the coordinator dashboard."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.errors import DomainError, NotFound
from pointsbank.insights import service as insights
from pointsbank.web.nav import Link

bp = Blueprint("insights", __name__, url_prefix="/insights")


def home_links(user) -> list[Link]:
    """Champions and the board for residents and coordinators; the dashboard for coordinators."""
    links = []
    if insights.default_community_id(user) is not None:
        links.append(Link(_l("Points champions"), url_for("insights.index"), _l("This week's top volunteers")))
        links.append(Link(_l("Public board"), url_for("insights.board_home"), _l("What was awarded this week")))
    if user.coordinated_community_ids():
        links.append(Link(_l("Community dashboard"), url_for("insights.dashboard_home"), _l("Figures and exports")))
    return links


@bp.app_template_filter("mask_name")
def mask_name(name: str) -> str:
    """A name as public views show it (张三丰 → 张*丰)."""
    return insights.mask(name)


def _default_community() -> int:
    community_id = insights.default_community_id(current_user)
    if community_id is None:
        raise NotFound("community_not_found")
    return community_id


def _week(endpoint: str, community_id: int) -> insights.Week | Response:
    """The ?week= argument; a bad one flashes the reason and goes back to this week."""
    try:
        return insights.parse_week(request.args.get("week"))
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for(endpoint, community_id=community_id))


def _week_nav(week: insights.Week) -> dict:
    this = insights.current_week()
    return {"week": week, "previous": week.previous(), "next": week.next() if week != this else None, "this": this}


@bp.get("/")
@login_required
def index():
    """My community's champions."""
    return redirect(url_for("insights.champions", community_id=_default_community()))


@bp.get("/board")
@login_required
def board_home():
    """My community's public board."""
    return redirect(url_for("insights.board", community_id=_default_community()))


@bp.get("/dashboard")
@login_required
def dashboard_home():
    """The dashboard of the first community I coordinate."""
    ids = current_user.coordinated_community_ids()
    if not ids:
        raise NotFound("community_not_found")
    return redirect(url_for("insights.dashboard", community_id=min(ids)))


@bp.get("/communities/<int:community_id>/champions")
@login_required
def champions(community_id: int):
    """Top residents and teams of a week; names masked unless you coordinate the community."""
    community = insights.community_for_viewer(current_user, community_id)
    week = _week("insights.champions", community.id)
    if isinstance(week, Response):
        return week
    full = insights.is_coordinator_of(current_user, community.id) and not request.args.get("public")
    return render_template(
        "insights/champions.html",
        community=community,
        residents=insights.champions(community.id, week),
        teams=insights.team_champions(community.id, week),
        last_week=insights.champions(community.id, week.previous(), limit=3) if not request.args.get("week") else [],
        full=full,
        **_week_nav(week),
    )


@bp.get("/communities/<int:community_id>/board")
@login_required
def board(community_id: int):
    """Every award of a week with totals, printable; reversed awards are marked."""
    community = insights.community_for_viewer(current_user, community_id)
    week = _week("insights.board", community.id)
    if isinstance(week, Response):
        return week
    full = insights.is_coordinator_of(current_user, community.id) and not request.args.get("public")
    return render_template(
        "insights/board.html",
        community=community,
        lines=insights.board(community.id, week),
        totals=insights.board_totals(community.id, week),
        full=full,
        coordinator=insights.is_coordinator_of(current_user, community.id),
        **_week_nav(week),
    )


@bp.get("/communities/<int:community_id>/dashboard")
@login_required
def dashboard(community_id: int):
    """This week's and this month's figures of a community you coordinate."""
    community = insights.community_for_coordinator(current_user, community_id)
    others = sorted(current_user.coordinated_community_ids() - {community.id})
    return render_template(
        "insights/dashboard.html",
        community=community,
        data=insights.dashboard(community.id),
        others=others,
        week=insights.current_week(),
    )


@bp.get("/communities/<int:community_id>/awards.csv")
@login_required
def awards_csv(community_id: int):
    """The week's awards as a CSV file Excel opens (UTF-8 with BOM); coordinators only."""
    community = insights.community_for_coordinator(current_user, community_id)
    week = _week("insights.dashboard", community.id)
    if isinstance(week, Response):
        return week
    body = insights.awards_csv(community.id, week)
    filename = f"awards-{community.id}-{week.label}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
