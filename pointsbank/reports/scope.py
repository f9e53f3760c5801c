"""Who sees a report (reporter, assignee, coordinators, admins) and who triages; grid workers; places."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, Grid, RoleGrant, User
from pointsbank.reports.models import Report, ReportPhoto


def is_manager(user: User, community_id: int) -> bool:
    """Coordinators of the community and admins triage its reports."""
    return user.is_admin or community_id in user.coordinated_community_ids()


def can_see(user: User, report: Report) -> bool:
    """The reporter, the assigned grid worker, the community's coordinators and admins."""
    return report.reporter_id == user.id or report.assignee_id == user.id or is_manager(user, report.community_id)


def visible_report(user: User, report_id: int, *, for_update: bool = False) -> Report:
    """A report the user may see, or NotFound (never reveal that it exists)."""
    query = sa.select(Report).where(Report.id == report_id)
    if for_update:
        query = query.with_for_update(of=Report)
    report = db.session.scalar(query)
    if report is None or not can_see(user, report):
        raise NotFound("report_not_found", _l("Report not found."))
    return report


def managed_community_ids(user: User) -> set[int] | None:
    """Communities whose reports the user triages; None means every community (admin)."""
    if user.is_admin:
        return None
    return user.coordinated_community_ids()


def grid_workers(community_id: int) -> list[User]:
    """Users who can be given a report: the community's coordinators (社区工作者/网格员)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == "coordinator", RoleGrant.community_id == community_id, User.active.is_(True))
            .order_by(User.id)
            .distinct()
        )
    )


def managed_community(user: User, community_id: int | None) -> Community:
    """A community the user triages (the first they coordinate when none is named), else NotFound."""
    if community_id is None:
        coordinated = sorted(user.coordinated_community_ids())
        community_id = coordinated[0] if coordinated else None
    community = db.session.get(Community, community_id) if community_id else None
    if community is None or not is_manager(user, community.id):
        raise NotFound()
    return community


def community_of(community_id: int) -> Community | None:
    """The community with this id, if any."""
    return db.session.get(Community, community_id)


def community_grids(community_id: int | None) -> list[Grid]:
    """The grids of a community, in the community's order (none for an unknown community)."""
    community = db.session.get(Community, community_id) if community_id else None
    return list(community.grids) if community is not None else []


def visible_photo(user: User, photo_id: int) -> ReportPhoto:
    """A report photo the user may see (as they may see its report), else NotFound."""
    photo = db.session.get(ReportPhoto, photo_id)
    if photo is None or not can_see(user, photo.report):
        raise NotFound()
    return photo
