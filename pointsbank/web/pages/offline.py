"""Pages: the offline pay code, the phones enrolled for it, the offline counter, the coordinator's overview."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError
from pointsbank.offline import counter, devices, keys
from pointsbank.stations import service as stations

bp = Blueprint("offline", __name__, url_prefix="/offline")


@bp.get("/pay")
@login_required
def pay():
    """The pay code that works with no network, once this phone is enrolled."""
    return render_template(
        "offline/pay.html",
        enrol_url=url_for("api_offline.enrol_device"),
        step_seconds=keys.STEP_SECONDS,
        prefix=keys.PREFIX,
    )


@bp.get("/devices")
@login_required
def device_list():
    """My enrolled phones, each removable (a lost phone is removed from any other session)."""
    return render_template("offline/devices.html", devices=devices.devices_of(current_user), form=FlaskForm())


@bp.post("/devices/<int:device_id>/revoke")
@login_required
def revoke(device_id: int):
    """Remove a phone: one's own, or as coordinator a resident's (audited)."""
    back = request.form.get("back_to_community", type=int)
    if FlaskForm().validate_on_submit():
        try:
            unit_of_work(lambda: devices.revoke(current_user, devices.device_for(current_user, device_id)))()
            flash(_("The phone was removed; its offline codes no longer work."), "success")
        except DomainError as error:
            flash(error.message, "error")
    if back:
        return redirect(url_for("offline.overview", community_id=back))
    return redirect(url_for("offline.device_list"))


@bp.get("/counter/<int:station_id>")
@login_required
def counter_page(station_id: int):
    """The clerk's counter that keeps working when the network drops."""
    station = stations.station_for_staff(current_user, station_id)
    return render_template(
        "offline/counter.html",
        station=station,
        bundle_url=url_for("api_offline.download_bundle", station_id=station.id),
        sync_url=url_for("api_offline.sync", station_id=station.id),
        public_key=keys.public_key_b64(),
    )


@bp.get("/overview/<int:community_id>")
@login_required
def overview(community_id: int):
    """Coordinators: what each station's offline counter may still post and what synced short."""
    rows = counter.overview(current_user, community_id)
    return render_template(
        "offline/overview.html",
        rows=rows,
        shortfalls=counter.shortfalls(community_id),
        devices=devices.community_devices(community_id),
        community_id=community_id,
        form=FlaskForm(),
    )


@bp.get("/csrf")
@login_required
def csrf():
    """A fresh CSRF token for a page that was opened from the cache."""
    return jsonify({"csrf_token": generate_csrf()})


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from /offline/ so that its scope is the offline pages."""
    response = send_from_directory(current_app.static_folder + "/js", "offline-sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response
