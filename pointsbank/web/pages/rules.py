"""Pages: how to earn (residents); rules and the approval queue (coordinators)."""

from __future__ import annotations

import secrets
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import NotFound
from pointsbank.reports import photos as photo_store
from pointsbank.reports import service as reports
from pointsbank.rules import service as rules
from pointsbank.rules.forms import AwardForm, BulkForm, RejectForm, RuleForm, local_date
from pointsbank.rules.models import PendingAward
from pointsbank.web.devices import note_device
from pointsbank.web.nav import Link
from pointsbank.web.paging import page_arg

bp = Blueprint("rules", __name__, url_prefix="/rules")
PER_PAGE = 20


def home_links(user) -> list[Link]:
    """Tiles: how to earn and my awards for residents; rules and approvals for coordinators."""
    links: list[Link] = []
    if user.has_role("resident"):
        links.append(
            Link(
                _("How to earn"),
                url_for("rules.how_to_earn"),
                _("Points for what you do"),
            )
        )
        links.append(
            Link(
                _("My awards"),
                url_for("rules.my_awards"),
                _("Waiting for approval or decided"),
            )
        )
    if user.has_role("coordinator") or user.is_admin:
        links.append(Link(_("Point rules"), url_for("rules.index"), _("Draft, publish, retire")))
        links.append(Link(_("Approvals"), url_for("rules.approvals"), _("Awards waiting for you")))
    return links


def _require_manager() -> None:
    if not (current_user.has_role("coordinator") or current_user.is_admin):
        raise NotFound()


def _community_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in rules.managed_communities(current_user)]


@bp.get("/how-to-earn")
@login_required
def how_to_earn():
    """The rules in force in my community, grouped by category, in plain words."""
    community_id = current_user.community_id
    if community_id is None:
        scope = sorted(current_user.coordinated_community_ids())
        community_id = scope[0] if scope else None
    versions = rules.rules_in_force(community_id) if community_id else []
    groups = [(category, list(items)) for category, items in groupby(versions, key=lambda v: v.rule.category)]
    return render_template(
        "rules/how_to_earn.html",
        groups=groups,
        paid=reports.categories_by_rule(community_id) if community_id else {},
        describe=rules.describe,
        evidence_words=rules.evidence_words,
    )


