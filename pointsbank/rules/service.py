"""Point rules: drafting, publishing, versions in force, awards under a rule with caps, approval queue."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules.models import (
    RULE_CATEGORIES,
    RULE_EVIDENCE,
    RULE_UNITS,
    PendingAward,
    Rule,
    RuleVersion,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
VERSION_FIELDS = (
    "points",
    "unit",
    "grade",
    "cap_day",
    "cap_week",
    "cap_month",
    "evidence",
    "needs_approval",
    "valid_from",
    "valid_until",
)
RULE_FIELDS = ("category", "title", "description")
CAP_LABELS = {"day": "每日", "week": "每周", "month": "每月"}


@dataclass
class AwardOutcome:
    """What award_under_rule did: posted, queued for approval, or nothing left under the caps."""

    status: str  # "posted" | "pending" | "capped_out"
    requested: int
    awarded: int
    cap_note: str | None = None
    transfer: Any = None
    pending_award: PendingAward | None = None


# ---------------------------------------------------------------- scope


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


# ---------------------------------------------------------------- drafting and publishing


def _check_version_values(values: dict) -> None:
    for name in ("valid_from", "valid_until"):
        if values.get(name) is not None:
            values[name] = _aware(values[name]).astimezone(ZoneInfo("UTC"))
    if values.get("unit", "occurrence") not in RULE_UNITS:
        raise Invalid("invalid_unit", _l("Unknown unit."))
    if values.get("evidence", "coordinator") not in RULE_EVIDENCE:
        raise Invalid("invalid_evidence", _l("Unknown kind of evidence."))
    points = values.get("points")
    if points is None or int(points) <= 0:
        raise Invalid("invalid_points", _l("Points must be a positive whole number."))
    for cap in ("cap_day", "cap_week", "cap_month"):
        if values.get(cap) is not None and int(values[cap]) <= 0:
            raise Invalid("invalid_cap", _l("A cap must be a positive whole number or empty."))
    start, end = values.get("valid_from"), values.get("valid_until")
    if start and end and end <= start:
        raise Invalid("invalid_dates", _l("The end date must be after the start date."))


def create_rule(actor, community_id: int, **values: Any) -> Rule:
    """A new draft rule with its first version."""
    check_manages(actor, community_id)
    if values.get("category") not in RULE_CATEGORIES:
        raise Invalid("invalid_category", _l("Unknown category."))
    if not (values.get("title") or "").strip():
        raise Invalid("invalid_title", _l("A rule needs a title."))
    version_values = {k: values.get(k) for k in VERSION_FIELDS if values.get(k) is not None or k.startswith("cap_")}
    version_values.setdefault("valid_from", utcnow())
    _check_version_values(version_values)
    rule = Rule(
        community_id=community_id,
        category=values["category"],
        title=values["title"].strip(),
        description=(values.get("description") or "").strip(),
        status="draft",
        created_by=actor.id,
    )
    rule.versions.append(RuleVersion(version=1, **version_values))
    db.session.add(rule)
    db.session.flush()
    return rule


def update_rule(actor, rule: Rule, **values: Any) -> RuleVersion:
    """Change a rule: a draft changes in place; a published rule gets a new published version."""
    if not can_manage(actor, rule.community_id):
        raise NotFound()
    _lock_rule(rule)
    if rule.status == "retired":
        raise Refused("rule_retired", _l("This rule is retired; it cannot change."))
    if "category" in values and values["category"] is not None and values["category"] not in RULE_CATEGORIES:
        raise Invalid("invalid_category", _l("Unknown category."))
    for name in RULE_FIELDS:
        if values.get(name) is not None:
            setattr(
                rule,
                name,
                values[name].strip() if isinstance(values[name], str) else values[name],
            )
    latest = rule.latest
    merged = {k: getattr(latest, k) for k in VERSION_FIELDS}
    merged.update({k: v for k, v in values.items() if k in VERSION_FIELDS and (v is not None or k.startswith("cap_"))})
    _check_version_values(merged)
    if rule.status == "draft":
        for key, value in merged.items():
            setattr(latest, key, value)
        db.session.flush()
        return latest
    if all(_same(merged[k], getattr(latest, k)) for k in VERSION_FIELDS):
        db.session.flush()
        return latest
    now = utcnow()
    for version in rule.versions:
        if version.published_at is not None and version.superseded_at is None:
            version.superseded_at = now
    new = RuleVersion(version=latest.version + 1, published_at=now, **merged)
    rule.versions.append(new)
    db.session.flush()
    return new


def publish_rule(actor, rule: Rule) -> Rule:
    """Put a draft rule in force from its start date."""
    if not can_manage(actor, rule.community_id):
        raise NotFound()
    _lock_rule(rule)
    if rule.status == "published":
        return rule
    if rule.status == "retired":
        raise Refused("rule_retired", _l("This rule is retired; it cannot change."))
    rule.status = "published"
    rule.latest.published_at = utcnow()
    db.session.flush()
    return rule


def retire_rule(actor, rule: Rule) -> Rule:
    """End a rule: nothing new is awarded under it (past awards stay)."""
    if not can_manage(actor, rule.community_id):
        raise NotFound()
    _lock_rule(rule)
    if rule.status == "retired":
        return rule
    now = utcnow()
    rule.status = "retired"
    rule.retired_at = now
    for version in rule.versions:
        if version.published_at is not None and version.superseded_at is None:
            version.superseded_at = now
    db.session.flush()
    return rule


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _aware(a) == _aware(b)
    return a == b


def _lock_rule(rule: Rule) -> None:
    """Lock the rule row, then re-read it and its versions (another coordinator may have just changed it)."""
    db.session.execute(sa.select(Rule.id).where(Rule.id == rule.id).with_for_update())
    db.session.refresh(rule, ["status", "versions"])


# ---------------------------------------------------------------- in force


def _in_force(at: datetime):
    return sa.and_(
        RuleVersion.published_at.is_not(None),
        RuleVersion.published_at <= at,
        sa.or_(RuleVersion.superseded_at.is_(None), RuleVersion.superseded_at > at),
        RuleVersion.valid_from <= at,
        sa.or_(RuleVersion.valid_until.is_(None), RuleVersion.valid_until > at),
    )


def current_version(rule: Rule, at: datetime | None = None) -> RuleVersion | None:
    """The published version in force at `at` (now by default), or None."""
    at = _aware(at or utcnow())
    for version in reversed(rule.versions):
        if (
            version.published_at is not None
            and _aware(version.published_at) <= at
            and (version.superseded_at is None or _aware(version.superseded_at) > at)
            and _aware(version.valid_from) <= at
            and (version.valid_until is None or _aware(version.valid_until) > at)
        ):
            return version
    return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


def rules_in_force(community_id: int, *, category: str | None = None, at: datetime | None = None) -> list[RuleVersion]:
    """Versions in force in a community, by category order then title."""
    at = at or utcnow()
    query = (
        sa.select(RuleVersion)
        .join(Rule, Rule.id == RuleVersion.rule_id)
        .where(Rule.community_id == community_id, _in_force(at))
        .order_by(Rule.category, Rule.title, RuleVersion.grade, Rule.id)
    )
    if category:
        query = query.where(Rule.category == category)
    versions = list(db.session.scalars(query).unique())
    order = {name: i for i, name in enumerate(RULE_CATEGORIES)}
    return sorted(
        versions,
        key=lambda v: (
            order.get(v.rule.category, 99),
            v.rule.title,
            v.grade,
            v.rule_id,
        ),
    )


def list_rules(
    user,
    *,
    community_id: int | None = None,
    status: str | None = None,
    category: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Rule], int]:
    """Rules a coordinator manages (every status), newest first."""
    query = sa.select(Rule)
    scope = managed_community_ids(user)
    if scope is not None:
        query = query.where(Rule.community_id.in_(scope or {-1}))
    if community_id is not None:
        query = query.where(Rule.community_id == community_id)
    if status:
        query = query.where(Rule.status == status)
    if category:
        query = query.where(Rule.category == category)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(Rule.id.desc()).offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


# ---------------------------------------------------------------- plain words


def describe(version: RuleVersion) -> str:
    """Points and caps in plain words, e.g. "每小时 10 分，每天最多 30 分"."""
    if version.unit == "hour":
        parts = [_("%(points)s points an hour", points=version.points)]
    else:
        parts = [_("%(points)s points each time", points=version.points)]
    if version.cap_day:
        parts.append(_("at most %(cap)s a day", cap=version.cap_day))
    if version.cap_week:
        parts.append(_("at most %(cap)s a week", cap=version.cap_week))
    if version.cap_month:
        parts.append(_("at most %(cap)s a month", cap=version.cap_month))
    return _(", ").join(parts)


def evidence_words(version: RuleVersion) -> str:
    """What proof the rule asks for, in words."""
    return {
        "check_in": _("check-in and check-out at the activity"),
        "photo": _("a photo"),
        "coordinator": _("a coordinator's confirmation"),
    }.get(version.evidence, version.evidence)


# ---------------------------------------------------------------- caps


def cap_windows(now: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The day, week (Monday first) and month containing `now`, in the Asia/Shanghai calendar, as UTC bounds."""
    local = now.astimezone(SHANGHAI)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    utc = ZoneInfo("UTC")
    return {
        "day": (day.astimezone(utc), (day + timedelta(days=1)).astimezone(utc)),
        "week": (week.astimezone(utc), (week + timedelta(days=7)).astimezone(utc)),
        "month": (month.astimezone(utc), next_month.astimezone(utc)),
    }


