"""Pages: object to an award in 公示 (异议), my objections, and the coordinators' queue and decision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import Invalid
from pointsbank.objections import service as objections
from pointsbank.objections.forms import DecisionForm, ObjectionForm
from pointsbank.reports import photos as photo_store
from pointsbank.web.nav import Link

bp = Blueprint("objections", __name__, url_prefix="/objections")
PER_PAGE = 20


def home_links(user) -> list[Link]:
    """My objections for residents; the queue for coordinators."""
    links = []
    if user.community_id is not None:
        links.append(Link(_l("My objections"), url_for("objections.mine"), _l("Objections to awards in 公示")))
    if user.coordinated_community_ids():
        links.append(Link(_l("Objections"), url_for("objections.queue"), _l("Objections waiting for a decision")))
    return links


@bp.route("/awards/<int:transfer_id>/new", methods=["GET", "POST"])
@login_required
def new(transfer_id: int):
    """Object to an award of my community while it is in 公示: a reason and an optional photo."""
    award = objections.award_for_resident(current_user, transfer_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        upload = request.files.get("photo")
        upload = upload if upload and upload.filename else None

        def file_it():
            if upload is not None:
                upload.stream.seek(0)  # the unit of work may run this again
            return objections.file_objection(current_user, transfer_id, form.reason.data, upload and upload.stream)

        try:
            unit_of_work(file_it)()
        except Invalid as err:
            form.photo.errors = [str(err.message)]
            return render_template("objections/new.html", form=form, award=award, labels=objections.LABELS), 400
        flash(_("Your objection was sent. A community worker who did not approve the award will decide."), "success")
        return redirect(url_for("objections.mine"))
    status = 400 if request.method == "POST" else 200
    return render_template("objections/new.html", form=form, award=award, labels=objections.LABELS), status


@bp.get("/mine")
@login_required
def mine():
    """The objections I filed and what became of them."""
    return render_template(
        "objections/mine.html", items=objections.objections_of(current_user), labels=objections.LABELS
    )


@bp.get("/queue")
@login_required
def queue():
    """Objections in my communities waiting for a decision (never those to an award I approved)."""
    status = request.args.get("status", "open")
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    items, total = objections.queue(current_user, status=status, page=page, per_page=PER_PAGE)
    return render_template(
        "objections/queue.html",
        items=items,
        total=total,
        page=page,
        per_page=PER_PAGE,
        status=status,
        form=DecisionForm(),
        labels=objections.LABELS,
    )


@bp.post("/<int:objection_id>/decision")
@login_required
@unit_of_work
def decide(objection_id: int):
    """Uphold (the award is reversed) or dismiss, with a reason; final."""
    objection = objections.objection_to_decide(objection_id, current_user)
    form = DecisionForm()
    if not form.validate_on_submit():
        raise Invalid("invalid_form", _l("Choose a decision and give a reason."))
    objections.decide(objection, current_user, form.outcome.data, form.reason.data)
    flash(_("Decision recorded; both residents are told."), "success")
    return redirect(url_for("objections.queue"))


@bp.get("/<int:objection_id>/photo")
@login_required
def photo(objection_id: int):
    """An objection's photo, for its objector and the coordinators who may decide it."""
    path = photo_store.path_of(objections.photo_of(objection_id, current_user))
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
