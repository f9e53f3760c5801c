"""Filing an objection: a resident of the award's community, while the award is in 公示, once per award."""

from __future__ import annotations

from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.audit import service as audit
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.objections.models import REASON_MAX, Objection
from pointsbank.objections.publicity import Award, get_award
from pointsbank.reports import photos


def clean_reason(reason: Any) -> str:
    """A reason is required and at most 500 characters."""
    text = str(reason or "").strip()
    if not text:
        raise Invalid("reason_required", _l("Say why."))
    if len(text) > REASON_MAX:
        raise Invalid("reason_too_long", _l("At most %(n)d characters.", n=REASON_MAX), details={"max": REASON_MAX})
    return text


def award_for_resident(user: Any, transfer_id: int) -> Award:
    """An award a resident of its community may look at (404 for anyone else)."""
    award = get_award(transfer_id)
    if user.community_id is None or user.community_id != award.community_id:
        raise NotFound("award_not_found")
    return award


def mine_for(user: Any, transfer_ids: list[int]) -> set[int]:
    """The awards among transfer_ids this user has objected to (one query)."""
    if not transfer_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Objection.transfer_id).where(
                Objection.objector_id == user.id, Objection.transfer_id.in_(transfer_ids)
            )
        )
    )


def file_objection(user: Any, transfer_id: int, reason: Any, photo: BinaryIO | None = None) -> Objection:
    """Object to an award in 公示 with a reason and an optional photo (checked and re-encoded like reports')."""
    award = award_for_resident(user, transfer_id)
    text = clean_reason(reason)
    if award.resident_id == user.id:
        raise Refused("own_award", _l("You cannot object to your own award."))
    if not award.objectable:
        raise Refused("publicity_over", _l("This award is no longer in its publicity period."))
    if db.session.scalar(
        sa.select(Objection.id).where(Objection.transfer_id == award.transfer_id, Objection.objector_id == user.id)
    ):
        raise Conflict("already_objected", _l("You have already objected to this award."))
    checked = photos.check_photo(photo) if photo is not None else None
    objection = Objection(
        community_id=award.community_id,
        transfer_id=award.transfer_id,
        objector_id=user.id,
        awarded_id=award.resident_id,
        reason=text,
        status="open",
    )
    try:
        with db.session.begin_nested():
            db.session.add(objection)
            db.session.flush()
    except IntegrityError:
        raise Conflict("already_objected", _l("You have already objected to this award.")) from None
    if checked is not None:
        objection.photo = photos.store(checked)
        db.session.flush()
    audit.record(
        "objection.filed",
        actor_id=user.id,
        community_id=award.community_id,
        subject=("objection", objection.id),
        details={"transfer_id": award.transfer_id, "photo": objection.photo is not None},
    )
    return objection


def objections_of(user: Any) -> list[Objection]:
    """The objections a resident filed, newest first."""
    return list(
        db.session.scalars(sa.select(Objection).where(Objection.objector_id == user.id).order_by(Objection.id.desc()))
    )
