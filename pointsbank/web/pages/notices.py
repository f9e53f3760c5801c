"""Pages: the notice centre (list, open, mark all read) and my channels and quiet hours."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import Invalid
from pointsbank.notices import codes, service
from pointsbank.notices.forms import ActionForm, PreferenceForm
from pointsbank.paging import page_of_query
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("notices", __name__, url_prefix="/notices")
PER_PAGE = 20
CHANNEL_LABELS = {"log": _l("Service log"), "webhook": _l("Community system"), "sms": _l("SMS"), "wechat": _l("WeChat")}


def home_links(user) -> list[Link]:
    """The notice centre, with the unread count."""
    unread = service.unread_count(user.id)
    hint = _l("%(n)d unread", n=unread) if unread else _l("Nothing new")
    return [Link(_l("Notices"), url_for("notices.index"), hint)]


@bp.get("/")
@login_required
def index():
    """My notices, newest first, each in my language."""
    page = page_of_query(service.notices_query(current_user.id), {"page": page_arg(), "per_page": PER_PAGE})
    return render_template(
        "notices/index.html",
        page=page,
        unread=service.unread_count(current_user.id),
        render=codes.render,
        form=ActionForm(),
    )


def _check_form() -> None:
    if not ActionForm().validate_on_submit():
        raise Invalid("csrf_failed", _l("The form expired; please try again."))


@bp.post("/<int:notice_id>/open")
@login_required
@unit_of_work
def open_notice(notice_id: int):
    """Mark a notice read and follow its link."""
    _check_form()
    notice = service.notice_for(current_user.id, notice_id)
    service.mark_read(current_user.id, notice_id)
    return redirect(service.safe_link(notice) or url_for("notices.index"))


@bp.post("/read-all")
@login_required
@unit_of_work
def read_all():
    """Mark all my notices read."""
    _check_form()
    service.mark_read(current_user.id)
    return redirect(url_for("notices.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@unit_of_work
def settings():
    """Which channels besides the app, and when to stay quiet."""
    pref = service.preference(current_user.id)
    offered = service.offered_choices()
    form = PreferenceForm()
    form.channels.choices = [(name, CHANNEL_LABELS.get(name, name)) for name in offered]
    if not form.is_submitted():
        form.channels.data = service.channels_for(current_user.id, pref)
        form.quiet_start.data = pref.quiet_start if pref else ""
        form.quiet_end.data = pref.quiet_end if pref else ""
    if form.validate_on_submit():
        service.save_preference(
            current_user.id,
            channels=list(form.channels.data or []),
            quiet_start=form.quiet_start.data,
            quiet_end=form.quiet_end.data,
        )
        flash(_("Saved."), "success")
        return redirect(url_for("notices.settings"))
    return render_template("notices/settings.html", form=form, offered=offered)
