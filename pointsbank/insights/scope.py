"""Who may see which community's insights, and the public (masked) form of a name."""

from __future__ import annotations

from typing import Any

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, mask_name


def is_coordinator_of(user: Any, community_id: int) -> bool:
    """True when the user coordinates this community."""
    return community_id in user.coordinated_community_ids()


def community_for_viewer(user: Any, community_id: int) -> Community:
    """The community if the user lives in it or coordinates it; 404 otherwise."""
    if user.community_id != community_id and not is_coordinator_of(user, community_id):
        raise NotFound("community_not_found")
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def community_for_coordinator(user: Any, community_id: int) -> Community:
    """The community if the user coordinates it; 404 otherwise."""
    if not is_coordinator_of(user, community_id):
        raise NotFound("community_not_found")
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def public_community(community_id: int) -> Community:
    """Any community, for the public (masked) pages; 404 when there is none."""
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def default_community_id(user: Any) -> int | None:
    """The resident's own community, else the lowest-numbered community they coordinate."""
    if user.community_id is not None:
        return user.community_id
    ids = user.coordinated_community_ids()
    return min(ids) if ids else None


def mask(name: str) -> str:
    """The public form of a name (张三丰 → 张*丰), exactly as User.masked_name."""
    return mask_name(name or "")


def community_for_reader(user: Any, community_id: int) -> Community:
    """The community if the user may read its figures (coordinator, its street or district officer, admin)."""
    from pointsbank.people.scope import community_in_view

    try:
        return community_in_view(user, community_id)
    except NotFound:
        raise NotFound("community_not_found") from None
