"""Home-page tiles: each page module may offer `home_links(user)`; 我的 and the coordinator's home group them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    hint: str = ""


# Section headings of the grouped tiles, one per page module.
GROUP_TITLES = {
    "people": _l("People and account"),
    "ledger": _l("Points"),
    "rules": _l("Rules and awards"),
    "activities": _l("Volunteer activities"),
    "reports": _l("Reports (随手拍)"),
    "stations": _l("Stations"),
    "insights": _l("Champions and figures"),
    "signals": _l("Fraud signals"),
    "audit": _l("Audit log"),
    "notices": _l("Messages"),
    "privacy": _l("Privacy and data"),
    "objections": _l("Objections"),
    "jobs": _l("Scheduled jobs"),
    "offline": _l("Offline counter"),
    "insights_overview": _l("Street and district"),
    "exports": _l("Exports"),
}
# Modules whose tiles join another module's group.
JOINS = {"people_officers": "insights_overview"}


def home_groups(user) -> list[tuple[str, str, list[Link]]]:
    """(module, heading, tiles) for the user's roles, in the order of the page modules; empty groups left out."""
    from pointsbank.web.pages import MODULES

    groups: dict[str, list[Link]] = {}
    for name in MODULES:
        provider = getattr(import_module(f"pointsbank.web.pages.{name}"), "home_links", None)
        links = list(provider(user)) if provider is not None else []
        if links:
            groups.setdefault(JOINS.get(name, name), []).extend(links)
    return [(name, str(GROUP_TITLES.get(name, name)), links) for name, links in groups.items()]


def home_links(user) -> list[Link]:
    """Tiles for the user's roles, in the order of the page modules."""
    return [link for _name, _title, links in home_groups(user) for link in links]
