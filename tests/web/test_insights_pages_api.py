"""Insights pages and API: masking, scope (404), week validation, CSV download, bounded statements."""

from __future__ import annotations

import csv
import io

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.insights import service as insights
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.people.models import Community
from tests.factories.ledger import new_key
from tests.web.test_ledger_statement_counts import counted

# Log-in (user, roles), the community, the board lines, the totals, and the read transaction's BEGIN on SQLite.
BOARD_PAGE_BUDGET = 6


def world(make_community, make_user, award_points):
    community = make_community()

    def name_champions_at_once():  # champions after 公示 has its own tests (test_objections_pages_api.py)
        db.session.get(Community, community.id).champions_after_publicity = False

    run_in_unit(name_champions_at_once)
    resident = make_user(community=community, name="张三丰")
    neighbour = make_user(community=community, name="王秀英")
    coordinator = make_user("coordinator", community=community, name="陈渝")
    award_points(resident, 10, memo="志愿活动：楼道清扫 2 小时")
    wrong = award_points(neighbour, 6, memo="随手拍：井盖破损")
    run_in_unit(
        lambda: ledger.reverse(db.session.get(Transfer, wrong.id), key=new_key("rev"), actor_id=None, reason="重复")
    )
    return community, resident, neighbour, coordinator


def test_resident_sees_masked_champions_and_board(client, login, make_community, make_user, award_points):
    community, resident, _, _ = world(make_community, make_user, award_points)
    login(resident)
    page = client.get(f"/insights/communities/{community.id}/champions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "张*丰" in html and "张三丰" not in html
    assert "王*英" not in html  # the reversed award earns nothing
    board = client.get(f"/insights/communities/{community.id}/board").get_data(as_text=True)
    assert "张*丰" in board and "王*英" in board and "张三丰" not in board and "王秀英" not in board
    assert "志愿活动：楼道清扫 2 小时" in board and "已撤销" in board
    assert "insights.css" in board and 'style="' not in board and "<script>" not in board
    assert client.get(f"/insights/communities/{community.id}/awards.csv").status_code == 404
    assert client.get(f"/insights/communities/{community.id}/dashboard").status_code == 404
    assert client.get("/insights/").headers["Location"].endswith(f"/insights/communities/{community.id}/champions")
    en = client.get(f"/insights/communities/{community.id}/board?lang=en").get_data(as_text=True)
    assert "Withdrawn" in en and "Public board" in en


def test_coordinator_sees_full_names_and_public_version_masks(client, login, make_community, make_user, award_points):
    community, _, _, coordinator = world(make_community, make_user, award_points)
    login(coordinator)
    html = client.get(f"/insights/communities/{community.id}/champions").get_data(as_text=True)
    assert "张三丰" in html
    public = client.get(f"/insights/communities/{community.id}/board?public=1").get_data(as_text=True)
    assert "张*丰" in public and "张三丰" not in public
    assert client.get(f"/insights/communities/{community.id}/dashboard").status_code == 200
    body = client.get("/api/v1/communities/%d/champions" % community.id).get_json()
    assert body["residents"][0]["name"] == "张三丰" and body["residents"][0]["user_id"] is not None


def test_other_community_is_404_on_pages_and_api(client, login, make_community, make_user, award_points):
    community, _, _, _ = world(make_community, make_user, award_points)
    outsider = make_user(community=make_community(), name="赵敏")
    other_coordinator = make_user("coordinator", community=make_community(), name="孙倩")
    for user in (outsider, other_coordinator):
        login(user)
        for path in ("champions", "board", "dashboard", "awards.csv"):
            assert client.get(f"/insights/communities/{community.id}/{path}").status_code == 404, path
        for path in ("champions", "board", "dashboard"):
            answer = client.get(f"/api/v1/communities/{community.id}/{path}")
            assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "community_not_found"
    assert client.get("/api/v1/communities/99999/board").status_code == 404


def test_api_champions_board_and_week_validation(client, login, make_community, make_user, award_points):
    community, resident, _, _ = world(make_community, make_user, award_points)
    login(resident)
    week = insights.current_week().label
    body = client.get(f"/api/v1/communities/{community.id}/champions?week={week}").get_json()
    assert body["week"] == week
    assert body["residents"] == [{"rank": 1, "user_id": None, "name": "张*丰", "points": 10, "awards": 1}]
    board = client.get(f"/api/v1/communities/{community.id}/board?per_page=1&page=2").get_json()
    assert board["total"] == 2 and board["totals"]["net_points"] == 10 and board["totals"]["reversed_points"] == 6
    assert [(i["name"], i["reversed"]) for i in board["items"]] == [("王*英", True)]
    assert board["items"][0]["created_at"].endswith("+00:00")
    for bad in ("2026-W60", "nonsense", "2026-47"):
        answer = client.get(f"/api/v1/communities/{community.id}/champions?week={bad}")
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_week"
    assert client.get(f"/api/v1/communities/{community.id}/board?week=x").status_code == 400
    assert client.get(f"/api/v1/communities/{community.id}/dashboard").status_code == 404  # residents: no dashboard
    page = client.get(f"/insights/communities/{community.id}/champions?week=bad")
    assert page.status_code == 302 and "week=" not in page.headers["Location"]


def test_api_dashboard_and_anonymous(client, login, make_community, make_user, award_points):
    community, _, _, coordinator = world(make_community, make_user, award_points)
    assert client.get(f"/api/v1/communities/{community.id}/champions").status_code == 401
    assert client.get(f"/insights/communities/{community.id}/champions").status_code == 302
    login(coordinator)
    body = client.get(f"/api/v1/communities/{community.id}/dashboard").get_json()
    assert body["week"]["points"]["issued"] == 10 and body["month"]["active_residents"] == 2


def test_csv_download(client, login, make_community, make_user, award_points):
    community, _, _, coordinator = world(make_community, make_user, award_points)
    login(coordinator)
    week = insights.current_week().label
    answer = client.get(f"/insights/communities/{community.id}/awards.csv?week={week}")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert f"awards-{community.id}-{week}.csv" in answer.headers["Content-Disposition"]
    assert answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert [(r[2], r[4], r[5]) for r in rows[1:]] == [("张三丰", "10", "有效"), ("王秀英", "6", "已撤销")]


def test_home_tiles(client, login, make_community, make_user, award_points):
    community, resident, _, coordinator = world(make_community, make_user, award_points)
    login(resident)
    home = client.get("/").get_data(as_text=True)
    assert "/insights/" in home and "/insights/dashboard" not in home
    assert "/insights/board" in client.get("/me").get_data(as_text=True)  # the rest of the tiles live under 我的
    login(coordinator)
    assert "/insights/dashboard" in client.get("/").get_data(as_text=True)


def test_board_page_statements_are_bounded(client, login, make_community, make_user, award_points):
    community, resident, neighbour, _ = world(make_community, make_user, award_points)
    login(resident)
    url = f"/insights/communities/{community.id}/board"
    client.get(url)
    with counted() as few:
        assert client.get(url).status_code == 200
    for i in range(30):
        award_points(neighbour if i % 2 else resident, 1, memo=f"志愿活动：第{i + 1}次")
    with counted() as many:
        assert client.get(url).status_code == 200
    assert len(many) <= BOARD_PAGE_BUDGET, many
    assert len(many) == len(few)
    with counted() as champions:
        assert client.get(f"/insights/communities/{community.id}/champions").status_code == 200
    assert len(champions) <= BOARD_PAGE_BUDGET + 1, champions  # champions, teams, last week


# SQLite's read BEGIN, the log-in (user, roles), the community, its rollup mark, then for the dashboard and its
# trend at once: points flows, active residents, activities, reports and their resolution times (the median); the
# dashboard's redemptions, top items and low stock, the trend's stock value.
DASHBOARD_PAGE_BUDGET = 13


def test_dashboard_page_statements_do_not_grow_with_data(client, login, make_community, make_user, award_points):
    community, resident, neighbour, coordinator = world(make_community, make_user, award_points)
    login(coordinator)
    url = f"/insights/communities/{community.id}/dashboard"
    client.get(url)
    with counted() as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        award_points(neighbour if i % 2 else resident, 2)
    with counted() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= DASHBOARD_PAGE_BUDGET, many
