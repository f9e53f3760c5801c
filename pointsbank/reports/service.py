"""The report loop: file, triage (accept, reject, duplicate), assign, resolve, close or reopen; notices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people.models import Community, Grid, RoleGrant, User
from pointsbank.reports import photos as photo_store
from pointsbank.reports.models import (
    Notice,
    Report,
    ReportCategory,
    ReportEvent,
    ReportPhoto,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def N_(message: str) -> str:
    """Mark a message id for extraction; it is translated later, in the reader's language."""
    return message


AUTOCLOSE_DAYS = 7
DEFAULT_CATEGORIES = (
    ("设施损坏", 48),
    ("消防安全", 24),
    ("环境卫生", 48),
    ("占道经营", 72),
    ("噪音扰民", 72),
    ("文明养犬", 72),
    ("垃圾分类", 72),
    ("其他", 120),
)
# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "reject": (frozenset({"submitted"}), "rejected"),
    "duplicate": (frozenset({"submitted"}), "duplicate"),
    "assign": (frozenset({"accepted", "assigned"}), "assigned"),
    "resolve": (frozenset({"assigned"}), "resolved"),
    "close": (frozenset({"resolved"}), "closed"),
    "autoclose": (frozenset({"resolved"}), "closed"),
    "reopen": (frozenset({"resolved"}), "assigned"),
}


# ---------------------------------------------------------------- categories


def categories(community_id: int, *, active_only: bool = True) -> list[ReportCategory]:
    """The report categories of a community, in display order."""
    query = sa.select(ReportCategory).where(ReportCategory.community_id == community_id)
    if active_only:
        query = query.where(ReportCategory.active.is_(True))
    return list(db.session.scalars(query.order_by(ReportCategory.position, ReportCategory.id)))


def ensure_default_categories(community_id: int) -> list[ReportCategory]:
    """Create the usual categories for a community if they are missing (safe to run again)."""
    existing = {c.name: c for c in categories(community_id, active_only=False)}
    for position, (name, hours) in enumerate(DEFAULT_CATEGORIES):
        if name not in existing:
            category = ReportCategory(
                community_id=community_id, name=name, time_limit_hours=hours, position=position, active=True
            )
            db.session.add(category)
            existing[name] = category
    db.session.flush()
    return categories(community_id, active_only=False)


CATEGORY_FIELDS = ("name", "rule_id", "resolve_rule_id", "time_limit_hours", "active", "position")


def _check_rule(community_id: int, rule_id: int | None) -> None:
    if rule_id is None:
        return
    from pointsbank.rules.models import Rule

    rule = db.session.get(Rule, rule_id)
    if rule is None or rule.community_id != community_id:
        raise Invalid("unknown_rule", _l("Choose one of the community's rules."))


def save_category(actor: User, community_id: int, category: ReportCategory | None = None, **values) -> ReportCategory:
    """Create or change a community's report category (coordinators of the community)."""
    if not is_manager(actor, community_id) or db.session.get(Community, community_id) is None:
        raise NotFound()
    values = {k: v for k, v in values.items() if k in CATEGORY_FIELDS}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()[:40]
        if not values["name"]:
            raise Invalid("name_required", _l("A category needs a name."))
        clash = db.session.scalar(
            sa.select(ReportCategory).where(
                ReportCategory.community_id == community_id, ReportCategory.name == values["name"]
            )
        )
        if clash is not None and clash is not category:
            raise Conflict("category_exists", _l("This community already has a category with this name."))
    elif category is None:
        raise Invalid("name_required", _l("A category needs a name."))
    for key in ("rule_id", "resolve_rule_id"):
        if key in values:
            _check_rule(community_id, values[key])
    if category is None:
        category = ReportCategory(community_id=community_id, time_limit_hours=72, active=True, position=100)
        db.session.add(category)
    for key, value in values.items():
        setattr(category, key, value)
    db.session.flush()
    return category


# ---------------------------------------------------------------- scope


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


# ---------------------------------------------------------------- notices


def notify(user_id: int, text: str, *, link: str = "", subject: tuple[str, int | None] | None = None) -> Notice:
    """Post an in-app notice to a user."""
    notice = Notice(user_id=user_id, text=text[:400], link=link[:200])
    if subject:
        notice.subject_type, notice.subject_id = subject
    db.session.add(notice)
    db.session.flush()
    return notice


