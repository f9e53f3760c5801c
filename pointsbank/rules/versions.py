"""Rules and their versions: drafting, publishing, changing, retiring; which version is in force; plain words."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.rules.models import RULE_CATEGORIES, RULE_EVIDENCE, RULE_UNITS, Rule, RuleVersion
from pointsbank.rules.scope import can_manage, check_manages, managed_community_ids

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
    _check_title_free(community_id, rule.title)
    rule.versions.append(RuleVersion(version=1, **version_values))
    db.session.add(rule)
    db.session.flush()
    _audit("rule.created", actor, rule, {"after": _snapshot(rule, rule.latest)})
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
    before = _snapshot(rule, rule.latest)
    if values.get("title") is not None and values["title"].strip() != rule.title:
        _check_title_free(rule.community_id, values["title"].strip(), rule.id)
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
        _flush_named(rule)
        _audit_change(actor, rule, before, latest)
        return latest
    if all(_same(merged[k], getattr(latest, k)) for k in VERSION_FIELDS):
        _flush_named(rule)
        _audit_change(actor, rule, before, latest)
        return latest
    now = utcnow()
    for version in rule.versions:
        if version.published_at is not None and version.superseded_at is None:
            version.superseded_at = now
    new = RuleVersion(version=latest.version + 1, published_at=now, **merged)
    rule.versions.append(new)
    _flush_named(rule)
    _audit_change(actor, rule, before, new)
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
    _check_title_free(rule.community_id, rule.title, rule.id)
    rule.status = "published"
    rule.latest.published_at = utcnow()
    _flush_named(rule)
    _audit("rule.published", actor, rule, {"version": rule.latest.version})
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
    _audit("rule.retired", actor, rule, {"before": {"status": "published"}, "after": {"status": "retired"}})
    return rule


def _check_title_free(community_id: int, title: str, rule_id: int | None = None) -> None:
    """No two published rules of a community share a title (how to earn names each rule once)."""
    query = sa.select(Rule.id).where(Rule.community_id == community_id, Rule.title == title, Rule.status == "published")
    if rule_id is not None:
        query = query.where(Rule.id != rule_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(
            "rule_title_taken",
            _l("A rule in force in this community already has this name; choose another one."),
            details={"title": title},
        )


def _flush_named(rule: Rule) -> None:
    """Flush; a rule published at the same moment under the same title is a Conflict, not a crash."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "rule_title_taken",
            _l("A rule in force in this community already has this name; choose another one."),
            details={"title": rule.title},
        ) from exc


def _snapshot(rule: Rule, version: RuleVersion) -> dict:
    """The audited fields of a rule and one of its versions, as plain JSON values."""
    values = {name: getattr(rule, name) for name in RULE_FIELDS}
    values.update({name: getattr(version, name) for name in VERSION_FIELDS})
    return {k: (_aware(v).isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def _audit(action: str, actor, rule: Rule, details: dict) -> None:
    from pointsbank.audit import service as audit

    audit.record(action, actor_id=actor.id, community_id=rule.community_id, subject=("rule", rule.id), details=details)


def _audit_change(actor, rule: Rule, before: dict, version: RuleVersion) -> None:
    """Audit a change with the before and after of the fields that changed (nothing when none did)."""
    after = _snapshot(rule, version)
    changed = sorted(k for k in after if after[k] != before.get(k))
    if changed:
        _audit(
            "rule.updated",
            actor,
            rule,
            {
                "version": version.version,
                "before": {k: before.get(k) for k in changed},
                "after": {k: after[k] for k in changed},
            },
        )


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


def published_rules(community_ids) -> list[Rule]:
    """Published rules of these communities, by category and title (what an activity can pay under)."""
    query = (
        sa.select(Rule)
        .where(Rule.community_id.in_(list(community_ids) or [-1]), Rule.status == "published")
        .order_by(Rule.category, Rule.title)
    )
    return list(db.session.scalars(query).unique())


def unretired_rules(community_id: int) -> list[Rule]:
    """Draft and published rules of a community, oldest first (what a report category can pay under)."""
    query = sa.select(Rule).where(Rule.community_id == community_id, Rule.status != "retired").order_by(Rule.id)
    return list(db.session.scalars(query).unique())


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
        "report": _("a report with a photo, accepted by the community"),
        "photo": _("a photo, looked at by a coordinator"),
        "witness": _("a witness, confirmed by a coordinator"),
        "coordinator": _("a coordinator's confirmation"),
    }.get(version.evidence, version.evidence)
