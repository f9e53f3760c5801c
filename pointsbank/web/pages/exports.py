"""Page: pick a community or street in view, a kind, a period and a format, then download (streamed)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.errors import NotFound
from pointsbank.exports import service
from pointsbank.exports.options import scopes
from pointsbank.web.nav import Link

bp = Blueprint("exports", __name__, url_prefix="/exports")
KIND_LABELS = {
    "awards": _l("Awards"),
    "redemptions": _l("Redemptions"),
    "hours": _l("Volunteer hours per person"),
    "stock": _l("Stock movements"),
    "reports": _l("Reports"),
}


def home_links(user) -> list[Link]:
    if scopes(user):
        return [Link(_l("Exports"), url_for("exports.index"), _l("Download CSV or Excel for your communities"))]
    return []


@bp.get("/")
@login_required
def index():
    choices = scopes(current_user)
    if not choices:
        raise NotFound()
    today = date.today()
    return render_template(
        "exports/index.html",
        choices=choices,
        kinds=[(k, KIND_LABELS[k]) for k in service.KINDS],
        date_from=today.replace(day=1).isoformat(),
        date_to=today.isoformat(),
    )


@bp.get("/download")
@login_required
def download():
    """Without scripts the form lands here and goes on to the API's streamed file."""
    where, _, ident = request.args.get("scope", "").partition(":")
    kind, fmt = request.args.get("kind", ""), request.args.get("format", "csv")
    if where not in ("community", "street") or not ident.isdigit() or kind not in service.KINDS:
        raise NotFound()
    query = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    endpoint = f"api_exports.{where}_id_{fmt}"
    return redirect(url_for(endpoint, id=int(ident), kind=kind, **query))
