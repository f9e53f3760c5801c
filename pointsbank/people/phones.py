"""Minimum necessary: a resident's full mobile number is shown only on purpose, and each time it is audited."""

from __future__ import annotations

from pointsbank.audit import service as audit
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import User


def reveal_phone(actor: User, user_id: int) -> User:
    """The resident if the actor coordinates their community (or is an admin); records `phone.revealed` once."""
    user = db.session.get(User, user_id)
    if user is None or user.community_id is None:
        raise NotFound()
    if not (actor.is_admin or user.community_id in actor.coordinated_community_ids()):
        raise NotFound()
    audit.record(
        "phone.revealed",
        actor_id=actor.id,
        community_id=user.community_id,
        subject=("user", user.id),
    )
    return user
