"""Who may see which communities' figures: the one permission check of exports."""

from __future__ import annotations

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, Street
from pointsbank.people.scope import communities_in_view


def visible_communities(user) -> set[int] | None:
    """None for all (admins), otherwise the communities in the user's view (coordinators and officers)."""
    if user.is_admin:
        return None
    return communities_in_view(user)


def community_ids(user, *, community_id: int | None = None, street_id: int | None = None) -> list[int]:
    """The scope's communities the user may see; NotFound when none (or the scope does not exist)."""
    allowed = visible_communities(user)
    if community_id is not None:
        found = db.session.get(Community, community_id)
        ids = [found.id] if found else []
    else:
        street = db.session.get(Street, street_id) if street_id is not None else None
        ids = [c.id for c in street.communities] if street else []
    ids = [i for i in ids if allowed is None or i in allowed]
    if not ids:
        raise NotFound()
    return ids
