"""Pages: stations, catalogue, pay code, scanner, receipts, pickup, card, proxies, daily report."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError, NotFound
from pointsbank.stations import codes
from pointsbank.stations import forms as f
from pointsbank.stations import service as svc
from pointsbank.stations.models import Station
from pointsbank.web.nav import Link

bp = Blueprint("stations", __name__, url_prefix="/stations")

STOCK_REASONS = [("intake", _l("Intake")), ("donation", _l("Donated goods")), ("adjustment", _l("Adjustment"))]


def home_links(user) -> list[Link]:
    """Tiles: pay code and stations for residents, the scanner for clerks, management for coordinators."""
    links: list[Link] = []
    if user.has_role("resident"):
        links.append(Link(_("My pay code"), url_for("stations.pay"), _("Show it at a station to spend points")))
        links.append(Link(_("Stations"), url_for("stations.index"), _("What you can get for your points")))
    elif svc.residents_i_act_for(user):
        links.append(Link(_("Pay code for my family"), url_for("stations.pay"), ""))
    for station_id in sorted(user.clerk_station_ids()):
        links.append(Link(_("Scan a code"), url_for("stations.scan", station_id=station_id), ""))
    if user.coordinated_community_ids() or user.is_admin or user.clerk_station_ids():
        links.append(Link(_("Stations and stock"), url_for("stations.index"), ""))
    return links


def _lines_from_form(prefix: str = "qty_") -> list[tuple[int, int]]:
    lines = []
    for name, value in request.form.items():
        if name.startswith(prefix) and value.strip():
            try:
                item_id, qty = int(name[len(prefix) :]), int(value)
            except ValueError:
                continue
            if qty:
                lines.append((item_id, qty))
    return lines


# ---------------------------------------------------------------- lists and management


@bp.route("/", methods=["GET", "POST"])
@login_required
@unit_of_work
def index():
    """Stations I may see; coordinators open new ones."""
    form = None
    if current_user.coordinated_community_ids() or current_user.is_admin:
        form = f.NewStationForm()
        form.community_id.choices = [(c.id, c.name) for c in svc.communities_to_open_in(current_user)]
        if form.validate_on_submit():
            station = svc.create_station(
                current_user,
                svc.community_by_id(form.community_id.data),
                form.name.data,
                address=form.address.data or "",
                opening_hours=form.opening_hours.data or "",
            )
            flash(_("Station opened. Add items and clerks."), "success")
            return redirect(url_for("stations.edit", station_id=station.id))
    stations = svc.stations_of(current_user)
    return render_template("stations/index.html", stations=stations, svc=svc, form=form)


@bp.route("/<int(max=2147483647):station_id>", methods=["GET", "POST"])
@login_required
@unit_of_work
def manage(station_id: int):
    """Items, stock, intake and adjustments for station staff."""
    station = svc.station_for_staff(current_user, station_id)
    svc.expire_reservations(station_id=station.id)
    items = svc.items_of(station)
    item_form = f.ItemForm(prefix="item")
    stock_form = f.StockForm(prefix="stock")
    stock_form.item_id.choices = [(i.id, i.name) for i in items if i.tracks_stock]
    stock_form.reason.choices = STOCK_REASONS
    if request.method == "POST":
        if "item-submit" in request.form and item_form.validate_on_submit():
            svc.create_item(
                current_user,
                station,
                item_form.name.data,
                item_form.points.data,
                kind=item_form.kind.data,
                limit_qty=item_form.limit_qty.data,
                limit_period=item_form.limit_period.data or None,
                active=item_form.active.data,
                reference_value_fen=f.yuan_to_fen(item_form.reference_value_yuan.data),
            )
            flash(_("Item added."), "success")
            return redirect(url_for("stations.manage", station_id=station.id))
        if "stock-submit" in request.form and stock_form.validate_on_submit():
            item = svc.item_for_staff(current_user, stock_form.item_id.data)
            if item.station_id != station.id:
                raise NotFound("item_not_found")
            svc.record_stock(
                current_user, item, stock_form.quantity.data, stock_form.reason.data, stock_form.note.data or ""
            )
            flash(_("Stock recorded: %(name)s now %(stock)s.", name=item.name, stock=item.stock), "success")
            return redirect(url_for("stations.manage", station_id=station.id))
        flash(_("Please correct the marked fields."), "error")
    movements = svc.recent_movements(station)
    return render_template(
        "stations/manage.html",
        station=station,
        items=items,
        item_form=item_form,
        stock_form=stock_form,
        movements=movements,
        svc=svc,
        can_manage=svc.can_manage(current_user, station),
    )


@bp.route("/<int(max=2147483647):station_id>/edit", methods=["GET", "POST"])
@login_required
@unit_of_work
def edit(station_id: int):
    """Name, address, opening hours and the low-stock threshold (coordinators)."""
    station = svc.station_for_staff(current_user, station_id)
    if not svc.can_manage(current_user, station):
        raise NotFound("station_not_found")
    form = f.StationForm(obj=station)
    clerk_form = f.ClerkForm(prefix="clerk")
    if "clerk-phone" in request.form and clerk_form.validate_on_submit():
        from pointsbank.people.service import grant_role

        grant_role(svc.user_by_phone(clerk_form.phone.data), "clerk", station_id=station.id)
        flash(_("Clerk added."), "success")
        return redirect(url_for("stations.edit", station_id=station.id))
    if "clerk-phone" not in request.form and form.validate_on_submit():
        svc.update_station(
            current_user,
            station,
            name=form.name.data,
            address=form.address.data or "",
            opening_hours=form.opening_hours.data or "",
            active=form.active.data,
            low_stock_threshold=form.low_stock_threshold.data,
        )
        flash(_("Station saved."), "success")
        return redirect(url_for("stations.manage", station_id=station.id))
    clerks = svc.clerks_of(station)
    return render_template("stations/edit.html", station=station, form=form, clerk_form=clerk_form, clerks=clerks)


@bp.route("/items/<int(max=2147483647):item_id>/edit", methods=["GET", "POST"])
@login_required
@unit_of_work
def edit_item(item_id: int):
    """Change an item's name, price, limit, reference value or whether it is offered."""
    item = svc.item_for_staff(current_user, item_id)
    form = f.ItemForm(obj=item)
    if request.method == "GET":
        form.limit_period.data = item.limit_period or ""
        form.reference_value_yuan.data = f.fen_to_yuan(item.reference_value_fen)
    if form.validate_on_submit():
        svc.update_item(
            current_user,
            item,
            name=form.name.data,
            kind=form.kind.data,
            points=form.points.data,
            limit_qty=form.limit_qty.data,
            limit_period=form.limit_period.data or None,
            active=form.active.data,
            reference_value_fen=f.yuan_to_fen(form.reference_value_yuan.data),
        )
        flash(_("Item saved."), "success")
        return redirect(url_for("stations.manage", station_id=item.station_id))
    return render_template("stations/item_edit.html", item=item, form=form)


