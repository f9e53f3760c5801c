"""The exports page fetches the streamed file, says how many rows and KB arrived, and hands over the file."""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.seed import DEMO_PASSWORD, seed_all
from tests.browser.conftest import wait_until

COORDINATOR = "13800000002"


def test_download_shows_rows_received_and_saves_the_file(live_server, chromium):
    with live_server.app.app_context():
        run_in_unit(seed_all)
    page = chromium().new_context(viewport={"width": 390, "height": 844}, accept_downloads=True).new_page()
    page.goto(live_server.url + "/login")
    page.fill("input[name=phone]", COORDINATOR)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_load_state("load")
    page.goto(live_server.url + "/exports/")
    scope = page.locator("#export-scope option").first.get_attribute("value")
    page.select_option("#export-kind", "awards")
    page.fill("#export-from", "2000-01-01")
    page.fill("#export-to", "2099-12-31")
    kind, cid = "awards", scope.split(":")[1]
    expected = page.request.get(
        f"{live_server.url}/api/v1/communities/{cid}/exports/{kind}.csv?from=2000-01-01&to=2099-12-31"
    ).headers["x-row-count"]
    assert int(expected) > 0
    with page.expect_download() as download:
        page.click("[data-export-form] button[type=submit]")
    wait_until(page, "document.querySelector('[data-export-progress]').textContent.startsWith('完成')")
    assert page.locator("[data-export-progress]").inner_text().startswith(f"完成：{expected} 行")
    assert download.value.suggested_filename == "awards.csv"
    body = open(download.value.path(), encoding="utf-8-sig").read().strip().splitlines()
    assert len(body) == int(expected) + 1  # the header, then one line per row
