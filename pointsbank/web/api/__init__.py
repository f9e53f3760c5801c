"""JSON API blueprints, one module per feature (`blp`, plus any `extra_blps`)."""

from importlib import import_module

MODULES = (
    "people",
    "ledger",
    "rules",
    "activities",
    "reports",
    "stations",
    "insights",
    "overview",
    "liability",
    "audit",
    "notices",
    "jobs",
    "offline",
    "privacy",
    "objections",
    "signals",
    "exports",
    "officers",
)


def API_BLUEPRINTS() -> list:  # noqa: N802
    blueprints = []
    for name in MODULES:
        module = import_module(f"{__name__}.{name}")
        blueprints.append(module.blp)
        blueprints.extend(getattr(module, "extra_blps", ()))
    return blueprints
