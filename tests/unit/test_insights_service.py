"""Insights services: champions, weeks in Asia/Shanghai, the board, the CSV export and the dashboard (no HTTP)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pointsbank.activities import service as activities
from pointsbank.db import run_in_unit
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.insights import service as insights
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.reports import service as reports
from pointsbank.reports.models import Report
from pointsbank.stations import service as stations
from tests.factories.ledger import new_key, set_ledger_clock


@pytest.fixture(autouse=True)
def _app(app):
    return app


def at(monkeypatch, when: datetime) -> None:
    """Make the ledger stamp the next transfers with this server time."""
    set_ledger_clock(monkeypatch, lambda: when)


def reverse(transfer, reason: str = "重复发放") -> Transfer:
    return run_in_unit(
        lambda: ledger.reverse(db.session.get(Transfer, transfer.id), key=new_key("rev"), actor_id=None, reason=reason)
    )


def test_parse_week_accepts_iso_weeks_and_refuses_the_rest():
    week = insights.parse_week("2026-W47")
    assert (week.year, week.number, week.label) == (2026, 47, "2026-W47")
    assert week.monday.isoformat() == "2026-11-16" and week.sunday.isoformat() == "2026-11-22"
    start, end = week.bounds()
    assert start == datetime(2026, 11, 15, 16, 0, tzinfo=UTC)  # Monday 00:00 in Shanghai
    assert end == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert insights.parse_week("2026-W53").year == 2026  # 2026 has 53 ISO weeks
    for bad in ("2025-W53", "2026-W00", "2026-W54", "2026W47", "W47", "2026-47", "abc", "1900-W01", "2026-W4"):
        with pytest.raises(DomainError) as info:
            insights.parse_week(bad)
        assert info.value.code == "invalid_week" and info.value.status == 400
    now = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)  # Monday 00:30 in Shanghai, still Sunday in UTC
    assert insights.parse_week("", now).label == "2026-W48"
    assert insights.parse_week(None, now).previous().label == "2026-W47"


def test_champions_order_ties_and_reversed_awards(make_community, make_user, award_points):
    community = make_community()
    a = make_user(community=community, name="张三丰")
    b = make_user(community=community, name="李四")
    c = make_user(community=community, name="王秀英")
    d = make_user(community=community, name="赵敏")
    award_points(a, 10)
    award_points(b, 7)
    award_points(b, 3)  # b reaches 10 after a: a ranks first
    award_points(c, 30, memo="误发")
    wrong = award_points(c, 50, memo="误发")
    reverse(wrong)  # reversed: c keeps only 30
    award_points(d, 5)
    run_in_unit(lambda: ledger.donate(d, 5, key=new_key("donate")))  # a donation is not earning
    run_in_unit(lambda: ledger.donate(a, 2, key=new_key("donate")))
    week = insights.current_week()
    top = insights.champions(community.id, week)
    assert [(x.rank, x.name, x.points, x.awards) for x in top] == [
        (1, "王秀英", 30, 1),
        (2, "张三丰", 10, 1),
        (3, "李四", 10, 2),
        (4, "赵敏", 5, 1),
    ]
    assert insights.champions(community.id, week) == top  # stable
    assert [x.name for x in insights.champions(community.id, week, limit=2)] == ["王秀英", "张三丰"]
    other = make_community()
    assert insights.champions(other.id, week) == []
    assert insights.champions(community.id, week.previous()) == []


def test_an_award_at_2359_sunday_shanghai_belongs_to_that_week(monkeypatch, make_community, make_user, award_points):
    community = make_community()
    resident = make_user(community=community, name="刘小琴")
    at(monkeypatch, datetime(2026, 11, 22, 15, 59, 30, tzinfo=UTC))  # Sunday 23:59:30 in Shanghai
    award_points(resident, 8, memo="周日晚间巡逻")
    at(monkeypatch, datetime(2026, 11, 22, 16, 0, 0, tzinfo=UTC))  # Monday 00:00 in Shanghai
    award_points(resident, 3, memo="周一零点值守")
    at(monkeypatch, datetime(2026, 11, 15, 15, 59, 59, tzinfo=UTC))  # the Sunday before, 23:59:59
    award_points(resident, 1, memo="上周日")
    w47, w48, w46 = (insights.parse_week(x) for x in ("2026-W47", "2026-W48", "2026-W46"))
    assert [c.points for c in insights.champions(community.id, w47)] == [8]
    assert [c.points for c in insights.champions(community.id, w48)] == [3]
    assert [c.points for c in insights.champions(community.id, w46)] == [1]
    assert [line.memo for line in insights.board(community.id, w47)] == ["周日晚间巡逻"]


def test_top_teams_sum_members_points(make_community, make_user, award_points):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    a = make_user(community=community, name="张三丰")
    b = make_user(community=community, name="李四")
    c = make_user(community=community, name="王秀英")
    riders = run_in_unit(lambda: activities.create_team(coordinator, community.id, "外卖小哥志愿服务队"))
    elders = run_in_unit(lambda: activities.create_team(coordinator, community.id, "银龄互助队"))
    for user, team in ((a, riders), (b, riders), (c, elders), (a, elders)):
        run_in_unit(lambda u=user, t=team: activities.join_team(u, t))
    award_points(a, 4)
    award_points(b, 6)
    award_points(c, 20)
    top = insights.team_champions(community.id, insights.current_week())
    assert [(t.rank, t.name, t.points, t.members) for t in top] == [
        (1, "银龄互助队", 24, 2),
        (2, "外卖小哥志愿服务队", 10, 2),
    ]


def test_board_lists_awards_marks_reversed_and_totals(make_community, make_user, award_points):
    community = make_community()
    a = make_user(community=community, name="张三丰")
    b = make_user(community=community, name="李四")
    award_points(a, 10, memo="志愿活动：楼道清扫 2 小时")
    wrong = award_points(b, 5, memo="随手拍：井盖破损")
    reverse(wrong, "重复上报")
    week = insights.current_week()
    lines = insights.board(community.id, week)
    assert [(x.masked_name, x.memo, x.points, x.reversed) for x in lines] == [
        ("张*丰", "志愿活动：楼道清扫 2 小时", 10, False),
        ("李*", "随手拍：井盖破损", 5, True),
    ]
    totals = insights.board_totals(community.id, week)
    assert vars(totals) == {
        "awards": 2,
        "points": 15,
        "reversed_awards": 1,
        "reversed_points": 5,
        "net_points": 10,
        "residents": 1,
    }


def test_csv_export_has_bom_chinese_and_reversal_state(make_community, make_user, award_points):
    community = make_community()
    a = make_user(community=community, name="张三丰")
    award_points(a, 10, memo="志愿活动：楼道清扫")
    award_points(a, 3, memo='=HYPERLINK("x")')
    reverse(award_points(a, 7, memo="误发"))
    week = insights.current_week()
    body = insights.awards_csv(community.id, week)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert rows[0] == ["周次", "时间", "居民", "事由", "积分", "状态", "流水号"]
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (week.label, "张三丰", "志愿活动：楼道清扫", "10", "有效"),
        (week.label, "张三丰", '\'=HYPERLINK("x")', "3", "有效"),
        (week.label, "张三丰", "误发", "7", "已撤销"),
    ]
    assert insights.awards_csv(community.id, week.previous()).decode("utf-8-sig").count("\n") == 1


def test_dashboard_numbers_match_the_services(
    make_community, make_user, award_points, counter_setup, make_activity, make_report_rule, make_category, make_report
):
    s = counter_setup(points=500, stock=6)  # one award of 500 to 王秀英
    community = s.community
    coordinator = make_user("coordinator", community=community, name="陈渝")
    other = make_user(community=community, name="李建国")
    award_points(other, 40)
    reverse(award_points(other, 15))
    run_in_unit(lambda: ledger.donate(other, 12, key=new_key("donate")))
    code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
    payload = stations.pay_payload(code)
    run_in_unit(lambda: stations.redeem(s.clerk, s.station, payload, [(s.rice.id, 1), (s.haircut.id, 2)], key="r1"))
    code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
    payload = stations.pay_payload(code)
    run_in_unit(lambda: stations.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key="r2"))
    make_activity(community, coordinator)
    rule = make_report_rule(coordinator, community, points=5)
    category = make_category(community, "设施损坏", rule=rule)
    first = make_report(other, category)
    make_report(other, category, description="消防通道被堵")

    def accept_and_resolve():
        report = db.session.get(Report, first.id)
        actor = db.session.get(type(coordinator), coordinator.id)
        reports.accept(report, actor)
        reports.assign(report, actor, department="物业公司")
        reports.resolve(report, actor, "已更换井盖")

    run_in_unit(accept_and_resolve)
    data = insights.dashboard(community.id)
    for period in ("week", "month"):
        figures = data[period]
        assert figures["points"] == {"issued": 500 + 40 + 5, "spent": 300 + 200, "donated": 12, "expired": 0}
        assert figures["active_residents"] == 2
        assert figures["activities"] == {"held": 1, "hours": 0.0}
        assert figures["redemptions"] == {"count": 2, "points": 500}
        rep = figures["reports"]
        assert (rep["received"], rep["accepted"], rep["resolved"]) == (2, 1, 1)
        assert rep["avg_handling_hours"] is not None and 0 <= rep["avg_handling_hours"] < 1
    assert data["top_items"] == [
        {"name": "大米 5kg", "qty": 2, "points": 400},
        {"name": "理发服务", "qty": 2, "points": 100},
    ]
    assert data["low_stock_items"] == 1  # threshold 5: rice (4 left) is low, oil (6) is not, a service has no stock
    spent = db.session.scalar(sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "spend"))
    assert spent == 2
    empty = insights.dashboard(make_community().id)
    assert empty["week"]["points"] == {"issued": 0, "spent": 0, "donated": 0, "expired": 0}
    assert empty["low_stock_items"] == 0 and empty["top_items"] == []


def test_scope_helpers(make_community, make_user):
    home, away = make_community(), make_community()
    resident = make_user(community=home)
    coordinator = make_user("coordinator", community=away)
    assert insights.community_for_viewer(resident, home.id).id == home.id
    assert insights.community_for_viewer(coordinator, away.id).id == away.id
    for user, community_id in ((resident, away.id), (coordinator, home.id), (resident, 999999)):
        with pytest.raises(DomainError) as info:
            insights.community_for_viewer(user, community_id)
        assert info.value.status == 404
    with pytest.raises(DomainError):
        insights.community_for_coordinator(resident, home.id)
    assert insights.mask("张三丰") == "张*丰" and insights.mask("李四") == "李*"


def test_median_handling_time_is_the_middle_report_not_the_average(
    app, make_community, make_user, make_category, make_report
):
    """Three reports resolved this week after 1, 2 and 12 hours: median 2, average 5; one resolved last month is out."""
    from datetime import timedelta

    from pointsbank.db import utcnow
    from pointsbank.insights import overview

    community = make_community()
    reporter = make_user("resident", community=community)
    category = make_category(community)
    rows = [make_report(reporter, category, description=f"第{i}处路灯不亮") for i in range(4)]
    now = utcnow()

    def backdate():
        for report, hours, ago in zip(rows, (1, 2, 12, 1), (0, 0, 0, 40), strict=True):
            resolved = now - timedelta(days=ago, minutes=5)
            db.session.execute(
                sa.update(Report)
                .where(Report.id == report.id)
                .values(status="resolved", created_at=resolved - timedelta(hours=hours), resolved_at=resolved)
            )

    run_in_unit(backdate)
    week = insights.dashboard(community.id)["week"]["reports"]
    if week["resolved"] == 3:  # all three fell inside this week (not just after a week boundary)
        assert week["median_handling_hours"] == 2.0 and week["avg_handling_hours"] == 5.0
    totals = overview.community_figures(community.id, overview.weeks_back(2))["totals"]
    assert totals["reports_resolved"] == 3
    assert totals["median_handling_hours"] == 2.0 and totals["avg_handling_hours"] == 5.0
    assert insights.dashboard(make_community().id)["week"]["reports"]["median_handling_hours"] is None
