"""Volunteer teams: create, join, leave; members' hours and points."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.activities.models import Signup, Team, TeamMember
from pointsbank.errors import Conflict, Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.rules import service as rules


def create_team(actor, community_id: int, name: str, description: str = "") -> Team:
    """A coordinator creates a volunteer team."""
    rules.check_manages(actor, community_id)
    name = (name or "").strip()
    if not name:
        raise Invalid("invalid_team", _l("A team needs a name."))
    if db.session.scalar(sa.select(Team.id).where(Team.community_id == community_id, Team.name == name)):
        raise Conflict("team_exists", _l("A team with this name already exists."))
    team = Team(
        community_id=community_id,
        name=name,
        description=(description or "").strip(),
        created_by=actor.id,
    )
    db.session.add(team)
    db.session.flush()
    return team


def get_team(team_id: int, user) -> Team:
    """A team of the user's community (or one they coordinate), else NotFound."""
    team = db.session.get(Team, team_id)
    if team is None or not (team.community_id == user.community_id or rules.can_manage(user, team.community_id)):
        raise NotFound()
    return team


def join_team(user, team: Team) -> TeamMember:
    """A resident joins a team of their community (joining again changes nothing)."""
    if user.community_id != team.community_id:
        raise NotFound()
    member = db.session.scalar(
        sa.select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    if member is None:
        member = TeamMember(team_id=team.id, user_id=user.id)
        db.session.add(member)
        db.session.flush()
    return member


def leave_team(user, team: Team) -> None:
    """A resident leaves a team."""
    db.session.execute(sa.delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id))
    db.session.flush()


def team_totals(community_ids: set[int], user_id: int | None = None) -> list[dict]:
    """Each team with its member count and its members' attended hours and points since they joined."""
    hours = sa.func.coalesce(sa.func.sum(Signup.hours), 0)
    points = sa.func.coalesce(sa.func.sum(Signup.points_awarded), 0)
    query = (
        sa.select(Team, sa.func.count(sa.distinct(TeamMember.user_id)), hours, points)
        .outerjoin(TeamMember, TeamMember.team_id == Team.id)
        .outerjoin(
            Signup,
            sa.and_(
                Signup.user_id == TeamMember.user_id,
                Signup.status == "attended",
                Signup.created_at >= TeamMember.joined_at,
            ),
        )
        .where(Team.community_id.in_(community_ids or {-1}))
        .group_by(Team.id)
        .order_by(points.desc(), Team.id)
    )
    mine: set[int] = set()
    if user_id is not None:
        mine = set(db.session.scalars(sa.select(TeamMember.team_id).where(TeamMember.user_id == user_id)))
    return [
        {
            "team": team,
            "members": members,
            "hours": round(float(h), 2),
            "points": int(p),
            "joined": team.id in mine,
        }
        for team, members, h, p in db.session.execute(query)
    ]


def teams_of(community_ids) -> list[Team]:
    """Teams of these communities, by name (what an activity can belong to)."""
    query = sa.select(Team).where(Team.community_id.in_(list(community_ids) or [-1])).order_by(Team.name)
    return list(db.session.scalars(query))


def team_scope(user) -> set[int]:
    """Communities whose teams the user sees: their own and those they manage (every one for an admin)."""
    from pointsbank.people.models import Community

    scope = rules.managed_community_ids(user)
    ids = set(scope) if scope is not None else set(db.session.scalars(sa.select(Community.id)))
    if user.community_id:
        ids.add(user.community_id)
    return ids
