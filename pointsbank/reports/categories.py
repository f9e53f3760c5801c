"""Report categories per community: the usual ones, their time limits and the rules that pay them."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.errors import Conflict, Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.people.models import Community, User
from pointsbank.reports.models import ReportCategory
from pointsbank.reports.scope import is_manager

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
    from pointsbank.rules import service as rules
    from pointsbank.rules.models import Rule

    rule = db.session.get(Rule, rule_id)
    if rule is None or rule.community_id != community_id:
        raise Invalid("unknown_rule", _l("Choose one of the community's rules."))
    rules.check_pays_for(rules.current_version(rule) or rule.latest, "report_photo")


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
    created = category is None
    if created:
        category = ReportCategory(community_id=community_id, time_limit_hours=72, active=True, position=100)
        db.session.add(category)
    before = {key: getattr(category, key) for key in values if getattr(category, key) != values[key]}
    for key, value in values.items():
        setattr(category, key, value)
    db.session.flush()
    if created or before:
        audit.record(
            "category.created" if created else "category.changed",
            actor_id=actor.id,
            community_id=community_id,
            subject=("category", category.id),
            details={"after": {k: values[k] for k in values}}
            if created
            else {"before": before, "after": {k: values[k] for k in before}},
        )
    return category


def get_category(user: User, category_id: int, community_id: int | None = None) -> ReportCategory:
    """A category (of `community_id` when given), else NotFound; save_category checks who may change it."""
    category = db.session.get(ReportCategory, category_id)
    if category is None or (community_id is not None and category.community_id != community_id):
        raise NotFound()
    return category


def categories_by_rule(community_id: int) -> dict[int, dict[str, list[str]]]:
    """For each rule, the active categories it pays: {"accept": [...], "resolve": [...]} (how to earn)."""
    paid: dict[int, dict[str, list[str]]] = {}
    for category in categories(community_id):
        for stage, rule_id in (("accept", category.rule_id), ("resolve", category.resolve_rule_id)):
            if rule_id is not None:
                paid.setdefault(rule_id, {"accept": [], "resolve": []})[stage].append(category.name)
    return paid
