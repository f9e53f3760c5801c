"""Pages: the liability view of a community (its coordinators, its officers) and of a street (its officers)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.insights import charts, liability
from pointsbank.insights.weeks import local_today
from pointsbank.people.settings import EXPIRY_LABELS

bp = Blueprint("liability", __name__, url_prefix="/insights")


def _page(data: dict, *, street: bool):
    return render_template(
        "insights/liability.html",
        data=data,
        street=street,
        title=_l("Points liability"),
        chart=charts.paired_bars,
        yuan=liability.yuan,
        policies=EXPIRY_LABELS,
        today=local_today(data["as_of"]),
    )


@bp.get("/communities/<int:community_id>/liability")
@login_required
def community(community_id: int):
    """Points outstanding against the stock at the community's stations; 404 outside your communities."""
    return _page(liability.community_liability(current_user, community_id), street=False)


@bp.get("/streets/<int:street_id>/liability")
@login_required
def street(street_id: int):
    """Each community of the street and the street's total; 404 unless you oversee the street."""
    return _page(liability.street_liability(current_user, street_id), street=True)
