"""Pages: the privacy notice, my data (hours, certificate, export, erasure), certificate verification, coordinators."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from pointsbank.activities.qr import qr_data_uri
from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError, NotFound
from pointsbank.privacy import service as privacy
from pointsbank.privacy.forms import ConsentForm, HoursExportForm, PersonForm, ReasonForm
from pointsbank.web.nav import Link

bp = Blueprint("privacy", __name__)

# Pages open before the notice is agreed to.
_OPEN = {
    "privacy.notice",
    "privacy.verify",
    "people.login",
    "people.logout",
    "people.change_password",
    "home.set_language",
    "home.toggle_elder",
    "static",
}


@bp.before_app_request
def _privacy_gate():
    """An erased (inactive) user is logged out; a resident agrees to the current notice before anything else."""
    if not current_user or not current_user.is_authenticated:
        return None
    if not current_user.active:
        logout_user()
        return None
    if (
        not current_app.config.get("PB_PRIVACY_CONSENT", True)
        or request.endpoint in _OPEN
        or request.path.startswith(("/api/", "/static/", "/open311/"))
        or privacy.user_has_consented(current_user)
    ):
        return None
    return redirect(url_for("privacy.notice", next=request.full_path if request.method == "GET" else None))


def home_links(user) -> list[Link]:
    links = [Link(_l("My data and privacy"), url_for("privacy.mine"), _l("Hours, certificate, download, erasure"))]
    community_id = privacy.default_community_id(user)
    if community_id is not None:
        links.append(
            Link(
                _l("Privacy requests"),
                url_for("privacy.community", community_id=community_id),
                _l("Erasure, export, hours"),
            )
        )
    return links


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\") or any(c < " " for c in target):
        return url_for("home.index")
    return target


@bp.route("/privacy/notice", methods=["GET", "POST"])
@login_required
def notice():
    """The privacy notice; agreeing records the version."""
    form = ConsentForm()
    if form.validate_on_submit():
        unit_of_work(lambda: privacy.record_consent(current_user, str(get_locale() or "zh")))()
        flash(_("Thank you. Your agreement is recorded."), "success")
        return redirect(_safe_next(request.args.get("next")))
    agreed = privacy.has_consented(current_user.id)
    return render_template(
        "privacy/notice.html", form=form, sections=privacy.SECTIONS, version=privacy.current_version(), agreed=agreed
    )


def _hours_context(person) -> dict:
    records = privacy.service_records.records_of(person.id)
    return {
        "person": person,
        "records": records,
        "total": privacy.service_records.total_hours(records),
        "by_year": privacy.service_records.hours_by_year(records),
        "by_activity": privacy.service_records.hours_by_activity(records),
    }


@bp.get("/privacy/")
@login_required
def mine():
    """My data: hours, certificate, download, consents and erasure."""
    return render_template(
        "privacy/mine.html",
        **_hours_context(current_user),
        consents=privacy.consents_of(current_user.id),
        certificates=privacy.certificates_of(current_user.id),
        token_of=privacy.token_of,
        pending=privacy.pending_request(current_user.id),
        form=ConsentForm(),
    )


@bp.get("/privacy/people/<int:user_id>")
@login_required
def person(user_id: int):
    """A resident's hours and privacy actions, for a coordinator of their community."""
    person = privacy.person_for(current_user, user_id)
    return render_template(
        "privacy/person.html",
        **_hours_context(person),
        certificates=privacy.certificates_of(person.id),
        token_of=privacy.token_of,
        pending=privacy.pending_request(person.id),
        form=ConsentForm(),
    )


@bp.post("/privacy/people/<int:user_id>/certificates")
@login_required
def issue_certificate(user_id: int):
    """Issue a certificate and open its print page."""
    person = privacy.person_for(current_user, user_id)
    try:
        cert = unit_of_work(lambda: privacy.issue(person, current_user))()
    except DomainError as err:
        flash(str(err.message), "error")
        return redirect(request.referrer or url_for("privacy.mine"))
    return redirect(url_for("privacy.certificate", token=privacy.token_of(cert)))


@bp.get("/privacy/certificates/<string:token>")
@login_required
def certificate(token: str):
    """The printable 志愿服务证明 (A4, print stylesheet) with its verification QR."""
    cert = privacy.verify(token)
    person = privacy.person_for(current_user, cert.user_id)
    url = url_for("privacy.verify", token=token, _external=True)
    return render_template("privacy/certificate.html", cert=cert, person=person, qr=qr_data_uri(url), verify_url=url)


