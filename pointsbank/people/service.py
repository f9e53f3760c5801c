"""People services: users, roles, the hierarchy. They flush; the caller's unit of work commits."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from pointsbank.audit import service as audit
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.auth import check_password_rules, hash_password, normalize_phone, verify_password
from pointsbank.people.models import STATIONS, Community, District, Grid, RoleGrant, Street, User


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


def grant_role(
    user: User,
    role: str,
    *,
    community: Community | None = None,
    station_id: int | None = None,
    street: Street | None = None,
    district: District | None = None,
) -> RoleGrant:
    """Give a role for a community, a station, a street, a district or everywhere (admin); idempotent."""
    if role == "coordinator" and community is None:
        raise Invalid("scope_required", _l("A coordinator needs a community."))
    if role == "clerk" and station_id is None:
        raise Invalid("scope_required", _l("A clerk needs a station."))
    if role == "street_officer" and street is None:
        raise Invalid("scope_required", _l("A street officer needs a street."))
    if role == "district_officer" and district is None:
        raise Invalid("scope_required", _l("A district officer needs a district."))
    if role not in ("coordinator", "clerk", "street_officer", "district_officer", "admin"):
        raise Invalid("invalid_role", _l("Unknown role."))
    key = (
        role,
        community.id if community is not None else None,
        station_id,
        street.id if street is not None else None,
        district.id if district is not None else None,
    )
    for grant in user.grants:
        if (grant.role, grant.community_id, grant.station_id, grant.street_id, grant.district_id) == key:
            return grant
    grant = RoleGrant(
        user=user, role=role, community_id=key[1], station_id=station_id, street_id=key[3], district_id=key[4]
    )
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


# --- scope -------------------------------------------------------------------------------------------------


def community_in_scope(user: User, community_id: int) -> Community:
    """The community if the user coordinates it (or is an admin); otherwise NotFound."""
    community = db.session.get(Community, community_id)
    if community is None or not (user.is_admin or community.id in user.coordinated_community_ids()):
        raise NotFound()
    return community


def require_admin(user: User) -> None:
    """Only admins manage the hierarchy and roles; others get 404 (nothing to see here)."""
    if not user.is_admin:
        raise NotFound()


# The hierarchy lives in places.py; these names stay importable from here.
from pointsbank.people.places import (  # noqa: E402, F401
    CHILDREN,
    HIERARCHY,
    PARENT,
    add_place,
    delete_place,
    get_place,
    hierarchy_tree,
    rename_place,
)

# --- roles (admins) ----------------------------------------------------------------------------------------


def find_user_by_phone(phone: str) -> User:
    """The user with this mobile number, or NotFound."""
    user = db.session.scalar(sa.select(User).where(User.phone == normalize_phone(phone)))
    if user is None:
        raise NotFound("user_not_found", _l("No user has this mobile number."))
    return user


def grant_role_by_ids(
    user: User,
    role: str,
    community_id: int | None,
    station_id: int | None,
    *,
    actor: User | None = None,
    street_id: int | None = None,
    district_id: int | None = None,
) -> RoleGrant:
    """Grant a role to a user, checking the community, station, street or district exists and fits (audited)."""
    community = None
    street = db.session.get(Street, street_id) if role == "street_officer" and street_id else None
    district = db.session.get(District, district_id) if role == "district_officer" and district_id else None
    if role == "coordinator":
        community = db.session.get(Community, community_id) if community_id else None
        if community is None:
            raise Invalid("scope_required", _l("A coordinator needs a community."))
        station_id = None
    elif role == "clerk":
        if not station_id or db.session.scalar(sa.select(STATIONS.c.id).where(STATIONS.c.id == station_id)) is None:
            raise Invalid("scope_required", _l("A clerk needs a station."))
    else:
        station_id = None
    before = len(user.grants)
    grant = grant_role(user, role, community=community, station_id=station_id, street=street, district=district)
    if len(user.grants) != before:
        audit.record(
            "role.granted",
            actor_id=actor.id if actor else None,
            community_id=grant.community_id,
            subject=("user", user.id),
            details={
                "grant": grant.id,
                "role": role,
                "community": grant.community_id,
                "station": grant.station_id,
                "street": grant.street_id,
                "district": grant.district_id,
            },
        )
    return grant


def revoke_grant(grant_id: int, acting: User) -> None:
    """Take a role back; an admin cannot take away their own admin role (someone must stay admin)."""
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None:
        raise NotFound()
    if grant.role == "admin" and grant.user_id == acting.id:
        raise Refused("last_admin", _l("You cannot take away your own admin role."))
    audit.record(
        "role.revoked",
        actor_id=acting.id,
        community_id=grant.community_id,
        subject=("user", grant.user_id),
        details={"grant": grant.id, "role": grant.role, "community": grant.community_id, "station": grant.station_id},
    )
    grant.user.grants.remove(grant)
    db.session.delete(grant)
    db.session.flush()


def list_grants(page: int = 1, per_page: int = 50) -> tuple[list[RoleGrant], int]:
    """All role grants, newest first (stable: by id), with the user loaded."""
    total = db.session.scalar(sa.select(sa.func.count(RoleGrant.id)))
    rows = db.session.scalars(
        sa.select(RoleGrant)
        .options(selectinload(RoleGrant.user))
        .order_by(RoleGrant.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(rows), total


# --- residents (coordinators) ------------------------------------------------------------------------------

# No 0/o, 1/l/i: a temporary password is read aloud or copied from paper by older residents.
_TEMP_LETTERS = "abcdefghjkmnpqrstuvwxyz"
_TEMP_DIGITS = "23456789"


def temporary_password() -> str:
    """Four letters and four digits, easy to read from a slip of paper (e.g. kmpt4829)."""
    return "".join(secrets.choice(_TEMP_LETTERS) for _ in range(4)) + "".join(
        secrets.choice(_TEMP_DIGITS) for _ in range(4)
    )


def _grid_in(community: Community, grid_id: int | None) -> Grid | None:
    if grid_id is None:
        return None
    grid = db.session.get(Grid, grid_id)
    if grid is None or grid.community_id != community.id:
        raise Invalid("invalid_grid", _l("The grid is not in this community."))
    return grid


def register_resident(
    community: Community, name: str, phone: str, grid_id: int | None = None, *, actor: User | None = None
) -> tuple[User, str]:
    """Register a resident with a temporary password (returned once); they choose their own at first login."""
    grid = _grid_in(community, grid_id)
    password = temporary_password()
    user = create_user(phone, name, password, community=community, grid=grid, check_password=False)
    user.must_change_password = True
    db.session.flush()
    audit.record(
        "user.registered",
        actor_id=actor.id if actor else None,
        community_id=community.id,
        subject=("user", user.id),
        details={"grid": grid.id if grid else None},
    )
    return user, password


def change_password(user: User, current: str, new: str, *, keep_session_id: int | None = None) -> int:
    """Change a user's password; every other session ends and every token is revoked. Returns sessions ended."""
    from pointsbank.people import sessions

    if not verify_password(user, current):
        raise Invalid("wrong_password", _l("The current password is wrong."))
    if new == current:
        raise Invalid("weak_password", _l("Choose a password different from the current one."))
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session.flush()
    ended = sessions.end_all(user.id, keep_id=keep_session_id, revoke_tokens=True)
    audit.record(
        "password.changed",
        actor_id=user.id,
        community_id=user.community_id,
        subject=("user", user.id),
        details={"sessions_ended": ended},
    )
    return ended


