"""Exports of volunteer hours, stock movements and reports: BOM, headers per language, rows, XLSX, scope, page."""

from __future__ import annotations

import csv
import io
from types import GeneratorType

import pytest
from openpyxl import load_workbook

from pointsbank.activities.models import Activity, Signup
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.service import get_or_create_community, grant_role
from pointsbank.stations.service import move_stock

PERIOD = "from=2000-01-01&to=2099-12-31"
HEADERS = {
    "hours": (["社区", "志愿者", "参加活动次数", "时长"], ["Community", "Volunteer", "Activities attended", "Hours"]),
    "stock": (
        ["时间", "社区", "站点", "物品", "变动", "原因", "备注", "ID"],
        ["Time", "Community", "Station", "Item", "Stock change", "Reason", "Note", "ID"],
    ),
    "reports": (
        ["上报时间", "社区", "问题类别", "状态", "网格", "地点", "上报人", "办结时间", "ID"],
        ["Reported at", "Community", "Report category", "Status", "Grid", "Place", "Reporter", "Resolved at", "ID"],
    ),
}


@pytest.fixture
def seeded(app, make_user, make_activity, make_station, make_item, make_category, make_report):
    """One community with confirmed hours of two volunteers, stock moves and a report."""
    from pointsbank.people.models import Community

    coordinator = make_user("coordinator")
    community = db.session.get(Community, coordinator.grants[0].community_id)
    zhang = make_user(community=community, name="张三丰")
    li = make_user(community=community, name="李四")
    first = make_activity(community, coordinator, hours=2)
    second = make_activity(community, coordinator, hours=1)

    def confirm():
        for activity, hours in ((first, [(zhang, 2.0), (li, 1.5)]), (second, [(zhang, 1.0)])):
            db.session.get(Activity, activity.id).status = "confirmed"
            for user, h in hours:
                db.session.add(Signup(activity_id=activity.id, user_id=user.id, status="attended", hours=h))

    run_in_unit(confirm)
    station = make_station(community, name="幸福银行一站")
    item = make_item(station, name="大米 5kg", stock=10)
    run_in_unit(lambda: move_stock(db.session.merge(item), -3, "adjustment", actor_id=None, note="盘点"))
    category = make_category(community, name="设施损坏")
    report = make_report(li, category, place="南门")
    return {"coordinator": coordinator, "community": community, "report": report}


def _csv(client, community_id: int, kind: str, lang: str) -> tuple[bytes, list[list[str]]]:
    r = client.get(f"/api/v1/communities/{community_id}/exports/{kind}.csv?{PERIOD}&lang={lang}")
    assert r.status_code == 200, r.data
    assert r.is_streamed
    return r.data, list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", ["hours", "stock", "reports"])
def test_each_kind_csv_has_bom_and_headers_in_both_languages_and_xlsx_matches(client, login, seeded, kind):
    login(seeded["coordinator"])
    cid = seeded["community"].id
    for lang, expected in zip(("zh_Hans", "en"), HEADERS[kind], strict=True):
        raw, table = _csv(client, cid, kind, lang)
        assert raw.startswith("\ufeff".encode()) and table[0] == expected
        r = client.get(f"/api/v1/communities/{cid}/exports/{kind}.xlsx?{PERIOD}&lang={lang}")
        assert r.status_code == 200 and r.is_streamed  # built in a temporary file, sent in chunks
        sheet = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
        assert list(sheet[0]) == expected and len(sheet) == len(table)


def test_rows_match_the_seeded_data(client, login, seeded):
    login(seeded["coordinator"])
    cid, name = seeded["community"].id, seeded["community"].name
    _, hours = _csv(client, cid, "hours", "en")
    assert sorted(hours[1:]) == sorted([[name, "张*丰", "2", "3.0"], [name, "李*", "1", "1.5"]])
    _, stock = _csv(client, cid, "stock", "en")
    assert [(r[2], r[3], r[4], r[5], r[6]) for r in stock[1:]] == [
        ("幸福银行一站", "大米 5kg", "10", "Intake", "测试入库"),
        ("幸福银行一站", "大米 5kg", "-3", "Adjustment", "盘点"),
    ]
    _, stock_zh = _csv(client, cid, "stock", "zh_Hans")
    assert [r[5] for r in stock_zh[1:]] == ["入库", "盘点调整"]
    raw, reports = _csv(client, cid, "reports", "en")
    row = reports[1]
    assert len(reports) == 2 and row[1:7] == [name, "设施损坏", "Submitted", "", "南门", "李*"] and row[7] == ""
    assert _csv(client, cid, "reports", "zh_Hans")[1][1][3] == "已提交"
    li = db.session.get(type(seeded["coordinator"]), seeded["report"].reporter_id)
    assert li.phone.encode() not in raw and "李四".encode() not in raw


