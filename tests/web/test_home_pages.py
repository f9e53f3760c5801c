"""The resident's home (balance, pay code, six actions), 我的, the coordinator's counters, manifest and login help."""

from __future__ import annotations

import re

from pointsbank.ledger import service as ledger


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_resident_home_shows_balance_pay_code_and_six_actions(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 137)
    login(resident)
    page = _html(client.get("/"))
    assert re.search(r'data-testid="home-available"[^>]*>137<', page)
    assert 'data-testid="home-on-hold">0<' in page and 'data-testid="home-expiring"' in page
    assert (
        page.index("home-available") < page.index('class="button primary pay-button"') < page.index("primary-actions")
    )
    actions = re.findall(r'<a class="action" href="([^"]+)"', page)
    assert actions == [
        "/rules/how-to-earn",
        "/activities/",
        "/reports/new",
        "/stations/",
        "/insights/",
        "/notices/",
    ]
    # Account and tokens are under 我的, not on the home page.
    assert "/account/tokens" not in page and 'class="tile"' not in page
    me = _html(client.get("/me"))
    assert "/account/tokens" in me and "/account" in me and "/activities/my-code" in me and "退出登录" in me


def test_unread_notices_counted_on_messages(client, login, make_user):
    from pointsbank.db import run_in_unit
    from pointsbank.reports import service as reports

    resident = make_user()
    run_in_unit(lambda: [reports.notify(resident.id, "您的随手拍已受理") for _ in range(3)])
    login(resident)
    page = _html(client.get("/"))
    assert re.search(r'data-action="messages">.*?<span class="count"[^>]*>3</span>', page, re.S)


def test_first_visit_suggests_the_elder_mode_until_answered(client, login, make_user):
    login(make_user())
    assert 'data-testid="suggest-elder"' in _html(client.get("/"))
    client.post("/elder", data={"mode": "0"})
    assert 'data-testid="suggest-elder"' not in _html(client.get("/"))
    assert 'class=""' in _html(client.get("/"))[:200]
    client.post("/elder", data={"mode": "1"})
    page = _html(client.get("/"))
    assert 'class="elder"' in page[:200] and 'data-testid="suggest-elder"' not in page
    client.post("/elder", data={"mode": "1"})  # setting it again keeps it on (no toggle)
    assert 'class="elder"' in _html(client.get("/"))[:200]


def test_coordinator_home_counts_the_work_waiting(client, login, make_user, make_community):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user(community=community)
    account = ledger.resident_account(resident)
    from pointsbank.db import run_in_unit

    run_in_unit(
        lambda: ledger.request_adjustment(
            ledger.get_account(account.id), 10**6, reason="历史积分迁移", requested_by=coordinator, key="adj-home-1"
        )
    )
    login(coordinator)
    page = _html(client.get("/"))
    assert ">待办</h2>" in page and ">库存</h2>" in page and ">管理</h2>" in page
    counters = dict(
        (title, int(value))
        for value, title in re.findall(
            r'<span class="counter-value">(\d+)</span><span class="counter-title">([^<]+)</span>', page
        )
    )
    assert counters["待复核的积分调整"] == 1
    assert counters["待审核的积分"] == 0 and counters["库存不足的物品"] == 0 and counters["超时未办结的随手拍"] == 0
    assert (
        page.index(">待办</h2>")
        < page.index(">库存</h2>")
        < page.index(">管理</h2>")
        < page.index('class="tile" href="/rules/approvals"')
    )


def test_coordinator_home_names_goods_running_out(client, login, counter_setup, make_user):
    world = counter_setup(stock=2)
    coordinator = make_user("coordinator", community=world.community)
    login(coordinator)
    page = _html(client.get("/"))
    listed = page[page.index('data-testid="low-stock"') :]
    listed = listed[: listed.index("</ul>")]
    assert "快没货了" in page and "大米 5kg" in listed and "食用油 5L" in listed and listed.count("剩 2") == 2
    assert world.station.name in listed and f'href="/stations/{world.station.id}"' in listed
    assert "理发服务" not in page  # services have no stock


def test_titles_name_the_product_once(client, login, make_user):
    page = _html(client.get("/login"))
    assert "<title>登录 · 积分银行</title>" in page and ">幸福银行</a>" in page
    assert "<title>Log in · Points Bank</title>" in _html(client.get("/login?lang=en"))
    assert "<title>积分银行</title>" in _html(client.get("/"))


def test_login_password_field_and_forgotten_password_page(client):
    page = _html(client.get("/login"))
    password = re.search(r"<input[^>]*name=\"password\"[^>]*>", page).group(0)
    assert "inputmode" not in password and 'autocomplete="current-password"' in password
    assert 'inputmode="tel"' in re.search(r"<input[^>]*name=\"phone\"[^>]*>", page).group(0)
    assert 'href="/forgot-password"' in page
    help_page = _html(client.get("/forgot-password"))
    assert "一次性密码" in help_page and "社区工作者" in help_page and 'href="/login"' in help_page
    assert "one-time password" in _html(client.get("/forgot-password?lang=en"))


