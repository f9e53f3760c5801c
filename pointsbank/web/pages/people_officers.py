"""Pages: street and district officers appoint and take back the coordinators of their communities."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError
from pointsbank.people import scope, service
from pointsbank.people.forms import CoordinatorForm
from pointsbank.web.nav import Link

bp = Blueprint("officers", __name__, url_prefix="/officers")


def home_links(user) -> list[Link]:
    """The coordinators page for street and district officers."""
    if not scope.is_officer(user):
        return []
    hint = _l("Appoint or take back community coordinators")
    return [Link(_l("Coordinators"), url_for("officers.coordinators"), hint)]


@bp.route("/coordinators", methods=["GET", "POST"])
@login_required
@unit_of_work
def coordinators():
    """Each community below the officer with its coordinators; a form to appoint one by mobile number."""
    communities = scope.managed_communities(current_user)
    form = CoordinatorForm()
    form.community_id.choices = [(c.id, f"{c.street.name} · {c.name}") for c in communities]
    if form.validate_on_submit():
        try:
            user = service.find_user_by_phone(form.phone.data)
            scope.grant_coordinator_in_view(current_user, user, form.community_id.data)
        except DomainError as err:
            if err.status == 404 and err.code != "user_not_found":
                raise
            form.phone.errors = list(form.phone.errors) + [str(err.message)]
        else:
            flash(_("%(name)s is now a coordinator.", name=user.name), "success")
            return redirect(url_for("officers.coordinators"))
    grants = scope.coordinator_grants([c.id for c in communities])
    status = 400 if request.method == "POST" else 200
    return render_template("people/coordinators.html", form=form, communities=communities, grants=grants), status


@bp.post("/coordinators/<int:grant_id>/revoke")
@login_required
@unit_of_work
def revoke(grant_id: int):
    """Take a coordinator role back (audited)."""
    scope.revoke_coordinator_in_view(current_user, grant_id)
    flash(_("The role was taken back."), "success")
    return redirect(url_for("officers.coordinators"))