def points_used(resident_id: int, rule_id: int, start: datetime, end: datetime) -> int:
    """Points a resident got under any version of a rule in [start, end), net of reversals."""
    from pointsbank.ledger.models import Account, Entry, Transfer

    original = sa.orm.aliased(Transfer)
    version_ids = sa.select(RuleVersion.id).where(RuleVersion.rule_id == rule_id)
    under_rule = sa.or_(
        Transfer.rule_version_id.in_(version_ids),
        Transfer.reverses_id.in_(sa.select(original.id).where(original.rule_version_id.in_(version_ids))),
    )
    query = (
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            Account.kind == "resident",
            Account.owner_user_id == resident_id,
            under_rule,
            Transfer.created_at >= start,
            Transfer.created_at < end,
        )
    )
    return int(db.session.scalar(query) or 0)


def cap_room(resident_id: int, version: RuleVersion, now: datetime | None = None) -> tuple[int | None, dict]:
    """Points still allowed under the version's caps now (None = no cap) and the tightest cap's figures."""
    now = now or utcnow()
    room: int | None = None
    binding: dict = {}
    for period, (start, end) in cap_windows(now).items():
        cap = getattr(version, f"cap_{period}")
        if cap is None:
            continue
        used = points_used(resident_id, version.rule_id, start, end)
        left = max(cap - used, 0)
        if room is None or left < room:
            room, binding = left, {"period": period, "cap": cap, "used": used}
    return room, binding


