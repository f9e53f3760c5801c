"""Pages: weekly points champions (积分冠军), the public board (公示) and the coordinator dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.activities.qr import qr_data_uri
from pointsbank.errors import DomainError, NotFound
from pointsbank.insights import charts, overview
from pointsbank.insights import service as insights
from pointsbank.ledger import seal as ledger_seal
from pointsbank.objections import service as objections
from pointsbank.web.nav import Link

bp = Blueprint("insights", __name__, url_prefix="/insights")
SEAL_WEEKS = 8  # how far back the public seal page lists
PAGE_SIZE = 20  # rows per page of the champions and the board


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
    """The ?day= of the calendar (its week) or the ?week= argument; a bad one flashes the reason, back to this week."""
    try:
        return insights.pick_week(request.args.get("week"), request.args.get("day"))
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(url_for(endpoint, community_id=community_id))


def _week_nav(week: insights.Week) -> dict:
    """Previous / next week (no next beyond this week) and today's date for the calendar."""
    this = insights.current_week()
    later = (week.year, week.number) < (this.year, this.number)
    today = insights.local_today()
    return {
        "week": week,
        "previous": week.previous(),
        "next": week.next() if later else None,
        "this": this,
        "today": today,
    }


def _page(total: int) -> dict:
    """?page= (from 1, past the end is the last page) and the page count, PAGE_SIZE rows each."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return {"page": page, "pages": pages, "total": total, "offset": (page - 1) * PAGE_SIZE}


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
    coordinator = insights.is_coordinator_of(current_user, community.id)
    full = coordinator and not request.args.get("public")
    # With champions after 公示, residents see the week's champions once its awards have passed it.
    picked = request.args.get("week") or request.args.get("day")
    held_weeks = insights.withheld_weeks(community.id, [week] if picked else [week, week.previous()])
    held = held_weeks[week]
    shown = coordinator or held is None
    last_week = [] if picked or held_weeks[week.previous()] else None
    ranking = None
    if shown:
        page = request.args.get("page", 1, type=int) or 1
        ranking = insights.champion_page(community.id, week, current_user.id, page=page, per_page=PAGE_SIZE, clamp=True)
    pager = _page(ranking.total if ranking else 0)
    residents = ranking.residents if ranking else []
    mine = ranking.mine if ranking else None
    return render_template(
        "insights/champions.html",
        community=community,
        residents=residents,
        mine=mine,
        mine_here=mine is not None and any(c.user_id == mine.user_id for c in residents),
        pager=pager,
        teams=insights.team_champions(community.id, week) if shown else [],
        last_week=insights.champions(community.id, week.previous(), limit=3) if last_week is None else [],
        full=full,
        held=held,
        **_week_nav(week),
    )


def _board_page(community, week: insights.Week, *, full: bool, coordinator: bool, public: bool):
    """The board's page: lines with 公示 state, totals, the ledger's latest seal and the QR codes to print."""
    totals = insights.board_totals(community.id, week)
    # ?all=1: every line on one page, for printing the notice board.
    pager = _page(0 if request.args.get("all") else totals.awards)
    size = insights.BOARD_MAX_LINES if request.args.get("all") else PAGE_SIZE
    lines = insights.board(community.id, week, page=pager["page"], per_page=size)
    resident_here = not public and current_user.is_authenticated and current_user.community_id == community.id
    objected = objections.mine_for(current_user, [line.transfer_id for line in lines]) if resident_here else set()
    public_url = url_for("insights.public_board", community_id=community.id, week=week.label, _external=True)
    seals_url = url_for("insights.public_seals", _external=True)
    seal = ledger_seal.latest_seal()
    return render_template(
        "insights/board.html",
        community=community,
        lines=lines,
        totals=totals,
        pager=pager,
        full=full,
        coordinator=coordinator,
        public=public,
        objected=objected,
        resident_here=resident_here,
        labels=objections.LABELS,
        seal=seal,
        seal_short=ledger_seal.short(seal.hash) if seal else None,
        public_url=public_url,
        public_qr=qr_data_uri(public_url),
        seals_qr=qr_data_uri(seals_url),
        seals_url=seals_url,
        **_week_nav(week),
    )


@bp.get("/communities/<int:community_id>/board")
@login_required
def board(community_id: int):
    """Every award of a week with its 公示 state and totals, printable; residents may object while in 公示."""
    community = insights.community_for_viewer(current_user, community_id)
    week = _week("insights.board", community.id)
    if isinstance(week, Response):
        return week
    coordinator = insights.is_coordinator_of(current_user, community.id)
    full = coordinator and not request.args.get("public")
    return _board_page(community, week, full=full, coordinator=coordinator, public=False)


@bp.get("/public/communities/<int:community_id>/board")
def public_board(community_id: int):
    """The printable public board of a community and week, without login: masked names only."""
    community = insights.public_community(community_id)
    week = _week("insights.public_board", community.id)
    if isinstance(week, Response):
        return week
    return _board_page(community, week, full=False, coordinator=False, public=True)


@bp.get("/public/seals")
def public_seals():
    """The ledger's seals of the last weeks, without login: a printed hash anchors the chain outside the database."""
    since = insights.local_midnight(insights.local_today() - timedelta(weeks=SEAL_WEEKS))
    seals = ledger_seal.recent_seals(since)
    return render_template("insights/seals.html", seals=seals, weeks=SEAL_WEEKS, short=ledger_seal.short)


@bp.get("/communities/<int:community_id>/dashboard")
@login_required
def dashboard(community_id: int):
    """This week's and this month's figures of a community you coordinate or oversee, with weekly charts."""
    community = insights.community_for_reader(current_user, community_id)
    others = sorted(current_user.coordinated_community_ids() - {community.id})
    data, trend = overview.dashboard_with_trend(community.id)
    return render_template(
        "insights/dashboard.html",
        community=community,
        data=data,
        others=others,
        week=insights.current_week(),
        trend=trend,
        chart=charts.weekly_bars,
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
