"""Pages: login, logout, my account and tokens, residents of a community, the hierarchy and roles."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from pointsbank.db import run_in_unit, unit_of_work
from pointsbank.errors import DomainError
from pointsbank.extensions import limiter
from pointsbank.people import accounts, phones, service, sessions, tokens
from pointsbank.people import login as logins
from pointsbank.people.forms import (
    ImportForm,
    LoginForm,
    PasswordForm,
    ResidentForm,
    TokenForm,
)
from pointsbank.people.importing import import_residents, parse_sheet, template_sheet
from pointsbank.people.models import Community
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("people", __name__)


def _address_limit() -> str:
    return current_app.config["PB_LOGIN_ADDRESS_LIMIT"]


def _only_failures(response) -> bool:
    """Count only failed attempts (a form shown again), not successful logins."""
    return request.method == "POST" and response.status_code != 302


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or /\\host, which browsers treat as another site)."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\") or any(c < " " for c in target):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_only_failures, error_message="too_many_logins")
def login():
    """Log in with mobile number and password; failed attempts are limited per number and per address."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        key = logins.number_key(form.phone.data)
        if logins.is_locked(key):
            abort(429)
        user = logins.check_credentials(form.phone.data, form.password.data)
        if user is not None:
            secret = run_in_unit(lambda: sessions.start(user, request.remote_addr))
            session.clear()
            session[sessions.SESSION_KEY] = secret
            login_user(user, remember=False)
            return redirect(_safe_next(request.args.get("next")))
        run_in_unit(lambda: logins.count_failure(key))
        form.password.errors.append(_("Wrong mobile number or password."))
    status = 400 if request.method == "POST" else 200
    return render_template("people/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Log out: this session ends on the server (a saved cookie no longer works)."""
    secret = session.pop(sessions.SESSION_KEY, None)
    if isinstance(secret, str):
        run_in_unit(lambda: sessions.end(secret))
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("home.index"))


# Pages a user with a temporary password may still open before choosing their own password.
_OPEN_WITH_TEMPORARY = {
    "people.change_password",
    "people.logout",
    "people.login",
    "static",
    "home.set_language",
    "home.toggle_elder",
}


@bp.before_app_request
def _ask_for_own_password():
    """A resident registered with a temporary password chooses their own at the first login."""
    if (
        request.endpoint not in _OPEN_WITH_TEMPORARY
        and not request.path.startswith(("/api/", "/static/"))
        and current_user.is_authenticated
        and current_user.must_change_password
    ):
        return redirect(url_for("people.change_password"))
    return None


ROLE_LABELS = {
    "resident": _l("Resident"),
    "clerk": _l("Station clerk"),
    "coordinator": _l("Coordinator"),
    "street_officer": _l("Street officer"),
    "district_officer": _l("District officer"),
    "admin": _l("Admin"),
}
COLUMN_LABELS = {"name": _l("Name"), "phone": _l("Mobile number"), "grid": _l("Grid")}


@bp.app_context_processor
def _labels() -> dict:
    return {"role_labels": ROLE_LABELS, "column_labels": COLUMN_LABELS}


def home_links(user) -> list[Link]:
    """Tiles: my account for everyone; residents per coordinated community; places and roles for admins."""
    links: list[Link] = []
    for community in service.communities_by_ids(user.coordinated_community_ids()):
        links.append(
            Link(
                _("Residents of %(name)s", name=community.name),
                url_for("people.residents", community_id=community.id),
                _("Register or import residents"),
            )
        )
        links.append(
            Link(
                _("Settings of %(name)s", name=community.name),
                url_for("people.community_settings_page", community_id=community.id),
                _("Expiry, four-eyes threshold, public notice, undo, reservations"),
            )
        )
    if user.is_admin:
        links.append(Link(_("Communities and grids"), url_for("people.places"), _("District, street, community, grid")))
        links.append(Link(_("Roles"), url_for("people.roles"), _("Coordinators, clerks, admins")))
    links.append(Link(_("My account"), url_for("people.account"), _("Password, API tokens")))
    return links


