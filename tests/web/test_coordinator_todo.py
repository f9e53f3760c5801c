"""What waits for a coordinator: the grouped counters of the home page and GET /communities/{id}/todo."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.objections import service as objections
from pointsbank.people.models import User
from pointsbank.reports.models import Report
from pointsbank.rules import service as rules
from tests.factories.ledger import new_key


@pytest.fixture
def busy(make_community, make_user, make_rule, make_category, make_report, make_station, make_item):
    """A community with 2 pending awards, 1 overdue report, 1 objection and 1 low-stock item."""
    community = make_community()
    approver = make_user("coordinator", community=community, name="甲协调员")
    viewer = make_user("coordinator", community=community, name="乙协调员")
    resident = make_user(community=community, name="张三丰")
    neighbour = make_user(community=community, name="李四")
    version = rules.current_version(make_rule(community, approver, title="文明养犬", points=5, needs_approval=True))
    for _ in range(2):
        run_in_unit(
            lambda: rules.award_under_rule(
                resident, version, key=new_key("todo"), actor_id=None, memo="劝导", evidence="coordinator"
            )
        )
    plain = make_rule(community, approver, title="楼道清扫", points=10)

    def award_and_object():
        outcome = rules.award_by_coordinator(
            db.session.get(User, approver.id), plain, resident.id, note="清扫", key=new_key("w")
        )
        objections.file_objection(db.session.get(User, neighbour.id), outcome.transfer.id, "没有看到他清扫")

    run_in_unit(award_and_object)
    late = make_report(resident, make_category(community, "井盖破损", time_limit_hours=24))
    make_report(resident, make_category(community, "楼道堆物", time_limit_hours=72), description="三楼楼道堆满纸箱")

    def backdate():
        db.session.execute(
            sa.update(Report).where(Report.id == late.id).values(created_at=utcnow() - timedelta(hours=30))
        )

    run_in_unit(backdate)
    station = make_station(community, name="幸福驿站")
    make_item(station, "挂面 1kg", 20, stock=3)  # threshold 5: low
    make_item(station, "洗衣液 2L", 60, stock=40)
    return type("Busy", (), dict(community=community, viewer=viewer, station=station))


def _counters(page: str) -> dict[str, int]:
    pattern = (
        r'<a href="([^"]+)"[^>]*><span class="counter-value">(\d+)</span><span class="counter-title">([^<]+)</span>'
    )
    return {title: (int(value), url) for url, value, title in re.findall(pattern, page)}


@contextmanager
def _statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_home_shows_the_work_waiting_grouped_with_links(app, busy, client, login, make_user):
    login(busy.viewer)
    page = client.get("/").get_data(as_text=True)
    counters = _counters(page)
    assert counters["待审核的积分"] == (2, "/rules/approvals")
    assert counters["待研判的随手拍"][0] == 2  # both reports are still submitted
    assert counters["超时未办结的随手拍"] == (1, "/reports/triage?status=open&amp;overdue=1")
    assert counters["待处理的异议"] == (1, "/objections/queue")
    assert counters["库存不足的物品"][0] == 1
    todo = page[page.index('data-testid="todo-todo"') : page.index('data-testid="todo-stock"')]
    stock = page[page.index('data-testid="todo-stock"') : page.index('data-testid="manage"')]
    assert "待审核的积分" in todo and "库存不足的物品" not in todo
    assert "挂面 1kg" in stock and "幸福驿站" in stock and "剩 3" in stock and "洗衣液" not in stock
    # The link of the overdue counter lists exactly the late report.
    triage = client.get("/reports/triage?status=open&overdue=1").get_data(as_text=True)
    assert "南门井盖破损" in triage and "三楼楼道堆满纸箱" not in triage
    # A coordinator of another community sees none of it.
    other = make_user("coordinator", community=make_user("coordinator").community)
    login(other)
    page = client.get("/").get_data(as_text=True)
    assert set(v for v, _url in _counters(page).values()) == {0} and "挂面" not in page


def test_home_counters_take_a_fixed_few_statements(
    app, busy, client, login, make_user, make_item, make_category, make_report
):
    login(busy.viewer)
    client.get("/")

    def measure() -> list[str]:
        with _statements() as seen:
            assert client.get("/").status_code == 200
        return [s for s in seen if re.search(r"pending_award|report|objection|adjustment|item", s)]

    before = measure()
    assert len(before) <= 9, before
    # More goods running out and more reports under other time limits cost no more statements.
    for n in range(4):
        make_item(busy.station, f"肥皂 {n}", 5, stock=1)
    reporter = make_user(community=busy.community)
    for hours in (6, 12):
        make_report(reporter, make_category(busy.community, f"类别 {hours}", time_limit_hours=hours))
    assert len(measure()) == len(before)


def test_todo_api_for_a_coordinator_of_the_community_only(app, busy, client, login, make_user):
    login(busy.viewer)
    body = client.get(f"/api/v1/communities/{busy.community.id}/todo").get_json()
    assert body == {
        "community_id": busy.community.id,
        "awards_pending": 2,
        "reports_waiting": 2,
        "reports_overdue": 1,
        "objections_waiting": 1,
        "adjustments_pending": 0,
        "low_stock_count": 1,
        "low_stock": [
            {
                "item_id": body["low_stock"][0]["item_id"],
                "name": "挂面 1kg",
                "station_id": busy.station.id,
                "station": "幸福驿站",
                "stock": 3,
            }
        ],
    }
    login(make_user("coordinator"))
    answer = client.get(f"/api/v1/communities/{busy.community.id}/todo")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "community_not_found"
    login(make_user(community=busy.community))  # a resident of it
    assert client.get(f"/api/v1/communities/{busy.community.id}/todo").status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/communities/{community_id}/todo"]["get"]
    assert "404" in operation["responses"] and operation["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Todo"}
    assert {"reports_overdue", "low_stock"} <= set(spec["components"]["schemas"]["Todo"]["properties"])
