"""Pages on the people blueprint: the hierarchy and roles (admins), community settings (coordinators)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError
from pointsbank.people import service
from pointsbank.people import settings as community_settings
from pointsbank.people.forms import GrantForm, PlaceForm, settings_form
from pointsbank.web.pages.people import PER_PAGE, bp
from pointsbank.web.paging import page_arg

# --- hierarchy and roles (admins) ----------------------------------------------------------------------------


def _try(action, success: str) -> None:
    """Run an admin action; a refusal (not a missing object) becomes an error message on the same page."""
    try:
        action()
    except DomainError as err:
        if err.status == 404:
            raise
        flash(str(err.message), "error")
    else:
        flash(success, "success")


KIND_LABELS = {"district": _l("District"), "street": _l("Street"), "community": _l("Community"), "grid": _l("Grid")}


@bp.get("/admin/places")
@login_required
def places():
    """The hierarchy 区 › 街道 › 社区 › 网格 with forms to add, rename and delete."""
    service.require_admin(current_user)
    return render_template("admin/places.html", districts=service.hierarchy_tree(), form=PlaceForm(), kinds=KIND_LABELS)


@bp.post("/admin/places/<kind>")
@login_required
@unit_of_work
def add_place(kind: str):
    """Add a place under its parent."""
    service.require_admin(current_user)
    form = PlaceForm()
    if not form.validate_on_submit():
        flash(_("Enter a name of 1 to 80 characters."), "error")
    else:
        _try(lambda: service.add_place(kind, form.name.data, request.form.get("parent_id", type=int)), _("Saved."))
    return redirect(url_for("people.places"))


@bp.post("/admin/places/<kind>/<int:place_id>/rename")
@login_required
@unit_of_work
def rename_place(kind: str, place_id: int):
    """Rename a place."""
    service.require_admin(current_user)
    form = PlaceForm()
    if not form.validate_on_submit():
        flash(_("Enter a name of 1 to 80 characters."), "error")
    else:
        _try(lambda: service.rename_place(kind, place_id, form.name.data), _("Saved."))
    return redirect(url_for("people.places"))


@bp.post("/admin/places/<kind>/<int:place_id>/delete")
@login_required
@unit_of_work
def delete_place(kind: str, place_id: int):
    """Delete an empty place."""
    service.require_admin(current_user)
    _try(lambda: service.delete_place(kind, place_id), _("Deleted."))
    return redirect(url_for("people.places"))


def _grant_form() -> GrantForm:
    form = GrantForm()
    communities, stations = service.grant_choices()
    form.community_id.choices = [(0, "—")] + [(c.id, c.name) for c in communities]
    form.station_id.choices = [(0, "—")] + [(s.id, s.name) for s in stations]
    streets, districts = service.officer_choices()
    form.street_id.choices = [(0, "—")] + [(s.id, s.name) for s in streets]
    form.district_id.choices = [(0, "—")] + [(d.id, d.name) for d in districts]
    return form


@bp.route("/admin/roles", methods=["GET", "POST"])
@login_required
@unit_of_work
def roles():
    """Role grants: coordinator for a community, clerk for a station, officer for a street or district, admin."""
    service.require_admin(current_user)
    form = _grant_form()
    if form.validate_on_submit():
        try:
            user = service.find_user_by_phone(form.phone.data)
            service.grant_role_by_ids(
                user,
                form.role.data,
                form.community_id.data or None,
                form.station_id.data or None,
                actor=current_user,
                street_id=form.street_id.data or None,
                district_id=form.district_id.data or None,
            )
        except DomainError as err:
            form.phone.errors = list(form.phone.errors) + [str(err.message)]
        else:
            flash(_("Role granted to %(name)s.", name=user.name), "success")
            return redirect(url_for("people.roles"))
    page = page_arg()
    grants, total = service.list_grants(page=page, per_page=PER_PAGE)
    status = 400 if request.method == "POST" else 200
    places = {("community", v): label for v, label in form.community_id.choices}
    places.update({("station", v): label for v, label in form.station_id.choices})
    places.update({("street", v): label for v, label in form.street_id.choices})
    places.update({("district", v): label for v, label in form.district_id.choices})
    return render_template(
        "admin/roles.html",
        form=form,
        grants=grants,
        total=total,
        page=page,
        places=places,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
    ), status


@bp.post("/admin/roles/<int:grant_id>/revoke")
@login_required
@unit_of_work
def revoke_role(grant_id: int):
    """Take a role back."""
    service.require_admin(current_user)
    _try(lambda: service.revoke_grant(grant_id, current_user), _("The role was taken back."))
    return redirect(url_for("people.roles"))


# --- community settings (coordinators) ------------------------------------------------------------------------


@bp.route("/communities/<int:community_id>/settings", methods=["GET", "POST"])
@login_required
@unit_of_work
def community_settings_page(community_id: int):
    """A community's settings; each change is audited with its before and after."""
    community = service.community_in_scope(current_user, community_id)
    form = settings_form(community)
    if form.validate_on_submit():
        changes = {s.name: getattr(form, s.name).data for s in community_settings.SETTINGS}
        changes = {name: value for name, value in changes.items() if value is not None}
        try:
            changed = community_settings.update(current_user, community, changes)
        except DomainError as err:
            for name, message in (err.details or {}).get("fields", {}).items():
                getattr(form, name).errors = list(getattr(form, name).errors) + [message]
        else:
            flash(_("Saved: %(n)d settings changed.", n=len(changed)) if changed else _("Nothing changed."), "success")
            return redirect(url_for("people.community_settings_page", community_id=community.id))
    status = 400 if request.method == "POST" else 200
    return render_template("people/settings.html", community=community, form=form), status