def unread_count(user_id: int) -> int:
    """How many notices the user has not read."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def notices(user_id: int, *, page: int = 1, per_page: int = 20) -> tuple[list[Notice], int]:
    """The user's notices, newest first."""
    base = sa.select(Notice).where(Notice.user_id == user_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(base.order_by(Notice.id.desc()).limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def mark_read(user_id: int, notice_id: int | None = None) -> int:
    """Mark one notice (or all of them) as read; returns how many changed."""
    query = sa.update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if notice_id is not None:
        if db.session.get(Notice, notice_id) is None or db.session.get(Notice, notice_id).user_id != user_id:
            raise NotFound("notice_not_found", _l("Notice not found."))
        query = query.where(Notice.id == notice_id)
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.expire_all()
    return result.rowcount or 0


def _report_link(report: Report) -> str:
    return f"/reports/{report.id}"


def _tell_reporter(report: Report, message: str, **params) -> None:
    """A notice to the reporter in their language (Chinese unless they chose English)."""
    locale = report.reporter.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans")
    with force_locale(locale):
        text = gettext(message, id=report.id, category=report.category.name, **params)
    notify(report.reporter_id, text, link=_report_link(report), subject=("report", report.id))


# ---------------------------------------------------------------- filing


@dataclass
class Filing:
    """What a resident tells us about a problem."""

    category_id: int
    description: str
    grid_id: int | None = None
    building: str = ""
    place: str = ""
    lat: float | None = None
    lon: float | None = None


def file_report(reporter: User, filing: Filing, photos: Sequence[BinaryIO], *, min_photos: int = 1) -> Report:
    """File a report with one to three photos; nothing is stored if anything is wrong."""
    if reporter.community_id is None:
        raise Forbidden("not_a_resident", _l("Only residents of a community can file reports."))
    category = db.session.get(ReportCategory, filing.category_id)
    if category is None or category.community_id != reporter.community_id or not category.active:
        raise Invalid("unknown_category", _l("Choose one of your community's categories."))
    description = (filing.description or "").strip()
    if len(description) < 5:
        raise Invalid("description_too_short", _l("Describe the problem in a few words (at least 5 characters)."))
    if filing.grid_id is not None:
        grid = db.session.get(Grid, filing.grid_id)
        if grid is None or grid.community_id != reporter.community_id:
            raise Invalid("unknown_grid", _l("Choose one of your community's grids."))
    if (filing.lat is None) != (filing.lon is None):
        raise Invalid("invalid_location", _l("A location needs both latitude and longitude."))
    if filing.lat is not None and not (-90 <= filing.lat <= 90 and -180 <= filing.lon <= 180):
        raise Invalid("invalid_location", _l("This location is not valid."))
    checked = photo_store.check_photos(photos, minimum=min_photos)
    report = Report(
        community_id=reporter.community_id,
        reporter=reporter,
        category=category,
        description=description[:2000],
        grid_id=filing.grid_id,
        building=(filing.building or "").strip()[:80],
        place=(filing.place or "").strip()[:200],
        lat=filing.lat,
        lon=filing.lon,
        status="submitted",
    )
    db.session.add(report)
    for photo in checked:
        report.photos.append(_photo_row(photo, "filing"))
    db.session.flush()
    _event(report, reporter, "file", None, "submitted", "")
    _tell_reporter(report, N_("We received your report #%(id)s (%(category)s). The community will look at it soon."))
    return report


def _photo_row(photo: photo_store.Photo, stage: str) -> ReportPhoto:
    name = photo_store.store(photo)
    return ReportPhoto(
        stage=stage,
        filename=name,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        gps_lat=photo.gps_lat,
        gps_lon=photo.gps_lon,
    )


# ---------------------------------------------------------------- status flow


def _event(
    report: Report,
    actor: User | None,
    action: str,
    from_status: str | None,
    to_status: str,
    note: str,
    request_key: str | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report=report,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=(note or "")[:2000],
        request_key=request_key,
    )
    db.session.add(event)
    return event


def replayed(report_id: int, request_key: str | None) -> bool:
    """True when this request key already moved the report (an idempotent replay)."""
    if not request_key:
        return False
    event = db.session.scalar(sa.select(ReportEvent).where(ReportEvent.request_key == request_key))
    if event is None:
        return False
    if event.report_id != report_id:
        raise Conflict("idempotency_conflict", _l("This Idempotency-Key was used for another request."))
    return True


def _move(report: Report, actor: User | None, action: str, note: str = "", request_key: str | None = None) -> str:
    """Check the transition, record it and return the status the report had."""
    allowed, target = TRANSITIONS[action]
    if report.status not in allowed:
        raise Conflict(
            "illegal_transition",
            _l("This report cannot go from %(status)s by this action.", status=report.status),
            details={"status": report.status, "action": action},
        )
    before = report.status
    report.status = target
    report.updated_at = utcnow()
    _event(report, actor, action, before, target, note, request_key)
    return before


def _require_manager(actor: User, report: Report) -> None:
    if not is_manager(actor, report.community_id):
        if can_see(actor, report):
            raise Forbidden("not_coordinator", _l("Only the community's coordinators can do this."))
        raise NotFound("report_not_found", _l("Report not found."))


def _award(report: Report, rule_id: int | None, stage: str, actor: User, label: str) -> int:
    """Pay the reporter under the rule's version in force; returns the points posted."""
    if rule_id is None:
        return 0
    from pointsbank.rules import service as rules
    from pointsbank.rules.models import Rule

    rule = db.session.get(Rule, rule_id)
    version = rules.current_version(rule) if rule is not None else None
    if version is None:
        report.award_note = gettext("No points rule is in force for this category.")[:200]
        return 0
    outcome = rules.award_under_rule(
        report.reporter,
        version,
        key=f"report:{report.id}:{stage}",
        actor_id=actor.id,
        memo=f"随手拍：{report.category.name}（{label}）",
        subject=("report", report.id),
    )
    report.points_awarded += outcome.awarded if outcome.status == "posted" else 0
    if outcome.cap_note:
        report.award_note = str(outcome.cap_note)[:200]
    elif outcome.status == "pending":
        report.award_note = gettext("Points wait for a coordinator's approval.")[:200]
    return outcome.awarded if outcome.status == "posted" else 0


def accept(report: Report, actor: User, note: str = "", *, request_key: str | None = None) -> Report:
    """Accept a submitted report and pay the reporter under the category's rule."""
    _require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    _move(report, actor, "accept", note, request_key)
    report.accepted_at = utcnow()
    points = _award(report, report.category.rule_id, "accept", actor, "已受理")
    if points:
        _tell_reporter(
            report, N_("Your report #%(id)s (%(category)s) was accepted. You earned %(points)d points."), points=points
        )
    else:
        _tell_reporter(report, N_("Your report #%(id)s (%(category)s) was accepted."))
    db.session.flush()
    return report


def reject(report: Report, actor: User, reason: str) -> Report:
    """Reject a submitted report, with the reason the reporter will read."""
    _require_manager(actor, report)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required", _l("Give the reason for rejecting the report."))
    _move(report, actor, "reject", reason)
    report.status_note = reason[:2000]
    report.closed_at = utcnow()
    _tell_reporter(report, N_("Your report #%(id)s was not accepted: %(reason)s"), reason=reason)
    db.session.flush()
    return report


def mark_duplicate(report: Report, actor: User, original_id: int, note: str = "") -> Report:
    """Mark a report as a duplicate of an earlier one; only the first reporter is paid."""
    _require_manager(actor, report)
    original = db.session.get(Report, original_id)
    if original is None or original.community_id != report.community_id or original.id == report.id:
        raise Invalid("unknown_original", _l("Choose an earlier report of the same community."))
    if original.id > report.id:
        raise Refused("original_must_be_earlier", _l("The original must be the earlier report."))
    if original.status in ("duplicate", "rejected"):
        raise Refused("original_not_valid", _l("The original report was itself rejected or a duplicate."))
    _move(report, actor, "duplicate", note or f"#{original.id}")
    report.duplicate_of_id = original.id
    report.status_note = (note or "").strip()[:2000]
    report.closed_at = utcnow()
    _tell_reporter(
        report,
        N_(
            "Your report #%(id)s was marked as a duplicate of report #%(original)s, which is "
            "already being handled. Thank you."
        ),
        original=original.id,
    )
    db.session.flush()
    return report


def _resolve_assignee(report: Report, assignee_id: int | None, department: str) -> tuple[User | None, str]:
    department = (department or "").strip()[:80]
    if (assignee_id is None) == (not department):
        raise Invalid("assignee_required", _l("Choose a grid worker or name a department (one of the two)."))
    if assignee_id is None:
        return None, department
    worker = next((u for u in grid_workers(report.community_id) if u.id == assignee_id), None)
    if worker is None:
        raise Invalid("unknown_assignee", _l("Choose one of the community's grid workers."))
    return worker, ""


def assign(
    report: Report,
    actor: User,
    *,
    assignee_id: int | None = None,
    department: str = "",
    note: str = "",
    request_key: str | None = None,
) -> Report:
    """Hand the report to a grid worker or a named department (a submitted report is accepted first)."""
    _require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    worker, department = _resolve_assignee(report, assignee_id, department)
    if report.status == "submitted":
        accept(report, actor)
    _move(report, actor, "assign", note or (worker.name if worker else department), request_key)
    report.assignee = worker
    report.assignee_id = worker.id if worker else None
    report.department = department
    report.assigned_at = utcnow()
    _tell_reporter(report, N_("Your report #%(id)s was handed to %(assignee)s."), assignee=report.assignee_label)
    db.session.flush()
    return report


def bulk_assign(
    actor: User, report_ids: Iterable[int], *, assignee_id: int | None = None, department: str = ""
) -> list[Report]:
    """Assign several reports at once: all or none."""
    ids = sorted(set(report_ids))
    if not ids:
        raise Invalid("no_reports", _l("Choose at least one report."))
    reports = list(
        db.session.scalars(sa.select(Report).where(Report.id.in_(ids)).order_by(Report.id).with_for_update(of=Report))
    )
    found = {r.id for r in reports}
    for report in reports:
        if not can_see(actor, report):
            found.discard(report.id)
    if found != set(ids):
        raise NotFound("report_not_found", _l("Report not found."), details={"ids": sorted(set(ids) - found)})
    for report in reports:
        assign(report, actor, assignee_id=assignee_id, department=department)
    return reports


def resolve(
    report: Report, actor: User, note: str, photo: BinaryIO | None = None, *, request_key: str | None = None
) -> Report:
    """Record that the problem was fixed (note, optional photo); may pay a bonus under the resolve rule."""
    if not (is_manager(actor, report.community_id) or report.assignee_id == actor.id):
        _require_manager(actor, report)
    if replayed(report.id, request_key):
        return report
    note = (note or "").strip()
    if not note:
        raise Invalid("note_required", _l("Say what was done."))
    checked = photo_store.check_photos([photo] if photo is not None else [], minimum=0, maximum=1)
    _move(report, actor, "resolve", note, request_key)
    report.status_note = note[:2000]
    report.resolved_at = utcnow()
    for item in checked:
        report.photos.append(_photo_row(item, "resolution"))
    points = _award(report, report.category.resolve_rule_id, "resolve", actor, "已办结")
    message = N_("Your report #%(id)s was resolved: %(note)s. Rate it, or reopen it if it is not fixed.")
    if points:
        message = N_(
            "Your report #%(id)s was resolved: %(note)s. You earned %(points)d more points. "
            "Rate it, or reopen it if it is not fixed."
        )
    _tell_reporter(report, message, note=note, points=points)
    db.session.flush()
    return report


def _require_reporter(actor: User, report: Report) -> None:
    if report.reporter_id != actor.id:
        if can_see(actor, report):
            raise Forbidden("not_reporter", _l("Only the reporter can do this."))
        raise NotFound("report_not_found", _l("Report not found."))


def close(report: Report, actor: User, satisfaction: int, note: str = "") -> Report:
    """The reporter confirms the fix and rates it 1–5; the report closes."""
    _require_reporter(actor, report)
    if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        raise Invalid("invalid_satisfaction", _l("Rate from 1 to 5."))
    _move(report, actor, "close", note or f"{satisfaction}/5")
    report.satisfaction = satisfaction
    report.closed_at = utcnow()
    _tell_reporter(report, N_("Your report #%(id)s is closed. Thank you for your rating."))
    db.session.flush()
    return report


def reopen(report: Report, actor: User, note: str) -> Report:
    """The reporter says a resolved report is not fixed: it goes back to its assignee."""
    _require_reporter(actor, report)
    note = (note or "").strip()
    if not note:
        raise Invalid("note_required", _l("Say what is still wrong."))
    _move(report, actor, "reopen", note)
    report.resolved_at = None
    report.status_note = note[:2000]
    _tell_reporter(
        report, N_("Your report #%(id)s was reopened and goes back to %(assignee)s."), assignee=report.assignee_label
    )
    db.session.flush()
    return report


def autoclose(days: int = AUTOCLOSE_DAYS, *, now: datetime | None = None) -> int:
    """Close reports resolved more than `days` ago that the reporter did not rate."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.status == "resolved", Report.resolved_at < cutoff)
        .order_by(Report.id)
        .with_for_update(of=Report)
    ).all()
    for report in reports:
        _move(report, None, "autoclose", f"{days}")
        report.closed_at = now or utcnow()
        _tell_reporter(
            report, N_("Your report #%(id)s was closed automatically %(days)d days after it was resolved."), days=days
        )
    db.session.flush()
    return len(reports)


# ---------------------------------------------------------------- lists


@dataclass
class TriageFilter:
    """What the coordinator's queue shows."""

    status: str | None = None
    category_id: int | None = None
    grid_id: int | None = None
    older_than_days: int | None = None
    community_id: int | None = None


def my_reports(user: User, *, page: int = 1, per_page: int = 20) -> tuple[list[Report], int]:
    """The reports the user filed, newest first."""
    base = sa.select(Report).where(Report.reporter_id == user.id)
    return _page(base.order_by(Report.id.desc()), page, per_page)


def triage(user: User, flt: TriageFilter, *, page: int = 1, per_page: int = 20) -> tuple[list[Report], int]:
    """The coordinator's queue, oldest first, filtered."""
    scope = managed_community_ids(user)
    query = sa.select(Report)
    if scope is not None:
        query = query.where(Report.community_id.in_(scope or {-1}))
    if flt.community_id is not None:
        query = query.where(Report.community_id == flt.community_id)
    if flt.status == "open":
        query = query.where(Report.status.in_(("submitted", "accepted", "assigned")))
    elif flt.status:
        query = query.where(Report.status == flt.status)
    if flt.category_id:
        query = query.where(Report.category_id == flt.category_id)
    if flt.grid_id:
        query = query.where(Report.grid_id == flt.grid_id)
    if flt.older_than_days:
        query = query.where(Report.created_at < utcnow() - timedelta(days=flt.older_than_days))
    return _page(query.order_by(Report.created_at, Report.id), page, per_page)


def _page(query: sa.Select, page: int, per_page: int) -> tuple[list[Report], int]:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    items = db.session.scalars(
        query.options(sa.orm.selectinload(Report.grid), sa.orm.selectinload(Report.assignee))
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(items), total


# ---------------------------------------------------------------- hot topics


def parse_week(text: str | None, *, today: date | None = None) -> tuple[int, int]:
    """'2026-W47' -> (2026, 47); empty means the current ISO week (Asia/Shanghai)."""
    if not text:
        iso = (today or datetime.now(SHANGHAI).date()).isocalendar()
        return iso.year, iso.week
    try:
        year_text, week_text = text.upper().split("-W")
        year, week = int(year_text), int(week_text)
        date.fromisocalendar(year, week, 1)
        if not 2000 <= year <= 2099:  # the ends of the calendar overflow in Asia/Shanghai
            raise ValueError(year)
    except ValueError as exc:
        raise Invalid("invalid_week", _l("Give the week as YYYY-Www, for example 2026-W47.")) from exc
    return year, week


def week_bounds(year: int, week: int) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in Asia/Shanghai, as UTC."""
    monday = date.fromisocalendar(year, week, 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=SHANGHAI)
    return start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC)


@dataclass
class HotTopic:
    """One category's share of a week's reports."""

    category_id: int
    category: str
    count: int
    share: float


def hot_topics(community_id: int, year: int, week: int) -> tuple[list[HotTopic], int]:
    """Reports per category filed in an ISO week, most first, with their share."""
    start, end = week_bounds(year, week)
    rows = db.session.execute(
        sa.select(ReportCategory.id, ReportCategory.name, sa.func.count(Report.id))
        .join(Report, Report.category_id == ReportCategory.id)
        .where(Report.community_id == community_id, Report.created_at >= start, Report.created_at < end)
        .group_by(ReportCategory.id, ReportCategory.name)
        .order_by(sa.func.count(Report.id).desc(), ReportCategory.id)
    ).all()
    total = sum(r[2] for r in rows)
    return [HotTopic(r[0], r[1], r[2], round(r[2] / total, 4) if total else 0.0) for r in rows], total


def record_decision(pending) -> None:
    """Keep a report's points in step with the coordinator's decision on its pending award (rules calls this)."""
    if pending.subject_type != "report" or pending.subject_id is None:
        return
    report = db.session.get(Report, pending.subject_id)
    key = f"pending-award:{pending.id}:{pending.status}"
    if report is None or pending.status not in ("approved", "rejected") or replayed(report.id, key):
        return
    decider = db.session.get(User, pending.decided_by) if pending.decided_by else None
    _event(report, decider, "points", report.status, report.status, pending.reason or "", key)
    if pending.status == "approved" and pending.awarded_points:
        report.points_awarded += pending.awarded_points
        report.award_note = (pending.cap_note or "")[:200]
        _tell_reporter(
            report,
            N_("Points for your report #%(id)s were approved: %(points)d points."),
            points=pending.awarded_points,
        )
    elif pending.status == "rejected":
        report.award_note = (pending.reason or "")[:200]
        _tell_reporter(report, N_("Points for your report #%(id)s were not approved."))
    db.session.flush()
