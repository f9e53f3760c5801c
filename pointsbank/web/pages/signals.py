"""Pages: fraud signals of my communities and the review form (never an automatic penalty)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import Invalid, NotFound
from pointsbank.paging import page_of_query
from pointsbank.signals import review as signals
from pointsbank.signals.forms import ReviewForm
from pointsbank.signals.labels import LABELS
from pointsbank.web.devices import set_device_cookie
from pointsbank.web.nav import Link

bp = Blueprint("signals", __name__, url_prefix="/signals")
PER_PAGE = 20
bp.after_app_request(set_device_cookie)


def home_links(user) -> list[Link]:
    """The signals list for coordinators."""
    if not user.coordinated_community_ids():
        return []
    return [Link(_l("Fraud signals"), url_for("signals.index"), _l("Unusual patterns to review"))]


def _int(name: str, default: int | None) -> int | None:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


@bp.get("/")
@login_required
def index():
    """Signals of one of my communities (the first by default), open ones first."""
    communities = sorted(current_user.coordinated_community_ids())
    community_id = _int("community", communities[0] if communities else None)
    if community_id is None:
        raise NotFound("community_not_found")
    status = request.args.get("status") or None
    page = max(1, _int("page", 1) or 1)
    query = signals.signals_query(current_user, community_id, status)
    result = page_of_query(query, {"page": page, "per_page": PER_PAGE})
    return render_template(
        "signals/index.html",
        result=result,
        community_id=community_id,
        communities=communities,
        status=status,
        form=ReviewForm(),
        labels=LABELS,
    )


@bp.post("/<int:signal_id>/review")
@login_required
@unit_of_work
def review(signal_id: int):
    """Dismiss or confirm a signal with a note."""
    signal = signals.signal_for(current_user, signal_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        raise Invalid("invalid_form", _l("Choose a review and write a note."))
    signals.review(current_user, signal.id, form.status.data, form.note.data)
    flash(_("Review recorded."), "success")
    return redirect(url_for("signals.index", community=signal.community_id))
