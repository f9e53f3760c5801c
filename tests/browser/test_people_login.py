"""A resident logs in through the real form on a phone-sized screen and turns on the elder mode."""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.people.service import create_user, get_or_create_community
from tests.browser.conftest import write_qr_y4m

PHONE_SIZE = {"width": 390, "height": 844}


def _resident(app, phone="13912345678", name="王秀英", password="lybank-test-1"):
    with app.app_context():

        def work():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"])
            return create_user(phone, name, password, community=community).id

        run_in_unit(work)
    return phone, password


def _login(page, base, phone, password):
    page.goto(base + "/login")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")


def test_login_on_a_phone_then_elder_mode(live_server, chromium):
    phone, password = _resident(live_server.app)
    browser = chromium()
    page = browser.new_page(viewport=PHONE_SIZE)

    _login(page, live_server.url, phone, "wrong-password")
    assert "手机号码或密码错误" in page.content()

    _login(page, live_server.url, phone, password)
    assert page.url.rstrip("/") == live_server.url
    assert page.locator("h1").inner_text() == "王秀英，您好"
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.get_by_test_id("suggest-elder").is_visible()  # the first visit suggests 长辈版
    normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert normal < 18

    page.get_by_role("button", name="长辈版", exact=True).click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 24
    line_height = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight)")
    assert line_height >= 1.3 * size
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('button, a.button, a.tile, .tabbar a, input[type=submit]'))"
        ".filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height)"
    )
    assert heights, "no tap targets found"
    assert min(heights) >= 60
    # The switch is remembered: a new page load stays in the elder mode.
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    # No horizontal scrolling on a phone-sized screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SIZE["width"]
    # The header stays one row; logging out is under 我的.
    assert page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height") <= 60 + 16
    page.goto(live_server.url + "/me")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state("load")
    assert "/login" in page.url or page.locator("a[href='/login']").count()


def test_qr_video_file_is_valid_y4m(tmp_path):
    path = write_qr_y4m("PB1:demo", tmp_path / "code.y4m")
    data = path.read_bytes()
    header, rest = data.split(b"\n", 1)
    assert header == b"YUV4MPEG2 W640 H480 F25:1 Ip A1:1 C420jpeg"
    assert rest.startswith(b"FRAME\n")
    assert len(rest) == len(b"FRAME\n") + 640 * 480 * 3 // 2


def _coordinator(app, phone="13800000002", password="coord-pass-2026"):
    from pointsbank.people.service import grant_role

    with app.app_context():

        def work():
            community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格", "第二网格"])
            user = create_user(phone, "陈渝", password)
            grant_role(user, "coordinator", community=community)
            return community.id

        community_id = run_in_unit(work)
    return phone, password, community_id


def test_coordinator_imports_a_sheet_and_a_resident_logs_in(live_server, chromium, tmp_path):
    phone, password, _community_id = _coordinator(live_server.app)
    browser = chromium()
    page = browser.new_page(viewport=PHONE_SIZE)
    _login(page, live_server.url, phone, password)
    page.get_by_role("link", name="梨园社区居民").click()

    bad = tmp_path / "居民.csv"
    bad.write_text("姓名,手机号,网格\n王秀英,13911110001,第一网格\n李建国,1391111,第九网格\n", encoding="utf-8")
    page.set_input_files("input[name=sheet]", str(bad))
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_load_state("load")
    problems = page.locator(".flash-error table tbody tr")
    assert problems.count() == 2
    assert "第九网格" in problems.nth(1).inner_text() and problems.nth(0).inner_text().startswith("3")
    assert "没有导入" in page.content()

    good = tmp_path / "good.csv"
    good.write_text("姓名,手机号,网格\n王秀英,13911110001,第一网格\n李建国,13911110002,第二网格\n", encoding="utf-8")
    page.set_input_files("input[name=sheet]", str(good))
    page.get_by_role("button", name="检查并导入").click()
    page.wait_for_load_state("load")
    assert "已登记 2 位居民" in page.content()
    temporary = page.locator("table.slips tbody tr").first.locator("code").inner_text()

    resident = browser.new_page(viewport=PHONE_SIZE)
    _login(resident, live_server.url, "13911110001", temporary)
    assert resident.url.endswith("/account/password")
    resident.fill("input[name=current]", temporary)
    resident.fill("input[name=new]", "xiuying-2026")
    resident.fill("input[name=confirm]", "xiuying-2026")
    resident.get_by_role("button", name="保存新密码").click()
    resident.wait_for_load_state("load")
    assert resident.locator("h1").inner_text() == "王秀英，您好"
    assert "密码已修改" in resident.content()
