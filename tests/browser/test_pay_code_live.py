"""The pay code as a payment app: the resident's phone turns into the success screen when a clerk, in another
browser, redeems its code; undo asks first and the receipt then shows the restored balance. A scan the clerk
cannot complete (not enough points) turns the phone into the refusal screen, with the reason, by itself."""

from __future__ import annotations

from tests.browser.test_stations_scanner import _counter, _login

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}


def test_phone_switches_to_success_when_clerk_redeems_then_undo_restores_balance(live_server, chromium):
    data = _counter(live_server.app)
    browser = chromium()
    phone = browser.new_context(viewport=PHONE).new_page()
    _login(phone, live_server.url, data["resident"].phone)
    phone.goto(live_server.url + "/stations/pay")
    assert phone.locator("[data-pay-available]").inner_text() == "500"
    assert "秒后换新码" in phone.locator("[data-pay-countdown]").inner_text()
    digits = phone.locator("[data-digits]").inner_text().replace(" ", "")

    counter = browser.new_context(viewport={"width": 800, "height": 1000}).new_page()
    _login(counter, live_server.url, data["clerk"])
    counter.goto(f"{live_server.url}/stations/{data['station']}/scan")
    counter.fill("#code", digits)
    counter.click("#scan-form button[type=submit]")
    counter.wait_for_selector("[data-resident]")
    # The phone says the clerk has the code and stops refreshing it.
    phone.wait_for_selector("[data-pay-live]:has-text('店员已扫码')", timeout=4000)

    counter.fill(f"#qty_{data['rice']}", "2")
    counter.click("#checkout-form button[type=submit]")
    counter.wait_for_selector("[data-testid=success]")
    assert "兑换成功" in counter.locator("[data-testid=success]").inner_text()

    # Within about 2 s (polling every 1.5 s) the phone shows the success screen by itself.
    phone.wait_for_selector("[data-testid=success]", timeout=4000)
    screen = phone.locator("main").inner_text()
    assert "支付成功" in screen and "大米 5kg" in screen and "400" in screen and "梨园社区幸福银行" in screen
    assert phone.locator("[data-new-balance]").inner_text() == "100"
    assert phone.locator("[data-speak]").count() == 1

    # Undo asks first, in the page; "no" keeps the redemption.
    counter.click("[data-confirm-open]")
    counter.wait_for_selector("[data-confirm-step]:visible")
    counter.click("[data-confirm-cancel]")
    assert counter.locator("[data-confirm-step]").is_hidden()
    counter.click("[data-confirm-open]")
    counter.click("[data-confirm-step] button[type=submit]")
    counter.wait_for_selector("[data-balance-now]")
    assert counter.locator("[data-balance-now]").inner_text() == "500"

    # 继续 gives the resident a fresh code.
    phone.click("[data-testid=continue]")
    phone.wait_for_selector("[data-digits]")
    assert phone.locator("[data-digits]").inner_text().replace(" ", "") != digits
    assert phone.locator("[data-pay-available]").inner_text() == "500"


def test_phone_shows_the_refusal_when_the_clerk_asks_for_more_points_than_it_holds(live_server, chromium):
    data = _counter(live_server.app)
    browser = chromium()
    phone = browser.new_context(viewport=PHONE).new_page()
    _login(phone, live_server.url, data["resident"].phone)
    phone.goto(live_server.url + "/stations/pay")
    digits = phone.locator("[data-digits]").inner_text().replace(" ", "")
    assert phone.locator("[data-pay-refused]").is_hidden()

    counter = browser.new_context(viewport={"width": 800, "height": 1000}).new_page()
    _login(counter, live_server.url, data["clerk"])
    counter.goto(f"{live_server.url}/stations/{data['station']}/scan")
    counter.fill("#code", digits)
    counter.click("#scan-form button[type=submit]")
    counter.wait_for_selector("[data-resident]")
    phone.wait_for_selector("[data-pay-live]:has-text('店员已扫码')", timeout=4000)

    counter.fill(f"#qty_{data['rice']}", "3")  # 600 points; the resident holds 500
    counter.click("#checkout-form button[type=submit]")
    counter.wait_for_load_state()
    assert "积分不足" in counter.locator("main").inner_text()
    assert counter.locator("[data-testid=success]").count() == 0

    # The phone turns to the refusal screen by itself, says why, and took no points.
    phone.wait_for_selector("[data-pay-refused]:visible", timeout=4000)
    refusal = phone.locator("[data-pay-refused]").inner_text()
    assert "没有付款成功" in refusal and "积分不够兑换这些物品。" in refusal and "积分没有扣" in refusal
    assert phone.locator("[data-pay-refused] h1").evaluate("e => e === document.activeElement")
    assert phone.locator("[data-digits]").is_hidden() and phone.locator("[data-testid=success]").count() == 0
    status = phone.evaluate(
        "d => fetch('/stations/pay/status?digits=' + d, {credentials: 'same-origin'}).then(r => r.json())", digits
    )
    assert status["state"] == "refused" and status["reason"] == "insufficient_points"

    # 继续 brings back a fresh code and the balance untouched.
    phone.click("[data-refused-continue]")
    phone.wait_for_selector("[data-digits]:visible")
    phone.wait_for_function(
        "d => document.querySelector('[data-digits]').textContent.replace(/ /g, '') !== d", arg=digits, timeout=4000
    )
    assert phone.locator("[data-pay-available]").inner_text() == "500"


def test_pay_code_digits_stay_on_one_line(live_server, chromium):
    data = _counter(live_server.app)
    browser = chromium()
    for elder in ("0", "1"):
        for size in (NARROW, PHONE):
            context = browser.new_context(viewport=size)
            context.add_cookies([{"name": "pb_elder", "value": elder, "url": live_server.url}])
            page = context.new_page()
            _login(page, live_server.url, data["resident"].phone)
            page.goto(live_server.url + "/stations/pay")
            box = page.evaluate(
                "(() => { const e = document.querySelector('[data-digits]'); const s = getComputedStyle(e);"
                " return [e.getBoundingClientRect().height, parseFloat(s.lineHeight), parseFloat(s.fontSize),"
                " e.scrollWidth <= e.clientWidth]; })()"
            )
            height, line, font, fits = box
            assert height < 1.5 * line and fits, (elder, size, box)
            if elder == "1":
                assert font >= 24
            context.close()
