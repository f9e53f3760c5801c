"""Reading the audit log: who may see which entries, filters, pages, and a streamed walk for exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit.models import AuditEntry
from pointsbank.errors import Invalid, NotFound
from pointsbank.extensions import db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPORT_BATCH = 1000


@dataclass
class AuditFilter:
    """What to show: one community (or every one in scope), a person (actor or subject), an action, a date range."""

    community_id: int | None = None
    person_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_details(self) -> dict:
        """The filter as ids and codes, for the audit entry of an export."""
        return {
            "community": self.community_id,
            "person": self.person_id,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }


def visible_communities(user) -> set[int] | None:
    """Communities whose entries the user may read: None means all (admins); no role here is NotFound."""
    if user.is_admin:
        return None
    ids = user.coordinated_community_ids()
    if not ids:
        raise NotFound()
    return ids


def _day_start(day: date) -> datetime:
    """Midnight of a Shanghai calendar day, as an aware time."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def query(user, flt: AuditFilter) -> sa.Select:
    """The entries the user may see that match the filter, newest first (stable: by id)."""
    scope = visible_communities(user)
    q = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if flt.community_id is not None:
        if scope is not None and flt.community_id not in scope:
            raise NotFound()
        q = q.where(AuditEntry.community_id == flt.community_id)
    elif scope is not None:
        q = q.where(AuditEntry.community_id.in_(scope))
    if flt.person_id is not None:
        q = q.where(
            sa.or_(
                AuditEntry.actor_id == flt.person_id,
                sa.and_(AuditEntry.subject_type == "user", AuditEntry.subject_id == flt.person_id),
            )
        )
    if flt.action:
        q = q.where(AuditEntry.action == flt.action)
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise Invalid("invalid_dates", _l("The first day is after the last day."))
    if flt.date_from:
        q = q.where(AuditEntry.created_at >= _day_start(flt.date_from))
    if flt.date_to:
        q = q.where(AuditEntry.created_at < _day_start(flt.date_to + timedelta(days=1)))
    return q


def page(user, flt: AuditFilter, page_no: int, per_page: int) -> tuple[list[AuditEntry], int]:
    """One page of matching entries and how many match in all."""
    q = query(user, flt)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery()))
    rows = db.session.scalars(q.limit(per_page).offset((page_no - 1) * per_page)).all()
    return list(rows), total


def walk(user, flt: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read in batches by id (bounded memory for exports)."""
    q = query(user, flt)
    last: int | None = None
    while True:
        batch_q = q if last is None else q.where(AuditEntry.id < last)
        rows = db.session.scalars(batch_q.limit(EXPORT_BATCH)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def actions_in_scope(user) -> list[str]:
    """The action codes present in the entries the user may see (for the filter's choices)."""
    scope = visible_communities(user)
    q = sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    if scope is not None:
        q = q.where(AuditEntry.community_id.in_(scope))
    return list(db.session.scalars(q))


def people_names(entries: list[AuditEntry]) -> dict[int, str]:
    """Names of the actors and subject users of these entries, in one query."""
    from pointsbank.people.models import User

    ids = {e.actor_id for e in entries if e.actor_id} | {
        e.subject_id for e in entries if e.subject_type == "user" and e.subject_id
    }
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).tuples().all())


def person_by_phone(phone: str) -> int:
    """The id of the user with this number (for the person filter), or NotFound."""
    from pointsbank.people.auth import normalize_phone
    from pointsbank.people.models import User

    user_id = db.session.scalar(sa.select(User.id).where(User.phone == normalize_phone(phone)))
    if user_id is None:
        raise NotFound("user_not_found", _l("No user has this mobile number."))
    return user_id