# ---------------------------------------------------------------- counter: scan, confirm, receipt


@bp.get("/<int(max=2147483647):station_id>/scan")
@login_required
def scan(station_id: int):
    """The clerk's scanner page: camera, or type the number."""
    station = svc.station_for_staff(current_user, station_id)
    return render_template("stations/scan.html", station=station, form=f.CodeForm())


@bp.post("/<int(max=2147483647):station_id>/scan")
@login_required
def scan_post(station_id: int):
    """A code was scanned or typed: show who it is, their points, and the items to pick."""
    station = svc.station_for_staff(current_user, station_id)
    form = f.CodeForm()
    if not form.validate_on_submit():
        flash(_("Scan a code or type its number."), "error")
        return render_template("stations/scan.html", station=station, form=form), 400
    text = form.code.data.strip()
    if text.startswith(codes.CARD + "."):
        if not form.pin.data:
            return render_template("stations/scan.html", station=station, form=form, need_pin=True)
        result = unit_of_work(lambda: svc.card_to_pay_code(current_user, station, text, form.pin.data))()
        if isinstance(result, DomainError):
            flash(str(result.message), "error")
            return render_template("stations/scan.html", station=station, form=form, need_pin=True), result.status
        text = svc.pay_payload(result)
    try:
        info = _raised(svc.noted(lambda: svc.check_code(current_user, station, text)))
    except svc.TooManyAttempts as err:
        flash(str(err.message), "error")
        return render_template("stations/scan.html", station=station, form=form), 429, err.headers
    items = svc.items_of(station, active_only=True)
    confirm = f.ConfirmForm(code=info.code, token=secrets.token_urlsafe(16))
    return render_template("stations/checkout.html", station=station, info=info, items=items, form=confirm)


