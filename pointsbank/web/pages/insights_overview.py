"""Pages: street and district dashboards for street and district officers (read-only)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.insights import charts, overview
from pointsbank.web.nav import Link

bp = Blueprint("overview", __name__, url_prefix="/insights")


def home_links(user) -> list[Link]:
    """The street or district dashboard for officers."""
    links = []
    for grant in user.grants:
        if grant.role == "street_officer" and grant.street_id:
            url = url_for("overview.street", street_id=grant.street_id)
            links.append(Link(_l("Street dashboard"), url, _l("Every community of your street")))
        elif grant.role == "district_officer" and grant.district_id:
            url = url_for("overview.district", district_id=grant.district_id)
            links.append(Link(_l("District dashboard"), url, _l("Every community of your district")))
    return links


def _page(data: dict, title):
    return render_template("insights/overview.html", data=data, title=title, chart=charts.weekly_bars)


@bp.get("/streets/<int:street_id>/")
@login_required
def street(street_id: int):
    """Each community of the street side by side, with weekly trends."""
    return _page(overview.street_overview(current_user, street_id), _l("Street dashboard"))


@bp.get("/districts/<int:district_id>/")
@login_required
def district(district_id: int):
    """Each community of the district side by side, with weekly trends."""
    return _page(overview.district_overview(current_user, district_id), _l("District dashboard"))