def cap_note_text(binding: dict, requested: int, awarded: int) -> str:
    """Why an award was cut, in plain (Chinese, stored) words."""
    label = CAP_LABELS[binding["period"]]
    return f"{label}上限 {binding['cap']} 分，已得 {binding['used']} 分，本次应得 {requested} 分，实得 {awarded} 分"


def requested_points(version: RuleVersion, quantity: float) -> int:
    """Points for a quantity (occurrences or hours), rounded down."""
    if quantity is None or quantity <= 0 or (version.unit == "occurrence" and quantity != int(quantity)):
        raise Invalid(
            "invalid_quantity",
            _l("The quantity must be a positive number (whole for occurrences)."),
        )
    return math.floor(version.points * quantity + 1e-9)


# ---------------------------------------------------------------- awarding


def award_under_rule(
    resident,
    version: RuleVersion,
    *,
    quantity: float = 1,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: tuple | None = None,
) -> AwardOutcome:
    """Award points under a rule version: queue it when the rule needs approval, else post within the caps."""
    requested = requested_points(version, quantity)
    if version.published_at is None:
        raise Refused("rule_not_in_force", _l("This rule is not published."))
    if resident.community_id != version.rule.community_id:
        raise Refused("wrong_community", _l("This rule belongs to another community."))
    if requested == 0:
        return AwardOutcome("capped_out", 0, 0)
    existing = _existing_transfer(key)
    if existing is not None:
        awarded = _resident_amount(existing, resident.id)
        if existing.rule_version_id != version.id or awarded <= 0:
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return AwardOutcome("posted", requested, awarded, None, existing)
    queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
    if queued is not None:
        if queued.resident_id != resident.id or queued.rule_version_id != version.id:
            raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
        return _outcome_of_pending(queued)
    if version.needs_approval:
        subject_type, subject_id = subject or (None, None)
        pending = PendingAward(
            community_id=version.rule.community_id,
            resident_id=resident.id,
            rule_version_id=version.id,
            quantity=quantity,
            requested_points=requested,
            subject_type=subject_type,
            subject_id=subject_id,
            memo=memo,
            status="pending",
            requested_by=actor_id,
            idempotency_key=key,
        )
        try:
            with db.session.begin_nested():
                db.session.add(pending)
                db.session.flush()
        except IntegrityError:
            # The same key was queued at the same moment by another request: answer with that one.
            queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
            if queued is None:
                raise
            return _outcome_of_pending(queued)
        return AwardOutcome("pending", requested, 0, None, None, pending)
    return _post(
        resident,
        version,
        requested,
        key=key,
        actor_id=actor_id,
        memo=memo,
        subject=subject,
    )


