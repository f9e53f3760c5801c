"""Who may see and manage rules: coordinators of a community, admins everywhere."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.rules.models import Rule


def can_manage(user, community_id: int) -> bool:
    """Coordinators manage rules of their communities; admins manage all."""
    return bool(user.is_admin or community_id in user.coordinated_community_ids())


def check_manages(user, community_id: int) -> None:
    """NotFound unless the community exists and the user manages it."""
    from pointsbank.people.models import Community

    if not can_manage(user, community_id) or db.session.get(Community, community_id) is None:
        raise NotFound()


def managed_community_ids(user) -> set[int] | None:
    """Communities the user manages (None means every community: admin)."""
    return None if user.is_admin else user.coordinated_community_ids()


def get_rule(rule_id: int, user, *, manage: bool = False) -> Rule:
    """A rule the user may see (residents: published rules of their community), else NotFound."""
    rule = db.session.get(Rule, rule_id)
    if rule is None:
        raise NotFound()
    if can_manage(user, rule.community_id):
        return rule
    if manage or rule.status != "published" or rule.community_id != user.community_id:
        raise NotFound()
    return rule


def managed_communities(user) -> list:
    """The communities the user manages, by id (every community for an admin)."""
    from pointsbank.people.models import Community

    scope = managed_community_ids(user)
    query = sa.select(Community).order_by(Community.id)
    if scope is not None:
        query = query.where(Community.id.in_(scope or {-1}))
    return list(db.session.scalars(query))
