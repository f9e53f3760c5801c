"""Champions and the public board at 390x844 in zh, en and the elder mode: the week links and calendar, the
resident's own row on a later page, the page links; measured like every page and checked by axe-core.

With PB_SHOTS set to a folder, each page is also saved there as a screenshot to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.people.service import create_user
from pointsbank.seed import seed_all
from tests.browser.test_ui_pages import PHONE_SIZE, ROLES, _axe, _login, _measure, _require_axe
from tests.factories.ledger import new_key

SHOTS = os.environ.get("PB_SHOTS")


def _crowd() -> int:
    """Twenty-five neighbours who earned more than the demo resident this week; its community id."""
    seed_all()
    me = db.session.execute(db.select(User).filter_by(phone=ROLES["resident"])).scalar_one()
    me.community.champions_after_publicity = False  # name them at once (公示 has its own tests)
    ledger.award(me, 1, key=new_key("award"), actor_id=None, memo="志愿活动：楼道清扫")
    for i in range(25):
        who = create_user(f"1370000{i:04d}", f"邻居{i:02d}号", "secret-pass-1", community=me.community)
        ledger.award(who, 1000 - i, key=new_key("award"), actor_id=None, memo=f"志愿活动：第{i + 1}次")
    return me.community_id


def test_champions_and_board_on_a_phone(live_server, chromium):
    _require_axe()
    with live_server.app.app_context():
        community_id = run_in_unit(_crowd)
    browser = chromium()
    problems: list[str] = []
    base = f"/insights/communities/{community_id}"
    pages = {
        "champions": f"{base}/champions",
        "champions-p2": f"{base}/champions?page=2",
        "board": f"{base}/board",
        "board-public": f"/insights/public/communities/{community_id}/board?page=2",
    }
    for lang, elder in (("zh_Hans", False), ("en", False), ("zh_Hans", True)):
        context = browser.new_context(viewport=PHONE_SIZE, locale="en-US" if lang == "en" else "zh-CN")
        context.add_cookies(
            [
                {"name": "pb_lang", "value": lang, "url": live_server.url},
                {"name": "pb_elder", "value": "1" if elder else "0", "url": live_server.url},
            ]
        )
        page = context.new_page()
        _login(page, live_server.url, ROLES["resident"])
        for name, path in pages.items():
            assert page.goto(live_server.url + path).status == 200, path
            assert page.locator("[data-testid=week-prev]").count() == 1
            assert page.locator("[data-testid=week-next]").count() == 0  # this week: nothing later
            assert page.locator("input[type=date][name=day]").count() == 1
            if name == "champions":
                assert page.locator(".champion.mine[data-testid=my-rank]").count() == 1  # past the first page
                assert page.locator("[data-testid=pager]").count() == 1
            found = _measure(page, elder) + _axe(page)
            mode = f"{lang}{'-elder' if elder else ''}"
            problems += [f"{mode} {path}: {p}" for p in found]
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / f"{name}-{mode}.png"), full_page=True)
        page.goto(live_server.url + pages["champions"])
        page.fill("input[name=day]", "2026-11-18")
        page.locator("form.week-form button[type=submit]").click()
        page.wait_for_load_state("load")
        assert "week=" not in page.url and "day=2026-11-18" in page.url
        assert page.locator("[data-testid=week-next]").get_attribute("href").endswith("week=2026-W48")
        context.close()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