@bp.post("/<int(max=2147483647):station_id>/redeem")
@login_required
def redeem(station_id: int):
    """Confirm: one atomic redemption, then the receipt."""
    station = svc.station_for_staff(current_user, station_id)
    form = f.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    key = f"page:redeem:{current_user.id}:{form.token.data}"
    lines = _lines_from_form()
    redemption = _raised(svc.noted(lambda: svc.confirm(current_user, station, form.code.data, lines, key=key)))
    return redirect(url_for("stations.receipt", redemption_id=redemption.id))


@bp.post("/<int(max=2147483647):station_id>/pickup")
@login_required
def pickup(station_id: int):
    """Hand over reserved items."""
    station = svc.station_for_staff(current_user, station_id)
    form = f.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    key = f"page:pickup:{current_user.id}:{form.token.data}"
    redemption = _raised(unit_of_work(lambda: svc.hand_over_counted(current_user, station, form.code.data, key=key))())
    return redirect(url_for("stations.receipt", redemption_id=redemption.id))


def _raised(result):
    """A refusal returned by a counted service (its attempt is committed) is raised now."""
    if isinstance(result, DomainError):
        raise result
    return result


@bp.get("/redemptions/<int(max=2147483647):redemption_id>")
@login_required
def receipt(redemption_id: int):
    """The receipt, for the clerk and the resident (and the proxy who acted)."""
    redemption = svc.redemption_for(current_user, redemption_id)
    return render_template(
        "stations/receipt.html",
        r=redemption,
        form=f.PostForm(),
        refund_form=f.RefundForm(),
        can_undo=svc.can_undo(current_user, redemption),
        undo_until=svc.undo_deadline(redemption),
        can_refund=redemption.status == "done" and svc.can_manage(current_user, redemption.station),
        is_staff=svc.can_operate(current_user, redemption.station),
        # After an undo or refund the receipt also shows the balance as it is now.
        balance_now=svc.available_points(redemption.resident) if redemption.status != "done" else None,
        paid=request.args.get("paid") == "1",
    )


@bp.post("/redemptions/<int(max=2147483647):redemption_id>/undo")
@login_required
@unit_of_work
def undo(redemption_id: int):
    """The clerk undoes a redemption within the allowed minutes."""
    if not f.PostForm().validate_on_submit():
        abort(400)
    redemption = svc.redemption_for(current_user, redemption_id)
    svc.undo(current_user, redemption)
    flash(_("Undone: points and stock are back."), "success")
    return redirect(url_for("stations.receipt", redemption_id=redemption.id))


@bp.post("/redemptions/<int(max=2147483647):redemption_id>/refund")
@login_required
@unit_of_work
def refund(redemption_id: int):
    """A coordinator refunds with a reason."""
    form = f.RefundForm()
    redemption = svc.redemption_for(current_user, redemption_id)
    if not form.validate_on_submit():
        flash(_("Say why the points are refunded."), "error")
        return redirect(url_for("stations.receipt", redemption_id=redemption.id))
    svc.refund(current_user, redemption, form.reason.data, restock=form.restock.data)
    flash(_("Refunded."), "success")
    return redirect(url_for("stations.receipt", redemption_id=redemption.id))


@bp.get("/<int(max=2147483647):station_id>/redemptions")
@login_required
def station_redemptions(station_id: int):
    """A station's redemptions, newest first."""
    station = svc.station_for_staff(current_user, station_id)
    page = min(max(request.args.get("page", 1, type=int), 1), 10_000)
    rows = svc.station_redemptions(station, page)
    return render_template("stations/redemptions.html", station=station, rows=rows, page=page)


@bp.get("/<int(max=2147483647):station_id>/report")
@login_required
def report(station_id: int):
    """The daily station report."""
    station = svc.station_for_staff(current_user, station_id)
    try:
        day = date.fromisoformat(request.args["date"]) if request.args.get("date") else svc.today_local()
        if not 2000 <= day.year <= 2099:
            raise ValueError(day)
    except ValueError:
        day = svc.today_local()
    return render_template("stations/report.html", report=svc.daily_report(station, day))


# ---------------------------------------------------------------- residents: catalogue, pay code, pickup


@bp.get("/<int(max=2147483647):station_id>/poster")
@login_required
def poster(station_id: int):
    """A printable poster: scan to open the station's catalogue."""
    station = svc.station_for_staff(current_user, station_id)
    url = url_for("stations.catalogue", station_id=station.id, _external=True)
    return render_template("stations/poster.html", station=station, url=url, qr=codes.qr_data_uri(url))


