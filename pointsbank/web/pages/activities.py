"""Pages: volunteer activities, sign-up, QR check-in/out, attendance, posters, personal codes, teams."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pointsbank.activities import service as activities
from pointsbank.activities.forms import (
    SHANGHAI,
    ActivityForm,
    AttendanceForm,
    CodeForm,
    PlainForm,
    PosterCheckInForm,
    TeamForm,
    local_to_utc,
)
from pointsbank.activities.qr import qr_data_uri
from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError, NotFound
from pointsbank.rules import service as rules
from pointsbank.web.devices import note_device
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("activities", __name__, url_prefix="/activities")
PER_PAGE = 20


def _scan_message(action: str, name: str | None = None) -> str:
    messages = {
        "checked_in": _("Checked in. Scan again when you leave to check out."),
        "checked_out": _("Checked out. Thank you!"),
        "already_checked_in": _("Already checked in."),
        "already_checked_out": _("Already checked out."),
    }
    text = messages[action]
    return f"{name}：{text}" if name else text


def home_links(user) -> list[Link]:
    """Tiles: activities, my activities, my code, teams; a new activity for coordinators."""
    manager = user.has_role("coordinator") or user.is_admin
    if not (user.has_role("resident") or manager):
        return []
    links = [Link(_("Volunteer activities"), url_for("activities.index"), _("Sign up and earn points"))]
    if user.has_role("resident"):
        links.append(Link(_("My activities"), url_for("activities.mine"), _("Signed up, hours, points")))
        links.append(Link(_("My check-in code"), url_for("activities.my_code"), _("Show it to the coordinator")))
    links.append(Link(_("Teams"), url_for("activities.teams"), _("Volunteer teams and their totals")))
    if manager:
        links.append(Link(_("New activity"), url_for("activities.new"), _("Time, place, places, rule")))
    return links


def _is_manager() -> bool:
    return bool(current_user.has_role("coordinator") or current_user.is_admin)


def _managed_communities() -> list:
    return rules.managed_communities(current_user)


# ---------------------------------------------------------------- residents


@bp.get("/")
@login_required
def index():
    """Upcoming activities (and past ones on request)."""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    items, total = activities.list_activities(current_user, when=when, page=page_arg(), per_page=PER_PAGE)
    counts = activities.counts([a.id for a in items])
    mine = activities.my_signups_for(current_user, [a.id for a in items])
    return render_template(
        "activities/index.html",
        items=items,
        total=total,
        page=page_arg(),
        per_page=PER_PAGE,
        when=when,
        counts=counts,
        mine=mine,
        manager=_is_manager(),
    )


@bp.get("/<int:activity_id>")
@login_required
def detail(activity_id: int):
    """One activity: time, place, rule in plain words, places left, my sign-up."""
    activity = activities.get_activity(activity_id, current_user)
    counts = activities.counts([activity.id])[activity.id]
    version = rules.current_version(activity.rule, at=activity.starts_at) or rules.current_version(activity.rule)
    return render_template(
        "activities/detail.html",
        activity=activity,
        counts=counts,
        signup=activities.signup_of(activity, current_user.id),
        version=version,
        describe=rules.describe,
        form=PlainForm(),
        manage=rules.can_manage(current_user, activity.community_id),
        taken=counts.get("signed_up", 0) + counts.get("attended", 0) + counts.get("no_show", 0),
    )


@bp.post("/<int:activity_id>/signup")
@login_required
@unit_of_work
def sign_up(activity_id: int):
    """Sign me up (or put me on the waiting list)."""
    signup = activities.sign_up(current_user, activities.get_activity(activity_id, current_user))
    if signup.status == "waiting":
        flash(
            _("The activity is full: you are on the waiting list and move up when someone cancels."),
            "success",
        )
    else:
        flash(
            _("You are signed up. Scan the poster at the activity to check in."),
            "success",
        )
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/cancel")
@login_required
@unit_of_work
def cancel(activity_id: int):
    """Cancel my sign-up."""
    activities.cancel_signup(current_user, activities.get_activity(activity_id, current_user))
    flash(_("Your sign-up is cancelled."), "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.get("/mine")
@login_required
def mine():
    """My sign-ups with hours, points and any cap cut."""
    items, total = activities.my_signups(current_user, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "activities/mine.html",
        items=items,
        total=total,
        page=page_arg(),
        per_page=PER_PAGE,
    )


@bp.get("/my-code")
@login_required
def my_code():
    """My personal check-in code (QR and 6 digits); it refreshes every minute."""
    if not current_user.has_role("resident"):
        raise NotFound()
    payload, digits = activities.personal_code(current_user)
    return render_template(
        "activities/my_code.html",
        qr=qr_data_uri(payload),
        digits=digits,
        seconds=activities.DIGIT_STEP_SECONDS,
    )


@bp.get("/check-in")
@login_required
def check_in():
    """Where the poster QR leads: confirm the check-in (or check-out) with one tap."""
    code = request.args.get("c", "")
    activity = None
    try:
        activity = activities.activity_for_poster(code)
    except DomainError:  # an unknown code is shown as such below
        activity = None
    if activity is not None and activity.community_id != current_user.community_id:
        activity = None
    signup = activities.signup_of(activity, current_user.id) if activity else None
    form = PosterCheckInForm(code=code)
    return render_template("activities/check_in.html", activity=activity, signup=signup, form=form)


def _poster_check_in(code: str):
    result = activities.check_in_with_poster(current_user, code)
    note_device("check_in", current_user, current_user.community_id)
    return result


@bp.post("/check-in")
@login_required
def check_in_post():
    """Check in or out with the poster code."""
    form = PosterCheckInForm()
    if not form.validate_on_submit():
        flash(_("This is not an activity poster code."), "error")
        return redirect(url_for("activities.mine"))
    result = unit_of_work(lambda: _poster_check_in(form.code.data))()
    flash(_scan_message(result.action), "success")
    return redirect(url_for("activities.detail", activity_id=result.signup.activity_id))


# ---------------------------------------------------------------- coordinators


def _activity_form() -> ActivityForm:
    form = ActivityForm()
    communities = _managed_communities()
    form.community_id.choices = [(c.id, c.name) for c in communities]
    ids = [c.id for c in communities]
    published = rules.published_rules(ids)
    form.rule_id.choices = [
        (
            r.id,
            f"{r.category} · {r.title}{' · ' + r.latest.grade if r.latest.grade else ''}",
        )
        for r in published
    ]
    form.team_id.choices = [(0, _("No team"))] + [(t.id, t.name) for t in activities.teams_of(ids)]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Coordinator: create an activity under a published rule."""
    if not _is_manager():
        raise NotFound()
    form = _activity_form()
    if form.validate_on_submit():
        activity = unit_of_work(
            lambda: activities.create_activity(
                current_user,
                form.community_id.data,
                title=form.title.data,
                place=form.place.data,
                description=form.description.data or "",
                starts_at=local_to_utc(form.starts_at.data),
                ends_at=local_to_utc(form.ends_at.data),
                capacity=form.capacity.data,
                rule_id=form.rule_id.data,
                team_id=form.team_id.data or None,
            )
        )()
        flash(_("Activity created. Print its poster for check-in."), "success")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    return render_template("activities/form.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    """Coordinator: change an open activity (more places move people up from the waiting list)."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    form = _activity_form()
    del form.community_id
    if request.method == "GET":
        for name in ("title", "place", "description", "capacity", "rule_id"):
            getattr(form, name).data = getattr(activity, name)
        form.team_id.data = activity.team_id or 0
        form.starts_at.data = activities.utc(activity.starts_at).astimezone(SHANGHAI).replace(tzinfo=None)
        form.ends_at.data = activities.utc(activity.ends_at).astimezone(SHANGHAI).replace(tzinfo=None)
    elif form.validate_on_submit():
        unit_of_work(
            lambda: activities.update_activity(
                current_user,
                activity,
                title=form.title.data,
                place=form.place.data,
                description=form.description.data or "",
                starts_at=local_to_utc(form.starts_at.data),
                ends_at=local_to_utc(form.ends_at.data),
                capacity=form.capacity.data,
                rule_id=form.rule_id.data,
                team_id=form.team_id.data or None,
            )
        )()
        flash(_("Activity saved."), "success")
        return redirect(url_for("activities.detail", activity_id=activity.id))
    return render_template("activities/form.html", form=form, activity=activity), (
        400 if request.method == "POST" else 200
    )


@bp.post("/<int:activity_id>/call-off")
@login_required
@unit_of_work
def call_off(activity_id: int):
    """Coordinator: cancel the whole activity."""
    activities.cancel_activity(current_user, activities.get_activity(activity_id, current_user, manage=True))
    flash(_("The activity is called off."), "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.get("/<int:activity_id>/poster")
@login_required
def poster(activity_id: int):
    """A printable poster: title, time, place and the big check-in QR."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    url = url_for("activities.check_in", c=activities.poster_code(activity), _external=True)
    return render_template("activities/poster.html", activity=activity, qr=qr_data_uri(url))


@bp.get("/<int:activity_id>/attendance")
@login_required
def attendance(activity_id: int):
    """Coordinator: who signed up, checked in and out; close, correct, confirm."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    people = activities.signups(activity)
    return render_template(
        "activities/attendance.html",
        activity=activity,
        people=people,
        form=PlainForm(),
        attendance_form=AttendanceForm(),
        hours_of=activities.clipped_hours,
    )


@bp.post("/<int:activity_id>/close")
@login_required
@unit_of_work
def close(activity_id: int):
    """Coordinator: close attendance; people who never checked in become no-shows."""
    activities.close_activity(current_user, activities.get_activity(activity_id, current_user, manage=True))
    flash(
        _("Attendance closed. Check the hours, then confirm to award points."),
        "success",
    )
    return redirect(url_for("activities.attendance", activity_id=activity_id))


@bp.post("/<int:activity_id>/confirm")
@login_required
@unit_of_work
def confirm(activity_id: int):
    """Coordinator: confirm attendance; points are awarded under the rule (caps apply)."""
    activities.confirm_activity(current_user, activities.get_activity(activity_id, current_user, manage=True))
    flash(
        _("Confirmed. Points are awarded (or waiting for approval, where the rule asks for it)."),
        "success",
    )
    return redirect(url_for("activities.attendance", activity_id=activity_id))


@bp.post("/<int:activity_id>/signups/<int:signup_id>")
@login_required
def correct(activity_id: int, signup_id: int):
    """Coordinator: correct one volunteer's attendance before confirming."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    signup = activities.get_signup(activity, signup_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash(_("Hours must be between 0 and 24."), "error")
        return redirect(url_for("activities.attendance", activity_id=activity_id))
    hours = float(form.hours.data) if form.hours.data is not None else None
    unit_of_work(lambda: activities.set_attendance(current_user, signup, attended=form.attended.data, hours=hours))()
    flash(_("Attendance corrected."), "success")
    return redirect(url_for("activities.attendance", activity_id=activity_id))


@bp.route("/<int:activity_id>/scan", methods=["GET", "POST"])
@login_required
def scan(activity_id: int):
    """Coordinator: scan a volunteer's personal code (camera, or type the 6 digits)."""
    activity = activities.get_activity(activity_id, current_user, manage=True)
    form = CodeForm()
    if form.validate_on_submit():
        result = unit_of_work(lambda: activities.check_in_volunteer(current_user, activity, form.code.data))()
        flash(_scan_message(result.action, result.signup.user.name), "success")
        return redirect(url_for("activities.scan", activity_id=activity_id))
    return render_template("activities/scan.html", activity=activity, form=form)


# ---------------------------------------------------------------- teams


@bp.route("/teams", methods=["GET", "POST"])
@login_required
def teams():
    """Teams of my community with their totals; coordinators create teams here."""
    manager = _is_manager()
    form = TeamForm()
    communities = _managed_communities() if manager else []
    form.community_id.choices = [(c.id, c.name) for c in communities]
    if manager and form.validate_on_submit():
        unit_of_work(
            lambda: activities.create_team(
                current_user,
                form.community_id.data,
                form.name.data,
                form.description.data or "",
            )
        )()
        flash(_("Team created."), "success")
        return redirect(url_for("activities.teams"))
    scope = {c.id for c in communities}
    if current_user.community_id:
        scope.add(current_user.community_id)
    rows = activities.team_totals(scope, user_id=current_user.id)
    return render_template(
        "activities/teams.html",
        rows=rows,
        form=form,
        plain=PlainForm(),
        manager=manager,
        resident=current_user.has_role("resident"),
    )


@bp.post("/teams/<int:team_id>/join")
@login_required
@unit_of_work
def join(team_id: int):
    """Join a team of my community."""
    activities.join_team(current_user, activities.get_team(team_id, current_user))
    flash(_("You joined the team."), "success")
    return redirect(url_for("activities.teams"))


@bp.post("/teams/<int:team_id>/leave")
@login_required
@unit_of_work
def leave(team_id: int):
    """Leave a team."""
    activities.leave_team(current_user, activities.get_team(team_id, current_user))
    flash(_("You left the team."), "success")
    return redirect(url_for("activities.teams"))
