"""People services: users, roles, the hierarchy. They flush; the caller's unit of work commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import Conflict, Invalid
from pointsbank.extensions import db
from pointsbank.people.auth import check_password_rules, hash_password, normalize_phone
from pointsbank.people.models import Community, District, Grid, RoleGrant, Street, User


def create_user(
    phone: str,
    name: str,
    password: str,
    *,
    community: Community | None = None,
    grid: Grid | None = None,
    check_password: bool = True,
) -> User:
    """Create a user; the phone must be a new mainland mobile number."""
    phone = normalize_phone(phone)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise Invalid("invalid_name", _l("Enter a name of 1 to 40 characters."))
    if check_password:
        check_password_rules(password)
    if db.session.scalar(sa.select(User.id).where(User.phone == phone)) is not None:
        raise Conflict("duplicate_phone", _l("This mobile number is already registered."))
    if grid is not None and community is not None and grid.community_id != community.id:
        raise Invalid("invalid_grid", _l("The grid is not in this community."))
    user = User(phone=phone, name=name, password_hash=hash_password(password), community=community, grid=grid)
    db.session.add(user)
    db.session.flush()
    return user


def grant_role(user: User, role: str, *, community: Community | None = None, station_id: int | None = None) -> RoleGrant:
    """Give a role for a community (coordinator), a station (clerk) or everywhere (admin); idempotent."""
    if role == "coordinator" and community is None:
        raise Invalid("scope_required", _l("A coordinator needs a community."))
    if role == "clerk" and station_id is None:
        raise Invalid("scope_required", _l("A clerk needs a station."))
    if role not in ("coordinator", "clerk", "admin"):
        raise Invalid("invalid_role", _l("Unknown role."))
    community_id = community.id if community is not None else None
    for grant in user.grants:
        if (grant.role, grant.community_id, grant.station_id) == (role, community_id, station_id):
            return grant
    grant = RoleGrant(user=user, role=role, community_id=community_id, station_id=station_id)
    db.session.add(grant)
    db.session.flush()
    return grant


def get_or_create_community(district: str, street: str, community: str, grids: list[str] = ()) -> Community:
    """Find or create 区 › 街道 › 社区 and its grids by name."""
    d = db.session.scalar(sa.select(District).where(District.name == district))
    if d is None:
        d = District(name=district)
        db.session.add(d)
        db.session.flush()
    s = db.session.scalar(sa.select(Street).where(Street.district_id == d.id, Street.name == street))
    if s is None:
        s = Street(district=d, name=street)
        db.session.add(s)
        db.session.flush()
    c = db.session.scalar(sa.select(Community).where(Community.street_id == s.id, Community.name == community))
    if c is None:
        c = Community(street=s, name=community)
        db.session.add(c)
        db.session.flush()
    existing = {g.name for g in c.grids}
    for name in grids:
        if name not in existing:
            db.session.add(Grid(community=c, name=name))
    db.session.flush()
    return c
