"""Which communities a user may read: admin all, coordinator theirs, officers their street or district."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, District, Street, User


def communities_in_view(user: User) -> set[int]:
    """Community ids the user may read figures of (read-only for street and district officers)."""
    if user.is_admin:
        return set(db.session.scalars(sa.select(Community.id)))
    return set(user.coordinated_community_ids()) | overseen_community_ids(user)


def overseen_community_ids(user: User) -> set[int]:
    """Communities below the user's streets and districts (an officer's; admins oversee every community)."""
    if user.is_admin:
        return set(db.session.scalars(sa.select(Community.id)))
    streets = {g.street_id for g in user.grants if g.role == "street_officer" and g.street_id}
    districts = {g.district_id for g in user.grants if g.role == "district_officer" and g.district_id}
    if not (streets or districts):
        return set()
    query = sa.select(Community.id).join(Street, Community.street_id == Street.id)
    query = query.where(sa.or_(Street.id.in_(streets), Street.district_id.in_(districts)))
    return set(db.session.scalars(query))


def community_in_view(user: User, community_id: int) -> Community:
    """The community if the user may read it; otherwise NotFound (never a hint that it exists)."""
    community = db.session.get(Community, community_id)
    if community is None or community.id not in communities_in_view(user):
        raise NotFound()
    return community


def street_in_view(user: User, street_id: int) -> Street:
    """A street the user oversees (street officer of it, district officer of its district, or admin)."""
    street = db.session.get(Street, street_id)
    if street is None:
        raise NotFound()
    ok = user.is_admin or any(
        (g.role == "street_officer" and g.street_id == street.id)
        or (g.role == "district_officer" and g.district_id == street.district_id)
        for g in user.grants
    )
    if not ok:
        raise NotFound()
    return street


def district_in_view(user: User, district_id: int) -> District:
    """A district the user oversees (district officer of it, or admin)."""
    district = db.session.get(District, district_id)
    if district is None or not (
        user.is_admin or any(g.role == "district_officer" and g.district_id == district.id for g in user.grants)
    ):
        raise NotFound()
    return district


def is_officer(user: User) -> bool:
    return any(g.role in ("street_officer", "district_officer") for g in user.grants)


# --- coordinators below an officer -------------------------------------------------------------------------


def grant_coordinator_in_view(actor: User, user: User, community_id: int):
    """A street or district officer (or admin) makes someone coordinator of a community in their view."""
    from pointsbank.people.service import grant_role_by_ids

    overseen(actor, community_id)
    return grant_role_by_ids(user, "coordinator", community_id, None, actor=actor)


def revoke_coordinator_in_view(actor: User, grant_id: int, community_id: int | None = None) -> None:
    """Take back a coordinator grant of a community in the officer's view (audited); others get 404.

    With community_id, the grant must also be of that community (the API names both)."""
    from pointsbank.people.models import RoleGrant
    from pointsbank.people.service import revoke_grant

    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.role != "coordinator" or grant.community_id is None:
        raise NotFound()
    if community_id is not None and grant.community_id != community_id:
        raise NotFound()
    overseen(actor, grant.community_id)
    revoke_grant(grant_id, actor)


def overseen(actor: User, community_id: int) -> Community:
    """A community below the actor's street or district (or any, for admins); otherwise NotFound."""
    community = db.session.get(Community, community_id)
    if community is None or community.id not in overseen_community_ids(actor):
        raise NotFound()
    return community


def coordinator_grants(community_ids: list[int]) -> dict[int, list]:
    """The coordinator grants of these communities (the caller checked they are in view), users loaded."""
    from sqlalchemy.orm import selectinload

    from pointsbank.people.models import RoleGrant

    out: dict[int, list] = {cid: [] for cid in community_ids}
    if not community_ids:
        return out
    grants = db.session.scalars(
        sa.select(RoleGrant)
        .options(selectinload(RoleGrant.user))
        .where(RoleGrant.role == "coordinator", RoleGrant.community_id.in_(community_ids))
        .order_by(RoleGrant.id)
    )
    for grant in grants:
        out[grant.community_id].append(grant)
    return out


def managed_communities(actor: User) -> list[Community]:
    """Communities whose coordinators the actor manages (street or district officer, or admin), by street."""
    from sqlalchemy.orm import selectinload

    ids = overseen_community_ids(actor)
    if not ids:
        raise NotFound()
    query = (
        sa.select(Community)
        .options(selectinload(Community.street))
        .where(Community.id.in_(ids))
        .order_by(Community.street_id, Community.id)
    )
    return list(db.session.scalars(query))