def _existing_transfer(key: str):
    from pointsbank.ledger.models import Transfer

    return db.session.scalar(sa.select(Transfer).where(Transfer.idempotency_key == key))


def _resident_amount(transfer, resident_id: int) -> int:
    from pointsbank.ledger.models import Account, Entry

    amount = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Account, Account.id == Entry.account_id)
        .where(
            Entry.transfer_id == transfer.id,
            Account.owner_user_id == resident_id,
            Account.kind == "resident",
        )
    )
    return int(amount or 0)


def _post(
    resident,
    version: RuleVersion,
    requested: int,
    *,
    key: str,
    actor_id: int | None,
    memo: str,
    subject: tuple | None,
) -> AwardOutcome:
    from pointsbank.ledger import service as ledger
    from pointsbank.ledger.models import Account

    accounts = [
        ledger.community_account(version.rule.community_id, "issuance"),
        ledger.resident_account(resident),
    ]
    # Lock in the ledger's order so that two awards for one resident count the caps one after the other.
    db.session.execute(
        sa.select(Account.id).where(Account.id.in_([a.id for a in accounts])).order_by(Account.id).with_for_update()
    )
    room, binding = cap_room(resident.id, version)
    awarded = requested if room is None else min(requested, room)
    note = cap_note_text(binding, requested, awarded) if awarded < requested else None
    if awarded == 0:
        return AwardOutcome("capped_out", requested, 0, note)
    line = f"{memo}（{note}）" if note else memo
    transfer = ledger.award(
        resident,
        awarded,
        key=key,
        actor_id=actor_id,
        memo=line[:200],
        subject=subject,
        rule_version_id=version.id,
    )
    return AwardOutcome("posted", requested, awarded, note, transfer)


def _outcome_of_pending(pending: PendingAward) -> AwardOutcome:
    status = {"pending": "pending", "rejected": "pending"}.get(pending.status, "posted")
    if pending.status == "approved" and not pending.transfer_id:
        status = "capped_out"
    return AwardOutcome(
        status,
        pending.requested_points,
        pending.awarded_points or 0,
        pending.cap_note,
        None,
        pending,
    )


def award_by_coordinator(
    actor, rule: Rule, resident_id: int, *, quantity: float = 1, note: str = "", key: str
) -> AwardOutcome:
    """A coordinator awards a resident under a rule in force (their word is the evidence); caps apply."""
    from pointsbank.people.models import User

    if not can_manage(actor, rule.community_id):
        raise NotFound()
    resident = db.session.get(User, resident_id)
    if resident is None or resident.community_id != rule.community_id:
        raise NotFound("resident_not_found", _l("No resident of this community has this number."))
    if resident.id == actor.id:
        raise Refused("own_award", _l("You cannot decide on an award to yourself; ask another coordinator."))
    version = current_version(rule)
    if version is None:
        raise Refused("rule_not_in_force", _l("This rule is not published."))
    label = f"{rule.title}（{version.grade}）" if version.grade else rule.title
    amount = f" {quantity:g} 小时" if version.unit == "hour" else (f" ×{quantity:g}" if quantity != 1 else "")
    memo = (f"{rule.category}：{label}{amount}" + (f"，{note.strip()}" if note and note.strip() else ""))[:200]
    key = f"rule:{rule.id}:by:{actor.id}:{key}"
    _refuse_changed_replay(key, quantity, memo)
    return award_under_rule(
        resident,
        version,
        quantity=quantity,
        key=key,
        actor_id=actor.id,
        memo=memo,
        subject=("rule", rule.id),
    )


def _refuse_changed_replay(key: str, quantity: float, memo: str) -> None:
    """The same key again with another quantity or note is refused (the memo carries both)."""
    existing = _existing_transfer(key)
    if existing is not None and existing.memo != memo and not existing.memo.startswith(f"{memo}（"):  # （cap note）
        raise Conflict("idempotency_conflict", _l("This request was already made with different content."))
    queued = db.session.scalar(sa.select(PendingAward).where(PendingAward.idempotency_key == key))
    if queued is not None and (queued.quantity != quantity or queued.memo != memo):
        raise Conflict("idempotency_conflict", _l("This request was already made with different content."))


# ---------------------------------------------------------------- approval queue


