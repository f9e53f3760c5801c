"""Every page a role can reach from its home page answers, and so does every link on those pages.

The demo data is seeded, each role is logged in, and the pages are crawled breadth first in Chinese and in
English; a link to a missing page (404) or a crash (5xx) fails the test. Pages stay server-rendered HTML with
a language attribute, and the Chinese pages never show the raw status words of the stock movements.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.models import User
from pointsbank.seed import seed_all

# Not pages: files, photos, the API and its reference, the Open311 gateway.
NOT_A_PAGE = re.compile(r"^/(static|api|open311|docs|swagger)(/|$)|\.(csv|xlsx|png|jpg|json|xml)$|/photos/")
ROLES = {
    "resident": "13900000001",
    "clerk": "13800000003",
    "coordinator": "13800000002",
    "admin": "13800000001",
}
MAX_PAGES = 120


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "mailto:", "tel:", "javascript:")):
                self.hrefs.append(href)


def _links(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.hrefs:
        url = urlsplit(urljoin("http://localhost" + base, href))
        if url.netloc in ("", "localhost"):
            out.append(url.path + (f"?{url.query}" if url.query else ""))
    return out


def _shape(path: str) -> str:
    """/stations/12/scan and /stations/3/scan are the same page: crawl one of them."""
    return re.sub(r"\d+", "N", path)


def _crawl(client, lang: str) -> tuple[dict[str, int], list[str]]:
    """status of every page and link reached from the home page; the list of broken links with their page."""
    client.set_cookie("pb_lang", lang, domain="localhost")
    statuses: dict[str, int] = {}
    broken: list[str] = []
    queue, shapes = deque(["/"]), set()
    while queue and len(shapes) < MAX_PAGES:
        path = queue.popleft()
        if _shape(path) in shapes:
            continue
        shapes.add(_shape(path))
        response = client.get(path)
        statuses[path] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            queue.extend(_links(f'<a href="{response.headers["Location"]}">', path))
            continue
        if response.status_code >= 400 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        assert f'lang="{"zh-Hans" if lang == "zh_Hans" else "en"}"' in html, path
        for link in _links(html, path):
            if link not in statuses:
                statuses[link] = client.get(link).status_code
            if statuses[link] == 404 or statuses[link] >= 500:
                broken.append(f"{path} -> {link} ({statuses[link]})")
            if not NOT_A_PAGE.search(urlsplit(link).path) and _shape(link) not in shapes:
                queue.append(link)
    return statuses, broken


@pytest.fixture
def demo(app):
    run_in_unit(seed_all)
    return app


@pytest.mark.parametrize(
    "role",
    [
        "resident",
        "clerk",
        "coordinator",
        "admin",
    ],
)
def test_every_page_and_link_of_a_role_answers(demo, client, login, role):
    user = db.session.scalar(sa.select(User).where(User.phone == ROLES[role]))
    login(user)
    for lang in ("zh_Hans", "en"):
        statuses, broken = _crawl(client, lang)
        pages = [p for p in statuses if statuses[p] == 200 and not NOT_A_PAGE.search(urlsplit(p).path)]
        assert len(pages) >= 5, f"{role} reached only {pages}"
        assert broken == [], f"{role} in {lang}: broken links"


def test_station_report_says_the_stock_movements_in_chinese(demo, client, login):
    clerk = db.session.scalar(sa.select(User).where(User.phone == ROLES["clerk"]))
    login(clerk)
    client.set_cookie("pb_lang", "zh_Hans", domain="localhost")
    station_id = sorted(clerk.clerk_station_ids())[0]
    html = client.get(f"/stations/{station_id}/report").get_data(as_text=True)
    assert "每日报表" in html
    assert "入库 +" in html
    for raw in ("intake +", "redemption -", "donation +"):
        assert raw not in html
