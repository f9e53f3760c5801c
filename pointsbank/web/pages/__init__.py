"""Server-rendered page blueprints, one module per feature."""

from importlib import import_module

MODULES = (
    "home",
    "people",
    "ledger",
    "rules",
    "activities",
    "reports",
    "stations",
    "insights",
    "insights_overview",
    "insights_liability",
    "audit",
    "notices",
    "jobs",
    "offline",
    "privacy",
    "objections",
    "signals",
    "exports",
    "people_officers",
)


def PAGE_BLUEPRINTS() -> list:  # noqa: N802
    return [import_module(f"{__name__}.{name}").bp for name in MODULES]
