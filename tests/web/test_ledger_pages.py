"""Ledger pages: my points (phone page), donation form, coordinator views and scope."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Adjustment, Transfer


def text(response) -> str:
    return response.get_data(as_text=True)


def test_my_points_page_shows_balance_hold_expiry_and_statement(client, login, make_user, award_points, app):
    from datetime import timedelta

    resident = make_user()
    for i in range(25):
        award_points(resident, 2, memo=f"志愿活动：楼道清扫 第{i + 1}次")
    account = ledger.find_resident_account(resident)
    run_in_unit(lambda: ledger.hold(account, 10, key="h", expires_at=utcnow() + timedelta(hours=2), memo="预约：大米"))
    login(resident)
    page = text(client.get("/ledger/"))
    assert re.search(r'data-testid="available">40<', page)
    assert re.search(r'data-testid="balance">50<', page) and re.search(r'data-testid="on-hold">10<', page)
    assert "志愿活动：楼道清扫 第25次" in page and "志愿活动：楼道清扫 第5次" not in page
    assert "Content-Security-Policy" not in page and "<script>" not in page and 'style="' not in page
    link = re.search(r'href="(/ledger/\?before=\d+)">更早', page).group(1)
    older = text(client.get(link))
    assert "志愿活动：楼道清扫 第5次" in older and "第25次" not in older
    oldest = text(client.get("/ledger/?after=0"))
    assert "楼道清扫 第1次<" in oldest and "第20次<" in oldest and "第21次<" not in oldest
    for bad in ("?page=abc", "?before=abc", "?after=-1", "?before=99999999999", "?flow=nope", "?q=%00"):
        assert client.get("/ledger/" + bad).status_code in (200, 302), bad


def test_statement_filters_earned_spent_search_and_months(client, login, make_user, award_points, ledger_station):
    from datetime import UTC, datetime

    from tests.factories.ledger import set_ledger_clock

    resident = make_user()
    station = ledger_station(resident.community)
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        set_ledger_clock(mp, lambda: datetime(2026, 10, 31, 17, 0, tzinfo=UTC))  # 1 November in Shanghai
        award_points(resident, 30, memo="志愿活动：敬老院陪伴")
        set_ledger_clock(mp, lambda: datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 30 November, 23:00
        run_in_unit(lambda: ledger.spend(resident, station.id, 8, key="sp1", actor_id=None, memo="兑换：洗衣液 ×1"))
        set_ledger_clock(mp, lambda: datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
        award_points(resident, 5, memo="随手拍：楼道堆物（已受理）")
    login(resident)
    page = text(client.get("/ledger/"))
    assert page.index("2026年12月") < page.index("2026年11月") and "2026年10月" not in page
    assert page.count('class="statement-month"') == 2
    earned = text(client.get("/ledger/?flow=earned"))
    assert "敬老院陪伴" in earned and "楼道堆物" in earned and "洗衣液" not in earned
    spent = text(client.get("/ledger/?flow=spent"))
    assert "洗衣液" in spent and "敬老院" not in spent and 'aria-current="page">支出' in spent.replace("\n", "")
    found = text(client.get("/ledger/?q=敬老"))
    assert "敬老院陪伴" in found and "洗衣液" not in found and 'value="敬老"' in found
    assert "没有找到" in text(client.get("/ledger/?q=%25"))  # LIKE wildcards are plain text
    assert "December 2026" in text(client.get("/ledger/?lang=en"))


def test_expiring_soon_is_shown(client, login, make_user, award_points):
    from pointsbank.people.models import Community

    resident = make_user()
    run_in_unit(lambda: setattr(db.session.get(Community, resident.community_id), "expiry_policy", "year_end"))
    award_points(resident, 30)
    login(resident)
    page = text(client.get("/ledger/"))
    year = utcnow().year
    assert f"{year}-12-31" in page and 'data-testid="expiring"' in page


def test_donate_form_posts_once_per_form(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 20)
    login(resident)
    form = text(client.get("/ledger/donate"))
    key = re.search(r'name="request_key" type="hidden" value="([0-9a-f]+)"', form).group(1)
    for _ in range(2):  # a double tap posts once
        response = client.post("/ledger/donate", data={"points": "5", "request_key": key})
        assert response.status_code == 302
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 15
    bad = client.post("/ledger/donate", data={"points": "0", "request_key": "x"})
    assert bad.status_code == 400
    too_much = client.post("/ledger/donate", data={"points": "99", "request_key": "y"})
    assert too_much.status_code == 302
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 15
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer).where(Transfer.kind == "donation")) == 1


def test_resident_cannot_open_coordinator_pages_or_other_accounts(client, login, make_user, award_points):
    resident = make_user()
    other = make_user(community=resident.community)
    award_points(other, 5)
    login(resident)
    for url in (
        "/ledger/accounts",
        "/ledger/adjustments",
        "/ledger/fund",
        f"/ledger/accounts/{ledger.find_resident_account(other).id}",
    ):
        assert client.get(url).status_code == 404, url


def test_coordinator_searches_views_adjusts_and_approves(client, login, make_user, award_points, app):
    resident = make_user(name="王秀英")
    make_user(name="李建国", community=resident.community)
    outsider = make_user(name="王外人")
    first = make_user("coordinator", community=resident.community)
    second = make_user("coordinator", community=resident.community)
    award_points(resident, 12, memo="志愿活动：敬老院陪伴")
    award_points(outsider, 3)
    account = ledger.find_resident_account(resident)
    login(first)
    found = text(client.get("/ledger/accounts?q=王"))
    assert "王秀英" in found and "李建国" not in found and "王外人" not in found
    page = text(client.get(f"/ledger/accounts/{account.id}"))
    assert "志愿活动：敬老院陪伴" in page
    assert client.get(f"/ledger/accounts/{ledger.find_resident_account(outsider).id}").status_code == 404
    response = client.post(
        f"/ledger/accounts/{account.id}/adjust", data={"amount": "500", "reason": "历史积分迁移", "request_key": "k1"}
    )
    assert response.status_code == 302
    no_reason = client.post(
        f"/ledger/accounts/{account.id}/adjust", data={"amount": "5", "reason": "", "request_key": "k2"}
    )
    assert no_reason.status_code == 302
    db.session.rollback()
    adj = db.session.scalar(sa.select(Adjustment))
    assert adj.status == "pending" and db.session.scalar(sa.select(sa.func.count()).select_from(Adjustment)) == 1
    queue = text(client.get("/ledger/adjustments"))
    assert "历史积分迁移" in queue
    client.post(f"/ledger/adjustments/{adj.id}/approve")
    assert ledger.balance(account).balance == 12
    login(second)
    assert client.post(f"/ledger/adjustments/{adj.id}/approve").status_code == 302
    assert ledger.balance(account).balance == 512
    assert client.get("/ledger/fund").status_code == 200


def test_home_offers_ledger_tiles(client, login, make_user):
    resident = make_user()
    login(resident)
    assert "/ledger/" in text(client.get("/"))
