"""Community settings: what each one means, its allowed range, and the audited change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from pointsbank.audit import service as audit
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.people.models import EXPIRY_POLICIES, Community, User


@dataclass(frozen=True)
class Setting:
    name: str
    label: Any
    help: Any
    kind: str = "int"  # int, bool or choice
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()


EXPIRY_LABELS = {
    "none": _l("Points never expire"),
    "rolling_12_months": _l("Points expire 12 months after they were earned"),
    "year_end": _l("Unspent points are cleared at the end of each year"),
}
SETTINGS: tuple[Setting, ...] = (
    Setting("expiry_policy", _l("Points expiry"), _l("When unspent points expire."), "choice", choices=EXPIRY_POLICIES),
    Setting(
        "adjustment_threshold",
        _l("Four-eyes threshold (points)"),
        _l("Manual adjustments by one coordinator for one resident above this, in a rolling day, need a second."),
        low=1,
        high=100_000,
    ),
    Setting(
        "publicity_days",
        _l("Public notice period (days)"),
        _l("Awards are shown on the board this long before they are final; 0 = no notice period."),
        high=30,
    ),
    Setting(
        "spend_after_publicity",
        _l("Spend only after the notice period"),
        _l("Awarded points can be spent only once the notice period has passed."),
        "bool",
    ),
    Setting(
        "champions_after_publicity",
        _l("Champions only after the notice period"),
        _l("The weekly champions count only awards past the notice period."),
        "bool",
    ),
    Setting(
        "undo_minutes",
        _l("Undo window (minutes)"),
        _l("How long a clerk may undo a redemption at the counter."),
        high=120,
    ),
    Setting(
        "reservation_hours",
        _l("Reservation hold (hours)"),
        _l("How long reserved items wait for pickup."),
        low=1,
        high=720,
    ),
    Setting(
        "low_stock_default",
        _l("Low-stock warning (default)"),
        _l("New items warn when their stock falls to this."),
        high=10_000,
    ),
    Setting(
        "offline_allowance",
        _l("Offline allowance (points per resident per day)"),
        _l("How much a counter may accept while it is offline."),
        high=10_000,
    ),
    Setting(
        "coordinate_retention_days",
        _l("Keep report locations (days)"),
        _l("Exact coordinates of reports are removed after this."),
        low=1,
        high=3650,
    ),
    Setting(
        "signal_mad_k",
        _l("Fraud signal sensitivity (k)"),
        _l("A count is flagged when it lies above the community's median + k × MAD; smaller k flags more."),
        low=1,
        high=20,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


def current(community: Community) -> dict[str, Any]:
    """Every setting of the community."""
    return {s.name: getattr(community, s.name) for s in SETTINGS}


def _check(setting: Setting, value: Any) -> str | None:
    """The problem with a value, or None."""
    if setting.kind == "bool":
        return None if isinstance(value, bool) else str(_l("Choose yes or no."))
    if setting.kind == "choice":
        return None if value in setting.choices else str(_l("Choose one of the listed options."))
    if isinstance(value, bool) or not isinstance(value, int):
        return str(_l("Enter a whole number."))
    if not setting.low <= value <= setting.high:
        return str(_l("Enter a number from %(low)d to %(high)d.", low=setting.low, high=setting.high))
    return None


def update(actor: User, community: Community, changes: dict[str, Any]) -> dict[str, Any]:
    """Change some settings (all checked first; nothing changes if one is wrong); audited with before/after."""
    unknown = sorted(set(changes) - set(BY_NAME))
    if unknown:
        raise Invalid("unknown_setting", _l("Unknown setting."), details={"fields": {n: "unknown" for n in unknown}})
    problems = {name: msg for name, value in changes.items() if (msg := _check(BY_NAME[name], value))}
    if problems:
        raise Invalid(
            "invalid_settings", _l("Some settings are not allowed; nothing was changed."), {"fields": problems}
        )
    before = current(community)
    changed = {name: value for name, value in changes.items() if before[name] != value}
    if not changed:
        return {}
    for name, value in changed.items():
        setattr(community, name, value)
    db.session.flush()
    audit.record(
        "settings.changed",
        actor_id=actor.id,
        community_id=community.id,
        subject=("community", community.id),
        details={"before": {n: before[n] for n in changed}, "after": changed},
    )
    return changed
