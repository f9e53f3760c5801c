"""Offline in real Chromium: the network switched off in the browser (Playwright set_offline).

A resident's enrolled phone shows a code offline; an offline counter reads it from the fake camera, confirms,
shows it waiting to sync; back online it syncs once; a second sync posts nothing; the same code confirmed at a
second offline station is refused at sync.
"""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.service import create_user, get_or_create_community, grant_role
from pointsbank.stations.models import Item, Redemption, Station
from tests.browser.conftest import wait_until

PHONE = {"width": 390, "height": 844}
PASSWORD = "lybank-test-1"


def _setup(app) -> dict:
    with app.app_context():

        def work():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"])
            stations = []
            for name in ("梨园社区幸福银行", "梨园驿站"):
                station = Station(community_id=community.id, name=name, address="梨园小区3栋1楼")
                db.session.add(station)
                db.session.flush()
                db.session.add(Item(station_id=station.id, name="理发服务", points=30, kind="service", stock=0))
                stations.append(station)
            clerk = create_user("13800000003", "刘小琴", PASSWORD)
            for station in stations:
                grant_role(clerk, "clerk", station_id=station.id)
            resident = create_user("13900000001", "王秀英", PASSWORD, community=community)
            ledger.award(resident, 500, key="browser:award", actor_id=None, memo="志愿活动：楼道清扫 2 小时")
            db.session.flush()
            return {"stations": [s.id for s in stations], "clerk": clerk.phone, "resident": resident}

        return run_in_unit(work)


def _login(page, base, phone):
    page.goto(base + "/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")


def _controlled(page):
    """Wait for the service worker, then reload once so that it serves (and caches) the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")


def _counter_offline(context, base, station_id):
    page = context.new_page()
    page.goto(f"{base}/offline/counter/{station_id}")
    page.wait_for_selector("[data-offline-counter][data-bundle-ready='1']")
    _controlled(page)
    page.wait_for_selector("[data-offline-counter][data-bundle-ready='1']")
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("[data-offline-counter][data-bundle-ready='1'][data-online='0']")
    return page


def _confirm_scanned(page):
    page.wait_for_selector("[data-basket]:not([hidden])", timeout=20_000)
    page.fill("[data-items] input", "1")
    page.click("[data-confirm]")
    page.wait_for_selector("[data-queue] li[data-status='pending']")
    page.wait_for_selector("[data-next]:not([hidden])")


def _redemptions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Redemption))


def test_offline_code_and_offline_counter(live_server, chromium, qr_y4m, tmp_path):
    data = _setup(live_server.app)
    base = live_server.url

    phone = chromium().new_context(viewport=PHONE)
    page = phone.new_page()
    _login(page, base, "13900000001")
    page.goto(base + "/offline/pay")
    page.click("[data-enrol-button]")
    page.wait_for_selector("[data-code]:not([hidden]) [data-qr][data-payload]")
    _controlled(page)
    phone.set_offline(True)
    page.reload()
    page.wait_for_selector("[data-code]:not([hidden]) [data-qr][data-payload]")
    payload = page.get_attribute("[data-qr]", "data-payload")
    assert payload.startswith("PB1O.") and page.locator("[data-network]").get_attribute("class").endswith("offline")
    page.screenshot(path=str(tmp_path / "offline-pay.png"))

    video = qr_y4m(payload, tmp_path / "offline-code.y4m")
    clerk = chromium(fake_video=video).new_context(viewport=PHONE)
    login = clerk.new_page()
    _login(login, base, data["clerk"])
    first = _counter_offline(clerk, base, data["stations"][0])
    _confirm_scanned(first)
    first.screenshot(path=str(tmp_path / "offline-counter.png"))
    assert _redemptions(live_server.app) == 0

    clerk.set_offline(False)
    first.wait_for_selector("[data-queue] li[data-status='posted']")
    assert _redemptions(live_server.app) == 1
    with live_server.app.app_context():
        assert ledger.balance(ledger.find_resident_account(data["resident"])).available == 470

    # A second sync of the same queue posts nothing.
    first.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("pb-offline", 1);
            open.onsuccess = () => {
                const tx = open.result.transaction("queue", "readwrite");
                const store = tx.objectStore("queue");
                store.getAll().onsuccess = (e) =>
                    e.target.result.forEach((r) => { r.status = "pending"; store.put(r); });
                tx.oncomplete = resolve;
            };
        })"""
    )
    first.click("[data-sync-now]")
    first.wait_for_selector("[data-queue] li[data-status='posted']")
    wait_until(first, "document.querySelector('[data-offline-counter]').dataset.pending === '0'")
    assert _redemptions(live_server.app) == 1

    # The same code at a second offline station: accepted there offline, refused at sync.
    second = _counter_offline(clerk, base, data["stations"][1])
    _confirm_scanned(second)
    clerk.set_offline(False)
    second.wait_for_selector("[data-queue] li[data-status='refused']")
    assert _redemptions(live_server.app) == 1
    with live_server.app.app_context():
        assert ledger.balance(ledger.find_resident_account(data["resident"])).available == 470
