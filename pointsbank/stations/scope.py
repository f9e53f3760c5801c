"""Who may work, manage or see a station, who acts for whom, and finding the places and people a request names."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import PREPARE
from pointsbank.errors import Forbidden, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.auth import normalize_phone
from pointsbank.people.models import Community, User
from pointsbank.stations.models import Proxy, Station

MAX_ID = 2**31 - 1


def can_operate(user: User, station: Station) -> bool:
    """Clerks of the station, coordinators of its community and admins work the counter."""
    return (
        user.is_admin
        or station.id in user.clerk_station_ids()
        or station.community_id in user.coordinated_community_ids()
    )


def can_manage(user: User, station: Station) -> bool:
    """Coordinators of the station's community and admins edit stations and refund."""
    return user.is_admin or station.community_id in user.coordinated_community_ids()


def can_see_catalogue(user: User, station: Station) -> bool:
    """Residents of the station's community (and its staff) see its catalogue."""
    return station.active and user.community_id == station.community_id or can_operate(user, station)


def station_for_staff(user: User, station_id: int) -> Station:
    """The station if the user works it, with its community (receipts show its undo minutes); 404 otherwise."""
    station = db.session.get(
        Station, station_id, options=[sa.orm.joinedload(Station.community)], execution_options={PREPARE: True}
    )
    if station is None or not can_operate(user, station):
        raise NotFound("station_not_found")
    return station


def station_for_resident(user: User, station_id: int) -> Station:
    """A station whose catalogue the user may see; 404 otherwise."""
    station = db.session.get(Station, station_id)
    if station is None or not can_see_catalogue(user, station):
        raise NotFound("station_not_found")
    return station


def visible_stations(user: User) -> sa.Select:
    """Stations the user may see, by id."""
    query = sa.select(Station).order_by(Station.id)
    if user.is_admin:
        return query
    conditions = [Station.id.in_(user.clerk_station_ids() or {-1})]
    conditions.append(Station.community_id.in_(user.coordinated_community_ids() or {-1}))
    if user.community_id is not None:
        conditions.append(sa.and_(Station.community_id == user.community_id, Station.active.is_(True)))
    return query.where(sa.or_(*conditions))


def stations_of(user: User) -> list[Station]:
    """The stations the user may see, as a list."""
    return list(db.session.scalars(visible_stations(user)))


def communities_to_open_in(user: User) -> list[Community]:
    """Communities where the user may open a station (coordinated ones; every one for admins)."""
    if not user.is_admin and not user.coordinated_community_ids():
        return []
    query = sa.select(Community).order_by(Community.id)
    if not user.is_admin:
        query = query.where(Community.id.in_(user.coordinated_community_ids()))
    return list(db.session.scalars(query))


def community_by_id(community_id: int) -> Community:
    """A community by id; 404 when it does not exist."""
    community = db.session.get(Community, community_id)
    if community is None:
        raise NotFound("community_not_found")
    return community


def user_by_phone(phone: str) -> User:
    """The person registered with a mobile number; a refusal when no one is."""
    user = db.session.scalar(sa.select(User).where(User.phone == normalize_phone(phone)))
    if user is None:
        raise Refused("user_not_found", _l("No one is registered with this mobile number."))
    return user


def proxy_for(user: User, resident_id: int) -> Proxy | None:
    """The active proxy relation letting user act for the resident, if any."""
    return db.session.scalar(
        sa.select(Proxy).where(Proxy.resident_id == resident_id, Proxy.proxy_user_id == user.id, Proxy.active.is_(True))
    )


def residents_i_act_for(user: User) -> list[User]:
    """Elderly residents this user is a registered proxy for."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Proxy, Proxy.resident_id == User.id)
            .where(Proxy.proxy_user_id == user.id, Proxy.active.is_(True))
            .order_by(User.id)
        )
    )


def acting_for(user: User, resident_id: int | None) -> tuple[User, int | None]:
    """(resident, proxy user id) for a request made by user, possibly on behalf of resident_id."""
    if resident_id is None or resident_id == user.id:
        if user.community_id is None:
            raise Forbidden("not_resident", _l("Only residents have points to spend."))
        return user, None
    if not 0 < resident_id <= MAX_ID or proxy_for(user, resident_id) is None:
        raise NotFound("resident_not_found")
    resident = db.session.get(User, resident_id)
    if resident is None or resident.community_id is None or not resident.active:
        raise NotFound("resident_not_found")
    return resident, user.id


def may_see_visit(user: User, resident_id: int, proxy_id: int | None, station: Station) -> bool:
    """Who may see a redemption or reservation: the resident, the proxy who acted, any proxy of the resident,
    or the station's staff."""
    if user.id in (resident_id, proxy_id) or can_operate(user, station):
        return True
    return proxy_for(user, resident_id) is not None