def get_pending(pending_id: int, user) -> PendingAward:
    """A pending award the user may see: their own, or one in a community they coordinate."""
    pending = db.session.get(PendingAward, pending_id)
    if pending is None or not (pending.resident_id == user.id or can_manage(user, pending.community_id)):
        raise NotFound()
    return pending


def queue(user, *, status: str = "pending", page: int = 1, per_page: int = 20) -> tuple[list[PendingAward], int]:
    """The approval queue of the user's communities: pending oldest first, decided newest first."""
    query = sa.select(PendingAward).where(PendingAward.status == status)
    scope = managed_community_ids(user)
    if scope is not None:
        query = query.where(PendingAward.community_id.in_(scope or {-1}))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    order = PendingAward.id if status == "pending" else PendingAward.id.desc()
    rows = db.session.scalars(query.order_by(order).offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique()), total


def my_pending(user, *, status: str | None = None, page: int = 1, per_page: int = 20) -> tuple[list[PendingAward], int]:
    """A resident's own awards waiting for, or decided by, a coordinator; newest first."""
    query = sa.select(PendingAward).where(PendingAward.resident_id == user.id)
    if status:
        query = query.where(PendingAward.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(PendingAward.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique()), total


def _check_decider(pending: PendingAward, actor) -> None:
    if not can_manage(actor, pending.community_id):
        raise NotFound()
    if pending.resident_id == actor.id:
        raise Refused(
            "own_award",
            _l("You cannot decide on an award to yourself; ask another coordinator."),
        )


def _claim(pending: PendingAward, actor, status: str, reason: str | None = None) -> bool:
    """Move pending -> status with a conditional UPDATE; False if someone decided first."""
    now = utcnow()
    result = db.session.execute(
        sa.update(PendingAward)
        .where(PendingAward.id == pending.id, PendingAward.status == "pending")
        .values(status=status, decided_by=actor.id, decided_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(pending)
        return False
    pending.status, pending.decided_by, pending.decided_at, pending.reason = (
        status,
        actor.id,
        now,
        reason,
    )
    return True


def approve(pending: PendingAward, actor) -> PendingAward:
    """Approve one pending award: posts it once (caps applied now); approving again changes nothing."""
    _check_decider(pending, actor)
    if not _claim(pending, actor, "approved"):
        if pending.status == "approved":
            return pending
        raise Conflict("already_decided", _l("This award was already decided."))
    from pointsbank.people.models import User

    resident = db.session.get(User, pending.resident_id)
    version = pending.rule_version
    outcome = _post(
        resident,
        version,
        pending.requested_points,
        key=f"pending_award:{pending.id}:award",
        actor_id=actor.id,
        memo=pending.memo,
        subject=(pending.subject_type, pending.subject_id) if pending.subject_type else None,
    )
    pending.awarded_points = outcome.awarded
    pending.cap_note = outcome.cap_note
    pending.transfer_id = outcome.transfer.id if outcome.transfer is not None else None
    db.session.flush()
    _notify_subject(pending)
    return pending


def reject(pending: PendingAward, actor, reason: str) -> PendingAward:
    """Reject one pending award with a reason the resident sees."""
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Invalid("reason_required", _l("Say why the award is rejected."))
    _check_decider(pending, actor)
    if not _claim(pending, actor, "rejected", reason[:200]):
        if pending.status == "rejected":
            return pending
        raise Conflict("already_decided", _l("This award was already decided."))
    db.session.flush()
    _notify_subject(pending)
    return pending


def approve_many(ids: list[int], actor) -> dict[str, int]:
    """Approve several pending awards; returns counts of approved and skipped (decided, own, out of scope)."""
    counts = {"approved": 0, "skipped": 0}
    rows = db.session.scalars(sa.select(PendingAward).where(PendingAward.id.in_(ids)).order_by(PendingAward.id))
    for pending in list(rows.unique()):
        if (
            pending.status != "pending"
            or pending.resident_id == actor.id
            or not can_manage(actor, pending.community_id)
        ):
            counts["skipped"] += 1
            continue
        before = pending.status
        approve(pending, actor)
        counts["approved" if before == "pending" else "skipped"] += 1
    counts["skipped"] += len(set(ids)) - sum(counts.values())
    return counts


def _notify_subject(pending: PendingAward) -> None:
    """Let the feature that asked for the award record the decision (activity sign-up, report)."""
    if pending.subject_type == "activity":
        from pointsbank.activities import service as activities

        activities.record_decision(pending)
    elif pending.subject_type == "report":
        from pointsbank.reports import service as reports

        reports.record_decision(pending)
