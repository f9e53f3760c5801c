"""Home page per role, 我的 (more), the forgotten-password help, the web app manifest, language and elder mode."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.web.hooks import ELDER_COOKIE, LOCALE_COOKIE, elder_mode
from pointsbank.web.nav import home_groups

bp = Blueprint("home", __name__)
ONE_YEAR = 365 * 24 * 3600
THEME_COLOUR = "#b3261e"


@dataclass(frozen=True)
class Action:
    """A primary action on the resident's home: an icon, a label, where it goes, an optional count."""

    icon: str
    title: str
    url: str
    count: int = 0


@dataclass(frozen=True)
class Counter:
    """A figure on the coordinator's home that asks for work, with the page that does it."""

    title: str
    value: int
    url: str


def _back():
    target = request.form.get("next") or request.args.get("next") or request.referrer or ""
    if target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    if not target.startswith("/") or target[1:2] in ("/", "\\") or any(c < " " for c in target):
        target = url_for("home.index")
    return redirect(target)


def _resident_context(user) -> dict:
    """Balance, points expiring soon, unread notices and the six primary actions."""
    from pointsbank.ledger import expiry
    from pointsbank.ledger import service as ledger
    from pointsbank.reports import service as reports

    account = ledger.find_resident_account(user)
    unread = reports.unread_count(user.id)
    actions = [
        Action("earn", _("How to earn"), url_for("rules.how_to_earn")),
        Action("activities", _("Activities"), url_for("activities.index")),
        Action("report", _("Snap a problem"), url_for("reports.new")),
        Action("stations", _("Stations"), url_for("stations.index")),
        Action("champions", _("Champions"), url_for("insights.index")),
        Action("messages", _("Messages"), url_for("notices.index"), unread),
    ]
    return {
        "balance": ledger.balance_of(account),
        "soon": expiry.expiring_soon(account),
        "actions": actions,
        "unread": unread,
        "suggest_elder": request.cookies.get(ELDER_COOKIE) is None and not user.elder_mode,
    }


def _coordinator_sections(user) -> tuple[list[tuple[str, str, list[Counter]]], list]:
    """The coordinator's counters grouped (待办, 库存) and the goods running out, in a fixed few statements."""
    from pointsbank.insights import service as insights

    work = insights.todo(user, user.coordinated_community_ids())
    waiting = [
        Counter(_("Awards waiting for approval"), work.awards_pending, url_for("rules.approvals")),
        Counter(
            _("Reports waiting for a decision"),
            work.reports_waiting,
            url_for("reports.triage", status="submitted"),
        ),
        Counter(_("Reports overdue"), work.reports_overdue, url_for("reports.triage", status="open", overdue=1)),
        Counter(_("Objections waiting"), work.objections_waiting, url_for("objections.queue")),
        Counter(
            _("Adjustments waiting for a second coordinator"),
            work.adjustments_pending,
            url_for("ledger.adjustments"),
        ),
    ]
    stock = [Counter(_("Items low on stock"), work.low_stock_count, url_for("stations.index"))]
    sections = [("todo", _("To do"), waiting), ("stock", _("Stock"), stock)]
    return sections, work.low_stock


@bp.get("/")
def index():
    """Each role starts from its own home page."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    user = current_user
    staff = bool(user.is_admin or user.coordinated_community_ids() or user.clerk_station_ids())
    context: dict = {"groups": home_groups(user), "staff": staff}
    if current_user.has_role("resident"):
        context.update(_resident_context(current_user))
    if current_user.coordinated_community_ids():
        context["sections"], context["low_stock"] = _coordinator_sections(current_user)
    return render_template("home/index.html", **context)


@bp.get("/me")
@login_required
def me():
    """我的: every page the user may open, grouped, with account, tokens and settings."""
    return render_template("home/me.html", groups=home_groups(current_user))


@bp.get("/forgot-password")
def forgot_password():
    """How a forgotten password is reset: the community worker gives a one-time password."""
    return render_template("home/forgot.html")


@bp.get("/stations/pay/status")
@login_required
def pay_status():
    """What became of the pay code on my phone (?digits=): the page polls this and opens the receipt once used."""
    from pointsbank.stations import paycodes

    digits = request.args.get("digits", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) == 8):
        return jsonify({"state": "unknown"}), 400
    state, redemption_id = paycodes.pay_code_state(current_user, digits)
    body: dict = {"state": state}
    if state.startswith("refused:"):
        reason = state.split(":", 1)[1]
        body = {"state": "refused", "reason": reason, "message": paycodes.refusal_text(reason)}
    if redemption_id is not None:
        body["receipt"] = url_for("stations.receipt", redemption_id=redemption_id, paid=1)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest in the reader's language, so a phone can add the bank to its home screen."""
    icons = [
        {"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": url_for("static", filename="icons/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    icons.append({"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"})
    body = {
        "name": _("Points Bank"),
        "short_name": _("Points Bank"),
        "description": _(
            "Earn points by volunteering and reporting problems in your neighbourhood; spend them at community stations."  # noqa: E501
        ),
        "lang": "zh-Hans" if str(get_locale()).startswith("zh") else "en",
        "start_url": url_for("home.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f4f0",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.post("/lang/<code>")
@unit_of_work
def set_language(code: str):
    """Switch the language for this browser (and remember it for the user)."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = code
    response = make_response(_back())
    response.set_cookie(LOCALE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.post("/elder")
@unit_of_work
def toggle_elder():
    """The one 长辈版 switch (mode=1/0 sets it, nothing toggles); remembered in a cookie and on the user."""
    mode = request.form.get("mode")
    enabled = mode == "1" if mode in ("1", "0") else not elder_mode()
    if current_user.is_authenticated:
        current_user.elder_mode = enabled
    response = make_response(_back())
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
