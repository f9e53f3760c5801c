"""The clerk's scanner in real Chromium: the fake camera shows a pay code the app issued."""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.ledger import service as ledger
from pointsbank.people.service import create_user, get_or_create_community, grant_role
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Station
from tests.browser.conftest import wait_until

TABLET = {"width": 800, "height": 1000}
PASSWORD = "lybank-test-1"


def _counter(app) -> dict:
    """A station with a clerk and rice, and a resident with 500 points."""
    with app.app_context():

        def work():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"])
            station = Station(community_id=community.id, name="梨园社区幸福银行", address="梨园小区3栋1楼")
            from pointsbank.extensions import db

            db.session.add(station)
            db.session.flush()
            clerk = create_user("13800000003", "刘小琴", PASSWORD)
            grant_role(clerk, "clerk", station_id=station.id)
            resident = create_user("13900000001", "王秀英", PASSWORD, community=community)
            ledger.award(resident, 500, key="browser:award", actor_id=None, memo="志愿活动：楼道清扫 2 小时")
            rice = Item(station_id=station.id, name="大米 5kg", points=200, kind="goods", stock=0)
            db.session.add(rice)
            db.session.flush()
            svc.move_stock(rice, 10, "intake", actor_id=clerk.id)
            return {"station": station.id, "clerk": clerk.phone, "resident": resident, "rice": rice.id}

        return run_in_unit(work)


def _issue_pay_code(app, resident) -> str:
    with app.app_context():
        code = run_in_unit(lambda: svc.issue_pay_code(resident))
        return svc.pay_payload(code)


def _login(page, base, phone):
    page.goto(base + "/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")


def test_scanner_reads_pay_code_from_camera_and_receipt_shows_new_balance(live_server, chromium, qr_y4m, tmp_path):
    data = _counter(live_server.app)
    payload = _issue_pay_code(live_server.app, data["resident"])
    video = qr_y4m(payload, tmp_path / "paycode.y4m")
    browser = chromium(fake_video=video)
    page = browser.new_page(viewport=TABLET)
    _login(page, live_server.url, data["clerk"])

    page.goto(f"{live_server.url}/stations/{data['station']}/scan")
    # The page decodes the QR from the camera and submits by itself: the checkout shows who and how many points.
    page.wait_for_selector("[data-resident]", timeout=20_000)
    assert page.locator("[data-resident]").inner_text() == "王*英"
    assert page.locator("[data-available]").first.inner_text() == "500"

    page.fill(f"#qty_{data['rice']}", "2")
    assert page.locator("[data-total]").inner_text() == "400"
    page.click("#checkout-form button[type=submit]")
    page.wait_for_selector("[data-new-balance]")
    assert page.locator("[data-new-balance]").inner_text() == "100"
    assert "大米 5kg" in page.content()
    with live_server.app.app_context():
        assert ledger.balance(ledger.find_resident_account(data["resident"])).available == 100


def _blank_y4m(path, width: int = 640, height: int = 480):
    """A one-frame white video: a working camera that shows no code."""
    from PIL import Image

    from tests.browser.conftest import _rgb_to_yuv420

    y, u, v = _rgb_to_yuv420(Image.new("RGB", (width, height), "white"))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F25:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n" + y + u + v)
    return path


def test_negative_control_camera_without_code_decodes_nothing(live_server, chromium, tmp_path):
    data = _counter(live_server.app)
    _issue_pay_code(live_server.app, data["resident"])
    browser = chromium(fake_video=_blank_y4m(tmp_path / "blank.y4m"))
    page = browser.new_page(viewport=TABLET)
    _login(page, live_server.url, data["clerk"])
    page.goto(f"{live_server.url}/stations/{data['station']}/scan")
    page.wait_for_selector("[data-qr-scanner][data-qr-state=ready]")
    page.wait_for_timeout(2000)
    assert page.locator("[data-resident]").count() == 0
    assert page.locator("[data-qr-scanner]").get_attribute("data-qr-state") == "ready"
    assert page.locator("#code").input_value() == ""
    # The typed number still works.
    assert page.locator("#code").is_editable()


