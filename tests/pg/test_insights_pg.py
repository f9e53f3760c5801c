"""Insights on PostgreSQL: the same aggregates (week bounds, reversals, dashboard date arithmetic) hold there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.insights import service as insights
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.reports import service as reports
from pointsbank.reports.models import Report
from pointsbank.stations import service as stations
from tests.factories.ledger import new_key, set_ledger_clock


@pytest.fixture(autouse=True)
def _pg(pg_app):
    return pg_app


def test_champions_weeks_and_board_on_postgres(monkeypatch, make_community, make_user, award_points):
    community = make_community()
    a = make_user(community=community, name="张三丰")
    b = make_user(community=community, name="李四")
    set_ledger_clock(monkeypatch, lambda: datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC))
    award_points(a, 5)
    award_points(b, 5)
    wrong = award_points(b, 9)
    run_in_unit(
        lambda: ledger.reverse(db.session.get(Transfer, wrong.id), key=new_key("r"), actor_id=None, reason="误发")
    )
    set_ledger_clock(monkeypatch, lambda: datetime(2026, 11, 22, 16, 0, tzinfo=UTC))
    award_points(b, 1)
    w47 = insights.parse_week("2026-W47")
    assert [(c.name, c.points) for c in insights.champions(community.id, w47)] == [("张三丰", 5), ("李四", 5)]
    assert [(c.name, c.points) for c in insights.champions(community.id, w47.next())] == [("李四", 1)]
    assert [line.reversed for line in insights.board(community.id, w47)] == [False, False, True]
    assert insights.board_totals(community.id, w47).net_points == 10
    assert insights.awards_csv(community.id, w47).startswith(b"\xef\xbb\xbf")


def test_dashboard_on_postgres(counter_setup, make_user, make_activity, make_report_rule, make_category, make_report):
    s = counter_setup(points=300, stock=6)
    coordinator = make_user("coordinator", community=s.community, name="陈渝")
    run_in_unit(lambda: ledger.donate(s.resident, 20, key=new_key("d")))
    code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
    run_in_unit(lambda: stations.redeem(s.clerk, s.station, stations.pay_payload(code), [(s.rice.id, 1)], key="pg1"))
    make_activity(s.community, coordinator)
    category = make_category(s.community, "设施损坏", rule=make_report_rule(coordinator, s.community, points=5))
    report = make_report(s.resident, category)

    def handle():
        row = db.session.get(Report, report.id)
        actor = db.session.get(type(coordinator), coordinator.id)
        reports.accept(row, actor)
        reports.assign(row, actor, department="物业公司")
        reports.resolve(row, actor, "已处理")

    run_in_unit(handle)
    data = insights.dashboard(s.community.id)
    week = data["week"]
    assert week["points"] == {"issued": 305, "spent": 200, "donated": 20, "expired": 0}
    assert week["redemptions"] == {"count": 1, "points": 200}
    assert week["activities"]["held"] == 1 and week["active_residents"] == 1
    assert (week["reports"]["received"], week["reports"]["accepted"], week["reports"]["resolved"]) == (1, 1, 1)
    assert 0 <= week["reports"]["avg_handling_hours"] < 1
    assert data["top_items"] == [{"name": "大米 5kg", "qty": 1, "points": 200}]
    assert data["low_stock_items"] == 1  # rice: 5 left, at the threshold


def _plans(fn) -> list[tuple[str, str]]:
    """Run fn, then EXPLAIN every statement it sent that reads entry, with sequential scans priced out."""
    import sqlalchemy as sa

    seen: list[tuple[str, object]] = []

    def hit(_conn, _cursor, statement, parameters, *_args):
        if " entry" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", hit)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hit)
    db.session.rollback()
    plans = []
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in seen:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append((statement, "\n".join(r[0] for r in rows)))
    return plans


def test_insights_touch_one_community_and_week_through_an_index(make_community, make_user, award_points):
    """Champions, the board, its totals and CSV, and the dashboard read one community through an index, never a scan."""
    mine, other = make_community(), make_community()
    residents = [make_user(community=mine) for _ in range(3)]
    strangers = [make_user(community=other) for _ in range(5)]
    for i in range(40):
        award_points(strangers[i % 5], 1 + i % 3)
    for i, resident in enumerate(residents):
        award_points(resident, 5 + i)
    wrong = award_points(residents[0], 9)
    run_in_unit(
        lambda: ledger.reverse(db.session.get(Transfer, wrong.id), key=new_key("r"), actor_id=None, reason="误发")
    )
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    week = insights.current_week()
    readers = [
        lambda: insights.champions(mine.id, week),
        lambda: insights.team_champions(mine.id, week),
        lambda: insights.board(mine.id, week),
        lambda: insights.board_totals(mine.id, week),
        lambda: insights.awards_csv(mine.id, week),
        lambda: insights.dashboard(mine.id),
    ]
    checked = 0
    for reader in readers:
        for statement, plan in _plans(reader):
            assert "Seq Scan on entry" not in plan and "Seq Scan on transfer" not in plan, (statement, plan)
            # Entries by (community, time), or the community's accounts first and then their entries.
            assert "ix_entry_community_created" in plan or "ix_account_community_id" in plan, (statement, plan)
            checked += 1
    assert checked >= 7  # champions, teams, board, totals, CSV, the dashboard's flows and active residents


def test_a_champions_page_with_its_count_and_my_row_in_one_query_on_postgres(make_community, make_user, award_points):
    community = make_community()
    residents = [make_user(community=community, name=f"居民{i}") for i in range(23)]
    for i, resident in enumerate(residents):
        award_points(resident, 100 - i)  # 居民0 first, 居民22 last
    week = insights.current_week()
    last = insights.champion_page(community.id, week, residents[5].id, page=99, per_page=10, clamp=True)
    assert [c.rank for c in last.residents] == [21, 22, 23] and last.total == 23
    assert (last.mine.rank, last.mine.points) == (6, 95)
    beyond = insights.champion_page(community.id, week, residents[0].id, page=4, per_page=10)
    assert (beyond.residents, beyond.total, beyond.mine.rank) == ([], 23, 1)
    outsider = insights.champion_page(community.id, week, make_user(community=community).id, page=4, per_page=10)
    assert (outsider.residents, outsider.total, outsider.mine) == ([], 23, None)
    nobody = insights.champion_page(make_community().id, week, residents[0].id, page=1, per_page=10, clamp=True)
    assert (nobody.residents, nobody.total, nobody.mine) == ([], 0, None)
