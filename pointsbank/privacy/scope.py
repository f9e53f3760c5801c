"""Who may act on whose privacy records: the person themselves, or a coordinator of their community."""

from __future__ import annotations

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, User


def is_coordinator_for(actor, person: User) -> bool:
    return person.community_id is not None and person.community_id in actor.coordinated_community_ids()


def person_for(actor, user_id: int) -> User:
    """The person, if actor is them or coordinates their community; otherwise 404."""
    person = db.session.get(User, user_id)
    if person is None or (person.id != actor.id and not is_coordinator_for(actor, person)):
        raise NotFound("person_not_found")
    return person


def community_for_coordinator(actor, community_id: int) -> Community:
    """A community the actor coordinates; otherwise 404."""
    community = db.session.get(Community, community_id)
    if community is None or community.id not in actor.coordinated_community_ids():
        raise NotFound("community_not_found")
    return community


def default_community_id(actor) -> int | None:
    """The first community the actor coordinates."""
    ids = sorted(actor.coordinated_community_ids())
    return ids[0] if ids else None
