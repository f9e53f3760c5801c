"""Pages: login, logout, profile."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from pointsbank.errors import DomainError
from pointsbank.extensions import db, limiter
from pointsbank.people.auth import normalize_phone, verify_password
from pointsbank.people.forms import LoginForm
from pointsbank.people.models import User

bp = Blueprint("people", __name__)


def _login_phone_key() -> str:
    return "login-phone:" + (request.form.get("phone") or "").strip()


def _login_limit() -> str:
    return current_app.config["PB_LOGIN_LIMIT"]


def _only_failures(response) -> bool:
    """Count only failed attempts (a form shown again), not successful logins."""
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_login_phone_key, methods=["POST"], deduct_when=_only_failures,
               error_message="too_many_logins")
@limiter.limit(lambda: "20 per 15 minutes", methods=["POST"], deduct_when=_only_failures,
               error_message="too_many_logins")
def login():
    """Log in with mobile number and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = None
        try:
            phone = normalize_phone(form.phone.data)
            user = db.session.scalar(sa.select(User).where(User.phone == phone))
        except DomainError:
            pass
        if user is not None and user.active and verify_password(user, form.password.data):
            login_user(user, remember=False)
            target = request.args.get("next")
            if not target or not target.startswith("/") or target.startswith("//"):
                target = url_for("home.index")
            return redirect(target)
        form.password.errors.append(_("Wrong mobile number or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("people/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("home.index"))
