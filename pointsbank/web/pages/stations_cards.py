"""Pages: the resident card (居民卡) — print, change PIN, report lost, reissue; for the resident and coordinators."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import NotFound
from pointsbank.stations import codes
from pointsbank.stations import forms as f
from pointsbank.stations import service as svc
from pointsbank.web.pages.stations import bp


def _card_page(resident, form, *, for_staff: bool):
    existing = svc.card_of(resident)
    qr = codes.qr_data_uri(svc.card_payload(existing)) if existing and existing.revoked_at is None else None
    return render_template(
        "stations/card.html", form=form, card=existing, qr=qr, resident=resident, for_staff=for_staff
    )


@bp.route("/card", methods=["GET", "POST"])
@login_required
@unit_of_work
def card():
    """My printable resident card: a static QR plus the PIN I choose."""
    if current_user.community_id is None:
        raise NotFound("not_resident")
    form = f.PinForm()
    if form.validate_on_submit():
        if form.pin.data != form.pin2.data:
            form.pin2.errors.append(_("The two PINs are not the same."))
        else:
            svc.set_card_pin(current_user, form.pin.data)
            flash(_("PIN saved. Print the card and keep the PIN to yourself."), "success")
            return redirect(url_for("stations.card"))
    return _card_page(current_user, form, for_staff=False)


@bp.post("/card/lost")
@login_required
@unit_of_work
def card_lost():
    """I lost my card: it stops working at once (audited)."""
    svc.report_card_lost(current_user, current_user)
    flash(_("The card is reported lost and no longer works. Print a new card when you are ready."), "success")
    return redirect(url_for("stations.card"))


@bp.post("/card/reissue")
@login_required
@unit_of_work
def card_reissue():
    """A new card with the same PIN; the old printed card is refused (audited)."""
    svc.reissue_card(current_user, current_user)
    flash(_("A new card is ready to print. The old card no longer works."), "success")
    return redirect(url_for("stations.card"))


@bp.get("/residents/<int:resident_id>/card")
@login_required
def resident_card(resident_id: int):
    """A coordinator prints a resident's card (for a resident without a phone)."""
    resident = svc.resident_for_card_staff(current_user, resident_id)
    return _card_page(resident, None, for_staff=True)


@bp.post("/residents/<int:resident_id>/card/lost")
@login_required
@unit_of_work
def resident_card_lost(resident_id: int):
    """A coordinator reports a resident's card lost (audited)."""
    resident = svc.resident_for_card_staff(current_user, resident_id)
    svc.report_card_lost(current_user, resident)
    flash(_("%(name)s's card is reported lost and no longer works.", name=resident.name), "success")
    return redirect(url_for("stations.resident_card", resident_id=resident.id))


@bp.post("/residents/<int:resident_id>/card/reissue")
@login_required
@unit_of_work
def resident_card_reissue(resident_id: int):
    """A coordinator makes a new card for a resident, same PIN (audited)."""
    resident = svc.resident_for_card_staff(current_user, resident_id)
    svc.reissue_card(resident, current_user)
    flash(_("A new card for %(name)s is ready to print. The old card no longer works.", name=resident.name), "success")
    return redirect(url_for("stations.resident_card", resident_id=resident.id))