@bp.get("/")
@login_required
def index():
    """Coordinator: every rule of my communities with its status."""
    _require_manager()
    status = request.args.get("status") or None
    items, total = rules.list_rules(current_user, status=status, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "rules/index.html",
        items=items,
        total=total,
        page=page_arg(),
        per_page=PER_PAGE,
        status=status,
        describe=rules.describe,
        current_version=rules.current_version,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Coordinator: draft a new rule."""
    _require_manager()
    form = RuleForm()
    form.community_id.choices = _community_choices()
    if form.validate_on_submit():
        rule = _create(form)
        flash(_("Draft saved. Publish it to put it in force."), "success")
        return redirect(url_for("rules.detail", rule_id=rule.id))
    if request.method == "GET":
        form.valid_from.data = _today()
    return render_template("rules/form.html", form=form, rule=None), 400 if request.method == "POST" else 200


def _today():
    from datetime import datetime

    return datetime.now(rules.SHANGHAI).date()


@unit_of_work
def _create(form: RuleForm):
    return rules.create_rule(current_user, form.community_id.data, **form.values())


@bp.get("/<int:rule_id>")
@login_required
def detail(rule_id: int):
    """A rule with all its versions."""
    rule = rules.get_rule(rule_id, current_user)
    manage = rules.can_manage(current_user, rule.community_id)
    return render_template(
        "rules/detail.html",
        rule=rule,
        manage=manage,
        describe=rules.describe,
        evidence_words=rules.evidence_words,
        current=rules.current_version(rule),
        form=BulkForm(),
    )


@bp.route("/<int:rule_id>/edit", methods=["GET", "POST"])
@login_required
def edit(rule_id: int):
    """Change a rule: a draft changes in place, a published rule gets a new version."""
    rule = rules.get_rule(rule_id, current_user, manage=True)
    form = RuleForm(obj=None)
    del form.community_id
    if request.method == "GET":
        latest = rule.latest
        for name in (
            "points",
            "unit",
            "grade",
            "cap_day",
            "cap_week",
            "cap_month",
            "evidence",
            "needs_approval",
        ):
            getattr(form, name).data = getattr(latest, name)
        form.category.data, form.title.data, form.description.data = (
            rule.category,
            rule.title,
            rule.description,
        )
        form.valid_from.data = local_date(latest.valid_from)
        form.valid_until.data = local_date(latest.valid_until, last_day=True)
    elif form.validate_on_submit():
        version = unit_of_work(lambda: rules.update_rule(current_user, rule, **form.values()))()
        if rule.status == "published":
            flash(
                _(
                    "Saved as version %(n)s; past awards keep their version.",
                    n=version.version,
                ),
                "success",
            )
        else:
            flash(_("Draft saved."), "success")
        return redirect(url_for("rules.detail", rule_id=rule.id))
    return render_template("rules/form.html", form=form, rule=rule), 400 if request.method == "POST" else 200


@bp.post("/<int:rule_id>/publish")
@login_required
@unit_of_work
def publish(rule_id: int):
    """Put a draft in force."""
    rule = rules.publish_rule(current_user, rules.get_rule(rule_id, current_user, manage=True))
    flash(_("Rule published."), "success")
    return redirect(url_for("rules.detail", rule_id=rule.id))


@bp.post("/<int:rule_id>/retire")
@login_required
@unit_of_work
def retire(rule_id: int):
    """End a rule."""
    rule = rules.retire_rule(current_user, rules.get_rule(rule_id, current_user, manage=True))
    flash(_("Rule retired. Past awards stay."), "success")
    return redirect(url_for("rules.detail", rule_id=rule.id))


@bp.route("/<int:rule_id>/award", methods=["GET", "POST"])
@login_required
def award(rule_id: int):
    """Coordinator: award a resident under this rule on your word (caps apply; approval rules queue)."""
    rule = rules.get_rule(rule_id, current_user, manage=True)
    form = AwardForm()
    if form.validate_on_submit():
        outcome = unit_of_work(lambda: _award(rule, form))()
        if outcome.status == "pending":
            flash(_("Queued for approval: %(points)s points.", points=outcome.requested), "success")
        elif outcome.status == "capped_out":
            flash(_("No points: %(note)s", note=outcome.cap_note or _("the cap is reached.")), "error")
        elif outcome.cap_note:
            flash(
                _("%(points)s points posted, cut by a cap: %(note)s", points=outcome.awarded, note=outcome.cap_note),
                "success",
            )
        else:
            flash(_("%(points)s points posted.", points=outcome.awarded), "success")
        return redirect(url_for("rules.award", rule_id=rule.id))
    form.nonce.data = secrets.token_hex(8)
    return render_template(
        "rules/award.html", rule=rule, form=form, current=rules.current_version(rule), describe=rules.describe
    ), 400 if request.method == "POST" else 200


def _award(rule, form: AwardForm):
    user = rules.resident_by_phone(form.phone.data)
    version = rules.current_version(rule)
    witness_id = None
    if version is not None and version.evidence == "witness" and form.witness_phone.data:
        witness_id = rules.witness_by_phone(form.witness_phone.data, rule.community_id)
    photo = None
    upload = request.files.get("photo")
    if version is not None and version.evidence == "photo" and upload and upload.filename:
        upload.stream.seek(0)  # the unit of work may run this again
        photo = photo_store.store(photo_store.check_photo(upload.stream))
    outcome = rules.award_by_coordinator(
        current_user,
        rule,
        user.id,
        quantity=float(form.quantity.data),
        note=form.note.data or "",
        key=form.nonce.data,
        photo=photo,
        witness_id=witness_id,
    )
    if not outcome.replayed:
        note_device("award", current_user, rule.community_id)
    return outcome


# ---------------------------------------------------------------- approval queue


@bp.get("/approvals")
@login_required
def approvals():
    """Coordinator: pending awards of my communities, oldest first, with bulk approval."""
    _require_manager()
    items, total = rules.queue(current_user, page=page_arg(), per_page=PER_PAGE)
    decided, _n = rules.queue(current_user, status="approved", page=1, per_page=10)
    return render_template(
        "rules/approvals.html",
        items=items,
        total=total,
        page=page_arg(),
        per_page=PER_PAGE,
        form=BulkForm(),
        reject_form=RejectForm(),
        decided=decided,
    )


@bp.post("/approvals")
@login_required
@unit_of_work
def approve_bulk():
    """Approve every checked award."""
    _require_manager()
    ids = [int(i) for i in request.form.getlist("ids") if i.isdecimal() and len(i) < 10]
    if not ids:
        flash(_("Tick at least one award."), "error")
        return redirect(url_for("rules.approvals"))
    counts = rules.approve_many(ids, current_user)
    flash(
        _(
            "%(approved)s approved, %(skipped)s skipped (already decided or your own).",
            **counts,
        ),
        "success",
    )
    return redirect(url_for("rules.approvals"))


@bp.post("/approvals/<int:pending_id>/approve")
@login_required
@unit_of_work
def approve(pending_id: int):
    """Approve one award (caps apply now)."""
    pending = _pending_to_decide(pending_id)
    rules.approve(pending, current_user)
    if pending.cap_note:
        flash(_("Approved, but a cap cut it: %(note)s", note=pending.cap_note), "success")
    else:
        flash(
            _("Approved: %(points)s points posted.", points=pending.awarded_points),
            "success",
        )
    return redirect(url_for("rules.approvals"))


@bp.post("/approvals/<int:pending_id>/reject")
@login_required
def reject(pending_id: int):
    """Reject one award with a reason the resident sees."""
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("Say why the award is rejected (at least 2 characters)."), "error")
        return redirect(url_for("rules.approvals"))
    unit_of_work(lambda: rules.reject(_pending_to_decide(pending_id), current_user, form.reason.data))()
    flash(_("Rejected; the resident sees your reason."), "success")
    return redirect(url_for("rules.approvals"))


def _pending_to_decide(pending_id: int) -> PendingAward:
    return rules.pending_to_decide(pending_id, current_user)


@bp.get("/approvals/<int:pending_id>/photo")
@login_required
def evidence_photo(pending_id: int):
    """The photo attached to a pending award, for the community's coordinators only."""
    path = photo_store.path_of(rules.evidence_photo_of(pending_id, current_user))
    if not path.exists():
        raise NotFound()
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.get("/my-awards")
@login_required
def my_awards():
    """Resident: my awards that needed approval, with the decision, the reason and any cap cut."""
    items, total = rules.my_pending(current_user, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "rules/my_awards.html",
        items=items,
        total=total,
        page=page_arg(),
        per_page=PER_PAGE,
    )