# --- my account --------------------------------------------------------------------------------------------


@bp.get("/account")
@login_required
def account():
    """My profile: name, number, community, roles."""
    return render_template("people/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@unit_of_work
def change_password():
    """Choose a new password (asked at the first login after a temporary one)."""
    form = PasswordForm()
    if form.validate_on_submit():
        record = g.get("pb_session")
        try:
            service.change_password(
                current_user, form.current.data, form.new.data, keep_session_id=record.id if record else None
            )
        except DomainError as err:
            (form.current if err.code == "wrong_password" else form.new).errors.append(str(err.message))
        else:
            flash(
                _(
                    "Your password has been changed. You were logged out on every other device "
                    "and your API tokens were revoked."
                ),
                "success",
            )
            return redirect(url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("people/password.html", form=form), status


@bp.post("/account/sessions/end-others")
@login_required
@unit_of_work
def end_other_sessions():
    """Log out on every other device."""
    ended = accounts.end_my_other_sessions(current_user, g.get("pb_session"))
    flash(_("Logged out on %(n)d other devices.", n=ended), "success")
    return redirect(url_for("people.account"))


@bp.route("/account/tokens", methods=["GET", "POST"], endpoint="tokens")
@login_required
@unit_of_work
def tokens_page():
    """Personal API tokens: create one (password again, scope, expiry; secret shown once), list, revoke."""
    form = TokenForm()
    form.scope.choices = [(k, str(v)) for k, v in tokens.SCOPE_LABELS.items()]
    record = g.get("pb_session")
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = accounts.new_token(
                current_user,
                record,
                form.name.data,
                scope=form.scope.data,
                days=form.days.data,
                password=form.password.data,
            )
        except DomainError as err:
            if err.status == 404:
                raise
            form.password.errors = list(form.password.errors) + [str(err.message)]
        else:
            form = TokenForm(formdata=None)
            form.scope.choices = [(k, str(v)) for k, v in tokens.SCOPE_LABELS.items()]
    status = 400 if request.method == "POST" and secret is None else 200
    return render_template(
        "people/tokens.html",
        form=form,
        tokens=tokens.user_tokens(current_user),
        secret=secret,
        scope_labels=tokens.SCOPE_LABELS,
        password_recent=sessions.password_is_recent(record),
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
@unit_of_work
def revoke_token(token_id: int):
    """Revoke one of my tokens; it stops working at once, for good."""
    accounts.revoke_token(current_user, token_id)
    flash(_("The token was revoked."), "success")
    return redirect(url_for("people.tokens"))


# --- residents of a community (coordinators) ---------------------------------------------------------------


def _resident_form(community: Community) -> ResidentForm:
    form = ResidentForm()
    form.grid_id.choices = [(0, _("(no grid yet)"))] + [(g.id, g.name) for g in community.grids]
    return form


def _residents_page(community: Community, form: ResidentForm, import_form: ImportForm, status: int = 200, **extra):
    page = page_arg()
    residents, total = service.list_residents(community, page=page, per_page=PER_PAGE)
    return render_template(
        "people/residents.html",
        community=community,
        form=form,
        import_form=import_form,
        residents=residents,
        locked=logins.locked_ids(residents),
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        **extra,
    ), status


PER_PAGE = 50


@bp.route("/communities/<int:community_id>/residents", methods=["GET", "POST"])
@login_required
@unit_of_work
def residents(community_id: int):
    """A community's residents; register one (a temporary password is shown once)."""
    community = service.community_in_scope(current_user, community_id)
    form = _resident_form(community)
    if form.validate_on_submit():
        try:
            user, password = service.register_resident(
                community, form.name.data, form.phone.data, form.grid_id.data or None, actor=current_user
            )
        except DomainError as err:
            field = form.phone if "phone" in err.code else form.grid_id if "grid" in err.code else form.name
            field.errors = list(field.errors) + [str(err.message)]
        else:
            return render_template("people/registered.html", community=community, slips=[(user, password)]), 201
    status = 400 if request.method == "POST" else 200
    return _residents_page(community, form, ImportForm(formdata=None), status)


@bp.post("/communities/<int:community_id>/residents/import")
@login_required
@unit_of_work
def import_sheet(community_id: int):
    """Import residents from a CSV or XLSX sheet: all rows or none; bad rows listed with their reasons."""
    community = service.community_in_scope(current_user, community_id)
    import_form = ImportForm()
    form = _resident_form(community)
    form.process(formdata=None)
    if not import_form.validate_on_submit():
        return _residents_page(community, form, import_form, 400)
    upload = import_form.sheet.data
    try:
        slips = import_residents(community, parse_sheet(upload.filename, upload.read()), actor=current_user)
    except DomainError as err:
        bad_rows = err.details.get("rows", []) if err.details else []
        return _residents_page(community, form, import_form, 422, import_error=str(err.message), bad_rows=bad_rows)
    return render_template("people/registered.html", community=community, slips=slips), 201


@bp.post("/communities/<int:community_id>/residents/<int:user_id>/phone")
@login_required
@unit_of_work
def reveal_phone(community_id: int, user_id: int):
    """Show one resident's full mobile number on the list, on purpose; each press is audited."""
    community = service.community_in_scope(current_user, community_id)
    user = phones.reveal_phone(current_user, user_id)
    if user.community_id != community.id:
        abort(404)
    form = _resident_form(community)
    form.process(formdata=None)
    return _residents_page(community, form, ImportForm(formdata=None), shown={user.id: user.phone})


@bp.post("/communities/<int:community_id>/residents/<int:user_id>/reset-password")
@login_required
@unit_of_work
def reset_password(community_id: int, user_id: int):
    """Give a resident who forgot their password a new temporary one (shown once)."""
    community = service.community_in_scope(current_user, community_id)
    user, password = service.reset_resident_password(community, user_id, actor=current_user)
    return render_template("people/registered.html", community=community, slips=[(user, password)], reset=True)


@bp.post("/communities/<int:community_id>/residents/<int:user_id>/end-sessions")
@login_required
@unit_of_work
def end_resident_sessions(community_id: int, user_id: int):
    """Log a resident out everywhere (a lost phone, a shared computer); audited."""
    ended = service.end_sessions_of(current_user, user_id, community_id)
    flash(_("%(n)d sessions were ended.", n=ended), "success")
    return redirect(url_for("people.residents", community_id=community_id))


@bp.post("/communities/<int:community_id>/residents/<int:user_id>/active")
@login_required
@unit_of_work
def set_resident_active(community_id: int, user_id: int):
    """Deactivate a resident (they are logged out everywhere) or let them back in; audited."""
    community = service.community_in_scope(current_user, community_id)
    active = request.form.get("active") == "1"
    user = service.set_resident_active(current_user, community, user_id, active)
    flash(
        _("%(name)s can log in again.", name=user.name) if active else _("%(name)s is deactivated.", name=user.name),
        "success",
    )
    return redirect(url_for("people.residents", community_id=community_id))


@bp.post("/communities/<int:community_id>/residents/<int:user_id>/unlock")
@login_required
@unit_of_work
def unlock_login(community_id: int, user_id: int):
    """Let a resident locked out by failed logins try again now; audited."""
    community = service.community_in_scope(current_user, community_id)
    logins.unlock(current_user, community, user_id)
    flash(_("The resident can log in again."), "success")
    return redirect(url_for("people.residents", community_id=community_id))


@bp.get("/communities/<int:community_id>/residents/template.xlsx")
@login_required
def sheet_template(community_id: int):
    """An empty import sheet with the Chinese column names and this community's grids as examples."""
    community = service.community_in_scope(current_user, community_id)
    body = template_sheet([g.name for g in community.grids])
    return send_file(
        io.BytesIO(body),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="residents.xlsx",
    )


# The admin pages (hierarchy, roles) and community settings live beside this module, on the same blueprint.
from pointsbank.web.pages import people_admin  # noqa: E402, F401