def test_manifest_icons_and_theme_colour(client):
    page = _html(client.get("/login"))
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<meta name="theme-color" content="#b3261e">' in page and "icons/favicon.ico" in page
    answer = client.get("/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    body = answer.get_json()
    assert body["name"] == "积分银行" and body["start_url"] == "/" and body["display"] == "standalone"
    assert body["theme_color"] == "#b3261e"
    assert client.get("/manifest.webmanifest?lang=en").get_json()["name"] == "Points Bank"
    sizes = {icon["sizes"] for icon in body["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in body["icons"] + [{"src": "/static/icons/favicon.ico"}, {"src": "/static/icons/apple-touch-icon.png"}]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_pay_status_follows_the_code_in_one_query(client, login, counter_setup, make_user):
    from pointsbank.db import run_in_unit
    from pointsbank.stations import service as svc

    world = counter_setup()
    login(world.resident)
    code = run_in_unit(lambda: svc.issue_pay_code(world.resident))
    url = f"/stations/pay/status?digits={code.digits}"
    with _statements() as seen:
        assert client.get(url).get_json() == {"state": "waiting"}
    assert len([s for s in seen if "pay_code" in s]) == 1
    run_in_unit(lambda: svc.look_up(world.clerk, world.station, code.digits))
    assert client.get(url).get_json() == {"state": "scanned"}
    redemption = run_in_unit(
        lambda: svc.redeem(world.clerk, world.station, code.digits, [(world.rice.id, 1)], key="home-status-1")
    )
    body = client.get(url).get_json()
    assert body == {"state": "used", "receipt": f"/stations/redemptions/{redemption.id}?paid=1"}
    receipt = _html(client.get(body["receipt"]))
    assert "支付成功" in receipt and 'href="/stations/pay"' in receipt and "data-new-balance>300<" in receipt
    # Someone else's code, a code that never was, and bad input.
    login(make_user(community=world.community))
    assert client.get(url).get_json() == {"state": "unknown"}
    assert client.get("/stations/pay/status?digits=12ab").status_code == 400
    assert client.get("/stations/pay/status").status_code == 400


def _statements():
    from contextlib import contextmanager

    import sqlalchemy as sa

    from pointsbank.extensions import db

    @contextmanager
    def watch():
        seen: list[str] = []

        def record(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return watch()


def test_pay_status_shows_a_refused_scan_with_its_reason(client, login, counter_setup):
    from datetime import timedelta

    import pytest
    import sqlalchemy as sa

    from pointsbank.db import run_in_unit, utcnow
    from pointsbank.errors import DomainError
    from pointsbank.extensions import db
    from pointsbank.stations import service as svc
    from pointsbank.stations.models import PayCode

    world = counter_setup()
    login(world.resident)
    code = run_in_unit(lambda: svc.issue_pay_code(world.resident))
    url = f"/stations/pay/status?digits={code.digits}"
    # A clerk's slip (no items) is not a refusal of the code: the phone keeps waiting.
    with pytest.raises(DomainError):
        svc.noted(lambda: svc.redeem(world.clerk, world.station, code.digits, [], key="refuse-0"))
    assert client.get(url).get_json() == {"state": "waiting"}
    run_in_unit(lambda: db.session.execute(sa.update(PayCode).values(expires_at=utcnow() - timedelta(minutes=5))))
    with pytest.raises(DomainError) as raised:
        svc.noted(lambda: svc.redeem(world.clerk, world.station, code.digits, [(world.rice.id, 1)], key="refuse-1"))
    assert raised.value.code == "expired"
    body = client.get(url).get_json()
    assert body["state"] == "refused" and body["reason"] == "expired" and "过期" in body["message"]
    assert "expired" in client.get(url + "&lang=en").get_json()["message"]
    assert db.session.get(PayCode, code.id).used_at is None
    page = _html(client.get("/stations/pay"))
    assert "data-pay-refused hidden" in page and "data-refused-continue" in page


def test_every_tile_group_has_a_heading_in_the_readers_language():
    """A page module with tiles has a group heading (or joins another group), never its module name."""
    from importlib import import_module

    from pointsbank.web.nav import GROUP_TITLES, JOINS
    from pointsbank.web.pages import MODULES

    with_tiles = [m for m in MODULES if hasattr(import_module(f"pointsbank.web.pages.{m}"), "home_links")]
    assert [m for m in with_tiles if m not in GROUP_TITLES and JOINS.get(m) not in GROUP_TITLES] == []


def test_points_a_year_from_expiry_are_not_called_expiring_soon(client, login, make_user, award_points):
    """Rolling 12 months: points earned today expire in a year, so the home says until when, not 即将过期."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.people.models import Community

    resident = make_user()
    run_in_unit(lambda: setattr(db.session.get(Community, resident.community_id), "expiry_policy", "rolling_12_months"))
    award_points(resident, 40)
    login(resident)
    page = _html(client.get("/"))
    assert 'data-testid="home-expiring">0<' in page
    assert "40 积分可使用到" in page and 'class="warn expiry-line"' not in page
    assert client.get("/api/v1/accounts/me").get_json()["expiring_soon"] is False
    ledger_page = _html(client.get("/ledger/"))
    assert "可使用到" in ledger_page and "即将过期：" not in ledger_page


def test_expiring_soon_is_the_reminder_window(app):
    from datetime import UTC, date, datetime

    from pointsbank.ledger.expiry import Expiring

    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    assert Expiring(10, date(2027, 1, 3)).is_soon(now)
    assert not Expiring(10, date(2027, 1, 4)).is_soon(now)
    assert not Expiring(0, None).is_soon(now)
