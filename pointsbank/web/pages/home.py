"""Home page per role, language switch and the elder-mode switch."""

from __future__ import annotations

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.web.hooks import ELDER_COOKIE, LOCALE_COOKIE, elder_mode

bp = Blueprint("home", __name__)
ONE_YEAR = 365 * 24 * 3600


def _back():
    target = request.form.get("next") or request.args.get("next") or request.referrer or ""
    if target.startswith(request.host_url):
        target = "/" + target[len(request.host_url) :]
    if not target.startswith("/") or target[1:2] in ("/", "\\") or any(c < " " for c in target):
        target = url_for("home.index")
    return redirect(target)


@bp.get("/")
def index():
    """Each role starts from its own home page."""
    if not current_user.is_authenticated:
        return render_template("home/welcome.html")
    return render_template("home/index.html")


@bp.post("/lang/<code>")
@unit_of_work
def set_language(code: str):
    """Switch the language for this browser (and remember it for the user)."""
    from flask import current_app

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
    """The one 长辈版 switch; remembered in a cookie and on the user."""
    enabled = not elder_mode()
    if current_user.is_authenticated:
        current_user.elder_mode = enabled
    response = make_response(_back())
    response.set_cookie(ELDER_COOKIE, "1" if enabled else "0", max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