def list_residents(community: Community, page: int = 1, per_page: int = 50) -> tuple[list[User], int]:
    """Residents of a community by name order (stable: then id), with their grid."""
    base = sa.select(User).where(User.community_id == community.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.options(selectinload(User.grid)).order_by(User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def resident_of(community: Community, user_id: int) -> User:
    """A resident of this community, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None or user.community_id != community.id:
        raise NotFound()
    return user


def reset_resident_password(community: Community, user_id: int, *, actor: User | None = None) -> tuple[User, str]:
    """A resident forgot their password: a new temporary one (returned once); their sessions and tokens end."""
    from pointsbank.people import sessions

    user = resident_of(community, user_id)
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.session.flush()
    ended = sessions.end_all(user.id, revoke_tokens=True)
    audit.record(
        "password.reset",
        actor_id=actor.id if actor else None,
        community_id=community.id,
        subject=("user", user.id),
        details={"sessions_ended": ended},
    )
    return user, password


def set_resident_active(actor: User, community: Community, user_id: int, active: bool) -> User:
    """Deactivate a resident (they cannot log in; sessions and tokens end) or let them back in; audited."""
    from pointsbank.people import sessions

    user = resident_of(community, user_id)
    if user.id == actor.id:
        raise Refused("own_account", _l("You cannot deactivate your own account."))
    if user.active == active:
        return user
    user.active = active
    db.session.flush()
    ended = 0 if active else sessions.end_all(user.id, revoke_tokens=True)
    audit.record(
        "user.reactivated" if active else "user.deactivated",
        actor_id=actor.id,
        community_id=community.id,
        subject=("user", user.id),
        details={"before": {"active": not active}, "after": {"active": active}, "sessions_ended": ended},
    )
    return user


def end_sessions_of(actor: User, user_id: int, community_id: int | None = None) -> int:
    """End every session of a user (an admin: anyone; a coordinator: a resident of their community); audited."""
    from pointsbank.people import sessions

    if community_id is not None:
        user = resident_of(community_in_scope(actor, community_id), user_id)
    else:
        require_admin(actor)
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound()
    ended = sessions.end_all(user.id)
    audit.record(
        "session.ended_all",
        actor_id=actor.id,
        community_id=user.community_id,
        subject=("user", user.id),
        details={"sessions_ended": ended},
    )
    return ended


# --- lookups for pages and the API -------------------------------------------------------------------------


def communities_by_ids(ids: set[int]) -> list[Community]:
    """These communities in id order."""
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Community).where(Community.id.in_(ids)).order_by(Community.id)))


def grant_choices() -> tuple[list[Community], list]:
    """Every community and every station, for the role form."""
    communities = db.session.scalars(sa.select(Community).order_by(Community.id)).all()
    stations = db.session.execute(sa.select(STATIONS).order_by(STATIONS.c.id)).all()
    return list(communities), list(stations)


def officer_choices() -> tuple[list[Street], list[District]]:
    """Every street and every district, for the role form."""
    streets = db.session.scalars(sa.select(Street).order_by(Street.id)).all()
    districts = db.session.scalars(sa.select(District).order_by(District.id)).all()
    return list(streets), list(districts)


def communities_in_scope(user: User, page: int, per_page: int) -> tuple[list[Community], int]:
    """Communities the user may see: all for admins, coordinated ones and their own otherwise."""
    query = sa.select(Community).order_by(Community.id)
    if not user.is_admin:
        ids = user.coordinated_community_ids() | ({user.community_id} if user.community_id else set())
        query = query.where(Community.id.in_(ids))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Community.grids), selectinload(Community.street).selectinload(Street.district))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), total