def test_rows_are_a_generator_read_lazily(app, seeded):
    from pointsbank.exports import service

    with app.test_request_context():
        rows = service.rows("stock", [seeded["community"].id], *_period())
        assert isinstance(rows, GeneratorType)
        assert len(list(rows)) == 2
        chunks = service.csv_chunks("hours", [seeded["community"].id], *_period())
        assert isinstance(chunks, GeneratorType) and next(chunks) == "\ufeff".encode()


def _period():
    from datetime import datetime

    return datetime(2000, 1, 1), datetime(2100, 1, 1)


def test_officers_see_their_street_and_others_get_404(client, login, make_user, award_points):
    def work():
        a = get_or_create_community("测区", "甲街道", "甲一社区")
        b = get_or_create_community("测区", "乙街道", "乙一社区")
        return a, b

    a, b = run_in_unit(work)
    officer = make_user("resident")
    run_in_unit(lambda: grant_role(officer, "street_officer", street=a.street))
    login(officer)
    for kind in ("awards", "reports", "hours"):
        assert client.get(f"/api/v1/communities/{a.id}/exports/{kind}.csv?{PERIOD}").status_code == 200
        assert client.get(f"/api/v1/communities/{b.id}/exports/{kind}.csv?{PERIOD}").status_code == 404
    assert client.get(f"/api/v1/streets/{a.street_id}/exports/stock.xlsx?{PERIOD}").status_code == 200
    assert client.get(f"/api/v1/streets/{b.street_id}/exports/stock.xlsx?{PERIOD}").status_code == 404
    page = client.get("/exports/").get_data(as_text=True)
    assert f'value="community:{a.id}"' in page and f'value="community:{b.id}"' not in page
    district = make_user("resident")
    run_in_unit(lambda: grant_role(district, "district_officer", district=a.street.district))
    login(district)
    assert client.get(f"/api/v1/communities/{b.id}/exports/stock.csv?{PERIOD}").status_code == 200
    other = make_user("coordinator")
    login(other)
    assert client.get(f"/api/v1/communities/{a.id}/exports/hours.csv?{PERIOD}").status_code == 404
    assert client.get(f"/api/v1/communities/{a.id}/exports/nothing.csv?{PERIOD}").status_code == 404


def test_page_renders_in_both_languages_and_links_to_the_download(client, login, seeded):
    login(seeded["coordinator"])
    zh = client.get("/exports/").get_data(as_text=True)
    assert "数据导出" in zh and "志愿时长（按人）" in zh and "库存变动" in zh and "js/exports.js" in zh
    assert f'value="community:{seeded["community"].id}"' in zh and "data-export-progress" in zh
    en = client.get("/exports/?lang=en").get_data(as_text=True)
    assert "Exports" in en and "Volunteer hours per person" in en and "Stock movements" in en
    query = f"scope=community:{seeded['community'].id}&kind=hours&from=2000-01-01&to=2099-12-31&format=xlsx"
    r = client.get(f"/exports/download?{query}")
    assert r.status_code == 302 and f"/api/v1/communities/{seeded['community'].id}/exports/hours.xlsx" in r.location
    assert "/exports/" in client.get("/").get_data(as_text=True)


def test_page_is_404_without_communities_in_view(client, login, make_user):
    login(_nobody())
    assert client.get("/exports/").status_code == 404


def _nobody():
    from pointsbank.people.service import create_user

    return run_in_unit(lambda: create_user("13900009999", "无社区", "secret-pass-1", community=None))


def test_openapi_lists_the_new_kinds(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/communities/{id}/exports/{kind}.csv"]["get"]
    params = op.get("parameters", []) + spec["paths"]["/api/v1/communities/{id}/exports/{kind}.csv"].get(
        "parameters", []
    )
    kind = next(p for p in params if p["name"] == "kind")
    assert {"awards", "redemptions", "hours", "stock", "reports"} <= set(kind["schema"]["enum"])
