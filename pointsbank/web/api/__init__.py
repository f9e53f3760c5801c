"""JSON API blueprints under /api/v1, one module per feature."""

from importlib import import_module

MODULES = ("people", "ledger", "rules", "activities", "reports", "stations", "insights")


def API_BLUEPRINTS() -> list:  # noqa: N802
    return [import_module(f"{__name__}.{name}").blp for name in MODULES]
