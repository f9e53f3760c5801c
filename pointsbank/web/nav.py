"""Home-page tiles: each page module may offer `home_links(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    hint: str = ""


def home_links(user) -> list[Link]:
    """Tiles for the user's roles, in the order of the page modules."""
    from pointsbank.web.pages import MODULES

    links: list[Link] = []
    for name in MODULES:
        provider = getattr(import_module(f"pointsbank.web.pages.{name}"), "home_links", None)
        if provider is not None:
            links.extend(provider(user))
    return links