@bp.get("/verify/<string:token>")
def verify(token: str):
    """Public: a certificate is genuine, with only what it says (masked). No login."""
    try:
        cert = privacy.verify(token)
    except NotFound:
        return render_template("privacy/verify.html", cert=None), 404
    return render_template("privacy/verify.html", cert=cert)


def _export_response(person) -> Response:
    def work() -> bytes:
        data = privacy.archive(person)
        privacy.audit.record(
            "privacy.exported",
            actor_id=current_user.id,
            community_id=person.community_id,
            subject=("user", person.id),
            details={"by_self": person.id == current_user.id},
        )
        return data

    data = unit_of_work(work)()
    headers = {"Content-Disposition": f'attachment; filename="pointsbank-export-{person.id}.zip"'}
    return Response(data, mimetype="application/zip", headers=headers)


@bp.post("/privacy/people/<int:user_id>/export")
@login_required
def export(user_id: int):
    """Download everything held about a person (yourself, or a resident you coordinate: audited)."""
    if not ConsentForm().validate_on_submit():
        raise NotFound()
    return _export_response(privacy.person_for(current_user, user_id))


@bp.post("/privacy/people/<int:user_id>/erasure")
@login_required
def request_erasure(user_id: int):
    """Ask for erasure; a coordinator decides."""
    person = privacy.person_for(current_user, user_id)
    if ConsentForm().validate_on_submit():
        try:
            unit_of_work(lambda: privacy.request_erasure(person, current_user))()
            flash(_("Erasure requested. A coordinator of your community will decide."), "success")
        except DomainError as err:
            flash(str(err.message), "error")
    back = "privacy.mine" if person.id == current_user.id else "privacy.person"
    return redirect(url_for(back, **({} if person.id == current_user.id else {"user_id": person.id})))


@bp.get("/privacy/communities/<int:community_id>")
@login_required
def community(community_id: int):
    """A coordinator's privacy desk: erasure requests, a resident's data on request, the hours export."""
    community = privacy.community_for_coordinator(current_user, community_id)
    return render_template(
        "privacy/community.html",
        community=community,
        requests=privacy.requests_for(community.id),
        reason_form=ReasonForm(),
        person_form=PersonForm(),
        export_form=HoursExportForm(request.args, meta={"csrf": False}),
    )


@bp.post("/privacy/communities/<int:community_id>/person")
@login_required
def find_person(community_id: int):
    """Open a resident's privacy page by number."""
    community = privacy.community_for_coordinator(current_user, community_id)
    form = PersonForm()
    if form.validate_on_submit():
        return redirect(url_for("privacy.person", user_id=form.user_id.data))
    flash(_("Type a resident number."), "error")
    return redirect(url_for("privacy.community", community_id=community.id))


@bp.post("/privacy/erasure-requests/<int:request_id>/<any(approve, reject):decision>")
@login_required
def decide(request_id: int, decision: str):
    """Approve (erase now) or reject an erasure request, with a reason."""
    req = privacy.get_request(current_user, request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of 1 to 200 characters."), "error")
    else:
        action = privacy.approve if decision == "approve" else privacy.reject
        try:
            unit_of_work(lambda: action(req, current_user, form.reason.data))()
            flash(_("Erased.") if decision == "approve" else _("Request rejected."), "success")
        except DomainError as err:
            flash(str(err.message), "error")
    return redirect(url_for("privacy.community", community_id=req.community_id))


@bp.get("/privacy/communities/<int:community_id>/hours.<any(csv, xlsx):fmt>")
@login_required
def hours_export(community_id: int, fmt: str):
    """The hours export in the registry's columns (phones masked unless asked for in full: audited)."""
    community = privacy.community_for_coordinator(current_user, community_id)
    form = HoursExportForm(request.args, meta={"csrf": False})
    if not form.validate():
        flash(_("Check the dates."), "error")
        return redirect(url_for("privacy.community", community_id=community.id))
    full = form.phones.data == "full"

    def work():
        records = privacy.service_records.community_records(community.id, form.start.data, form.end.data)
        privacy.audit.record(
            "privacy.hours_exported",
            actor_id=current_user.id,
            community_id=community.id,
            subject=("community", community.id),
            details={"rows": len(records), "full_phones": full, "format": fmt},
        )
        if fmt == "xlsx":
            return privacy.registry.xlsx_bytes(records, full_phone=full)
        return privacy.registry.csv_bytes(records, full_phone=full)

    data = unit_of_work(work)()
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {"Content-Disposition": f'attachment; filename="service-hours-{community.id}.{fmt}"'}
    return Response(data, mimetype=mimetype, headers=headers)