def test_no_camera_says_so_in_words_and_typing_works(live_server, chromium):
    data = _counter(live_server.app)
    browser = chromium(fake_video=None)
    page = browser.new_page(viewport=TABLET)
    _login(page, live_server.url, data["clerk"])
    page.goto(f"{live_server.url}/stations/{data['station']}/scan")
    page.wait_for_selector("[data-qr-scanner][data-qr-state=failed]")
    assert "摄像头" in page.locator("[data-qr-status]").inner_text()
    with live_server.app.app_context():
        from pointsbank.extensions import db
        from pointsbank.stations.models import PayCode

        code = run_in_unit(lambda: svc.issue_pay_code(data["resident"]))
        digits = db.session.get(PayCode, code.id).digits
    page.fill("#code", digits)
    page.click("#scan-form button[type=submit]")
    page.wait_for_selector("[data-resident]")
    assert page.locator("[data-resident]").inner_text() == "王*英"


def test_resident_pay_code_refreshes_in_elder_mode(live_server, chromium):
    data = _counter(live_server.app)
    browser = chromium()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    _login(page, live_server.url, data["resident"].phone)
    page.get_by_role("button", name="长辈版", exact=True).click()
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/stations/pay")
    first = page.locator("[data-digits]").inner_text()
    assert len(first.replace(" ", "")) == 8
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('main button, main a.button')).filter(e => e.offsetParent !== null)"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 60
    # The phone fetches a fresh code (as it does about every minute) through the API with the CSRF header.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    for _ in range(50):
        if page.locator("[data-digits]").inner_text() != first:
            break
        page.wait_for_timeout(100)
    second = page.locator("[data-digits]").inner_text()
    assert second != first
    assert "error" not in (page.locator("[data-pay-status]").get_attribute("class") or "")
    with live_server.app.app_context():
        import sqlalchemy as sa

        from pointsbank.extensions import db
        from pointsbank.stations.models import PayCode

        codes = db.session.scalars(sa.select(PayCode).order_by(PayCode.id)).all()
        assert codes[-1].digits == second.replace(" ", "")
        assert codes[-2].digits == first.replace(" ", "") and codes[-2].revoked_at is not None


# Counts the WebAudio tones and vibrations a page makes, across page loads of the tab.
FEEDBACK_PROBE = """
(() => {
  const bump = name => sessionStorage.setItem(name, String(Number(sessionStorage.getItem(name) || 0) + 1));
  const Ctx = window.AudioContext;
  if (Ctx) {
    const make = Ctx.prototype.createOscillator;
    Ctx.prototype.createOscillator = function () { bump('pb-tones'); return make.call(this); };
  }
  navigator.vibrate = pattern => {
    const seen = JSON.parse(sessionStorage.getItem('pb-vibrations') || '[]');
    sessionStorage.setItem('pb-vibrations', JSON.stringify(seen.concat([pattern])));
    return true;
  };
})();
"""


def test_good_read_beeps_vibrates_and_shows_a_tick_a_refusal_sounds_different(live_server, chromium, qr_y4m, tmp_path):
    data = _counter(live_server.app)
    payload = _issue_pay_code(live_server.app, data["resident"])
    browser = chromium(fake_video=qr_y4m(payload, tmp_path / "paycode.y4m"))
    page = browser.new_page(viewport=TABLET)
    page.add_init_script(FEEDBACK_PROBE)
    _login(page, live_server.url, data["clerk"])
    page.goto(f"{live_server.url}/stations/{data['station']}/scan")
    page.wait_for_selector("[data-qr-scanner].scanner-read .scanner-mark", timeout=20_000)
    assert page.locator(".scanner-frame").count() == 1  # the aiming frame
    page.wait_for_selector("[data-resident]", timeout=20_000)
    assert page.evaluate("sessionStorage.getItem('pb-tones')") == "1"
    assert page.evaluate("JSON.parse(sessionStorage.getItem('pb-vibrations'))") == [80]
    # Asking for more than the resident has: the refusal plays two low tones and vibrates three times.
    page.fill(f"#qty_{data['rice']}", "3")
    page.click("#checkout-form button[type=submit]")
    page.wait_for_selector(".flash-error")
    wait_until(page, "JSON.parse(sessionStorage.getItem('pb-vibrations')).length >= 2")
    assert page.evaluate("JSON.parse(sessionStorage.getItem('pb-vibrations'))")[1] == [120, 80, 120]
    assert int(page.evaluate("sessionStorage.getItem('pb-tones')")) >= 3