@bp.get("/<int(max=2147483647):station_id>/catalogue")
@login_required
@unit_of_work
def catalogue(station_id: int):
    """A station's catalogue on a resident's phone; reserve items for pickup."""
    station = svc.station_for_resident(current_user, station_id)
    svc.expire_reservations(station_id=station.id)
    items = svc.items_of(station, active_only=True)
    available = svc.available_points(current_user) if current_user.community_id else None
    return render_template(
        "stations/catalogue.html",
        station=station,
        items=items,
        available=available,
        form=f.ConfirmForm(code="-", token=secrets.token_urlsafe(16)),
        svc=svc,
        family=svc.residents_i_act_for(current_user),
    )


@bp.post("/<int(max=2147483647):station_id>/reserve")
@login_required
@unit_of_work
def reserve(station_id: int):
    """Reserve the chosen items: points on hold, stock reserved."""
    station = svc.station_for_resident(current_user, station_id)
    form = f.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    for_id = request.form.get("for_resident_id", type=int)
    key = f"page:reserve:{current_user.id}:{form.token.data}"
    reservation = svc.reserve(current_user, station, _lines_from_form(), key=key, for_resident_id=for_id)
    return redirect(url_for("stations.reservation", reservation_id=reservation.id))


@bp.get("/reservations/<int(max=2147483647):reservation_id>")
@login_required
def reservation(reservation_id: int):
    """The pickup code of a reservation."""
    res = svc.reservation_for(current_user, reservation_id)
    payload = svc.pickup_payload(res)
    return render_template("stations/reservation.html", res=res, qr=codes.qr_data_uri(payload), form=f.PostForm())


@bp.post("/reservations/<int(max=2147483647):reservation_id>/cancel")
@login_required
@unit_of_work
def cancel(reservation_id: int):
    """Cancel a reservation: points and stock are released."""
    if not f.PostForm().validate_on_submit():
        abort(400)
    res = svc.reservation_for(current_user, reservation_id)
    svc.cancel_reservation(current_user, res)
    flash(_("Reservation cancelled; your points are free again."), "success")
    return redirect(url_for("stations.reservation", reservation_id=res.id))


@bp.route("/pay", methods=["GET", "POST"])
@login_required
@unit_of_work
def pay():
    """My pay code (付款码): a QR and an 8-digit number, refreshed about every minute."""
    family = svc.residents_i_act_for(current_user)
    for_id = request.values.get("for", type=int)
    if for_id is None and current_user.community_id is None:
        if not family:
            raise NotFound("not_resident")
        for_id = family[0].id
    if request.method == "POST" and not f.PostForm().validate_on_submit():
        abort(400)
    code = svc.issue_pay_code(current_user, for_resident_id=for_id)
    payload = svc.pay_payload(code)
    return render_template(
        "stations/pay.html",
        code=code,
        payload=payload,
        qr=codes.qr_data_uri(payload),
        family=family,
        for_id=for_id,
        form=f.PostForm(),
        refresh_in=svc.PAY_CODE_SECONDS - 10,
        available=svc.available_points(code.resident),
    )


@bp.get("/mine")
@login_required
def mine():
    """My redemptions and reservations."""
    redemptions = svc.my_redemptions(current_user)
    reservations = svc.my_reservations(current_user)
    return render_template("stations/mine.html", redemptions=redemptions, reservations=reservations)


@bp.route("/proxies", methods=["GET", "POST"])
@login_required
@unit_of_work
def proxies():
    """Coordinators register family members as proxies (家属代办)."""
    communities = current_user.coordinated_community_ids()
    if not communities and not current_user.is_admin:
        raise NotFound()
    form = f.ProxyForm()
    if form.validate_on_submit():
        resident = svc.user_by_phone(form.resident_phone.data)
        proxy_user = svc.user_by_phone(form.proxy_phone.data)
        svc.register_proxy(current_user, resident, proxy_user, form.relation.data or "")
        flash(_("Proxy registered."), "success")
        return redirect(url_for("stations.proxies"))
    return render_template(
        "stations/proxies.html", form=form, rows=svc.proxies_seen_by(current_user), end_form=f.PostForm()
    )


@bp.post("/proxies/<int(max=2147483647):proxy_id>/end")
@login_required
@unit_of_work
def end_proxy(proxy_id: int):
    """Stop a proxy relation."""
    if not f.PostForm().validate_on_submit():
        abort(400)
    svc.end_proxy(current_user, svc.get_proxy(proxy_id))
    flash(_("Proxy ended."), "success")
    return redirect(url_for("stations.proxies"))


__all__ = ["Station", "bp", "home_links"]


from pointsbank.web.pages import stations_cards  # noqa: E402,F401  (card routes on this blueprint)
