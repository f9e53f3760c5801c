"""Champions and board: the week of a calendar day, ‹ › links (never past this week), own rank, pages of 20."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from pointsbank.db import run_in_unit
from pointsbank.errors import Invalid
from pointsbank.extensions import db
from pointsbank.insights import service as insights
from pointsbank.people.models import Community
from pointsbank.web.pages.insights import PAGE_SIZE

LATER = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2026-12-31", "2026-W53"),  # a Thursday: 2026 has 53 ISO weeks
        ("2027-01-01", "2026-W53"),  # a Friday still in the last week of 2026
        ("2027-01-03", "2026-W53"),  # the Sunday that ends it
        ("2027-01-04", "2027-W01"),
        ("2024-12-30", "2025-W01"),  # a Monday in December that starts next year's week 1
        ("2026-12-07", "2026-W50"),
    ],
)
def test_a_day_picks_its_iso_week(day, label):
    assert insights.pick_week(None, day, now=LATER).label == label
    assert insights.pick_week("2020-W01", day, now=LATER).label == label  # the day wins over the week


def test_a_later_day_is_this_week_and_a_bad_day_is_refused():
    now = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
    assert insights.pick_week(None, "2030-01-01", now=now) == insights.current_week(now)
    assert insights.pick_week("2026-W47", "", now=now).label == "2026-W47"  # the old ?week= still works
    assert insights.pick_week(None, None, now=now) == insights.current_week(now)
    for bad in ("2026-13-01", "yesterday", "1999-12-31", "2026-W49"):
        with pytest.raises(Invalid) as err:
            insights.pick_week(None, bad, now=now)
        assert err.value.code == "invalid_week"


def _community(make_community):
    community = make_community()

    def at_once():
        db.session.get(Community, community.id).champions_after_publicity = False

    run_in_unit(at_once)
    return community


def _href(html: str, testid: str) -> str | None:
    found = re.search(rf'data-testid="{testid}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_week_links_and_calendar(client, login, make_community, make_user):
    community = _community(make_community)
    login(make_user(community=community))
    base = f"/insights/communities/{community.id}"
    this = insights.current_week()
    for page in ("champions", "board"):
        html = client.get(f"{base}/{page}").get_data(as_text=True)
        assert _href(html, "week-prev").endswith(f"week={this.previous().label}")
        assert _href(html, "week-next") is None  # no link into a week that has not come
        assert 'type="date"' in html and f'max="{insights.local_today().isoformat()}"' in html
        assert 'name="day"' in html and 'pattern="\\d{4}-W' not in html  # nobody types 2026-W49
        back = client.get(f"{base}/{page}?day={this.previous().monday.isoformat()}").get_data(as_text=True)
        assert _href(back, "week-next").endswith(f"week={this.label}")
        assert f'value="{this.previous().monday.isoformat()}"' in back
        old = client.get(f"{base}/{page}?week={this.previous().label}").get_data(as_text=True)
        assert _href(old, "week-next").endswith(f"week={this.label}")
        future = client.get(f"{base}/{page}?week={this.next().label}").get_data(as_text=True)
        assert _href(future, "week-next") is None
        bad = client.get(f"{base}/{page}?day=2026-02-30")
        assert bad.status_code == 302 and "day=" not in bad.headers["Location"]


def test_own_rank_outside_the_page_and_pages(client, login, make_community, make_user, award_points):
    community = _community(make_community)
    others = [make_user(community=community, name=f"居民{i:02d}") for i in range(PAGE_SIZE + 2)]
    for i, user in enumerate(others):
        award_points(user, 100 - i)
    me = make_user(community=community, name="张三丰")
    award_points(me, 1)
    login(me)
    url = f"/insights/communities/{community.id}/champions"
    first = client.get(url).get_data(as_text=True)
    assert first.count('class="champion rank-') == PAGE_SIZE
    mine = first.split('data-testid="my-rank"')[1].split("</li>")[0]
    assert (
        f"No. {PAGE_SIZE + 3}" in client.get(url + "?lang=en").get_data(as_text=True).split('data-testid="my-rank"')[1]
    )
    assert "张*丰" in mine and "mine" in first and 'data-testid="pager"' in first
    assert first.count('data-testid="my-rank"') == 1
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert second.count('class="champion rank-') == 3  # ranks 21 to 23, mine among them
    assert second.count('data-testid="my-rank"') == 1 and "居民21" not in second and "居**1" in second
    assert "champion rank-23 mine" in second
    assert client.get(url + "?page=99").get_data(as_text=True).count('class="champion rank-') == 3  # the last page
    api = client.get(f"/api/v1/communities/{community.id}/champions?per_page=5&page=2").get_json()
    assert [r["rank"] for r in api["residents"]] == [6, 7, 8, 9, 10]
    assert api["me"]["rank"] == PAGE_SIZE + 3 and api["me"]["name"] == "张三丰" and api["total"] == PAGE_SIZE + 3
    day = client.get(f"/api/v1/communities/{community.id}/champions?day={insights.local_today().isoformat()}")
    assert day.get_json()["week"] == insights.current_week().label
    assert client.get(f"/api/v1/communities/{community.id}/champions?day=bad").get_json()["error"]["code"] == (
        "invalid_week"
    )


def test_board_pages_and_own_lines(client, login, make_community, make_user, award_points):
    community = _community(make_community)
    me = make_user(community=community, name="张三丰")
    other = make_user(community=community, name="王秀英")
    for i in range(PAGE_SIZE + 1):
        award_points(other if i < PAGE_SIZE else me, 1, memo=f"志愿活动：第{i + 1}次")
    login(me)
    url = f"/insights/communities/{community.id}/board"
    first = client.get(url).get_data(as_text=True)
    assert first.count("<tr class=") == PAGE_SIZE and "第1次" in first and f"第{PAGE_SIZE + 1}次" not in first
    assert 'data-testid="pager"' in first and " mine" not in first
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert second.count("<tr class=") == 1 and f"第{PAGE_SIZE + 1}次" in second and " mine" in second
    public = client.get(f"/insights/public/communities/{community.id}/board?page=2").get_data(as_text=True)
    assert f"第{PAGE_SIZE + 1}次" in public and " mine" not in public  # no viewer on the printed board
    assert "?page=1" not in public and "page=1" in public  # ‹ back to the first page, on the public board too
    assert 'data-testid="board-all"' in public
    printed = client.get(f"/insights/public/communities/{community.id}/board?all=1").get_data(as_text=True)
    assert printed.count("<tr class=") == PAGE_SIZE + 1 and 'data-testid="pager"' not in printed


def test_public_publicity_api_takes_a_day(client, make_community, make_user, award_points):
    community = _community(make_community)
    award_points(make_user(community=community, name="张三丰"), 3)
    url = f"/api/v1/communities/{community.id}/publicity"
    this = insights.current_week()
    body = client.get(f"{url}?day={this.sunday.isoformat()}").get_json()
    assert body["week"] == this.label and body["total"] == 1
    before = client.get(f"{url}?day={this.previous().sunday.isoformat()}&week={this.label}").get_json()
    assert before["week"] == this.previous().label and before["total"] == 0
    assert client.get(f"{url}?day=31.12.2026").get_json()["error"]["code"] == "invalid_week"
