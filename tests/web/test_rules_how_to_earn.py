"""How to earn says exactly what a report or activity pays; no two active rules of a community share a name."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.reports.models import Report, ReportCategory
from pointsbank.rules.models import Rule, RuleVersion


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_demo_report_pays_what_how_to_earn_advertises(app, client, login, make_photo):
    from pointsbank.reports import service as reports
    from pointsbank.seed import seed_all

    run_in_unit(seed_all)
    titles = list(db.session.scalars(sa.select(Rule.title).where(Rule.status == "published")))
    assert len(titles) == len(set(titles))
    fire = db.session.scalar(sa.select(ReportCategory).where(ReportCategory.name == "消防安全"))
    rule = db.session.get(Rule, fire.rule_id)
    assert rule.title == "随手拍：安全隐患" and fire.resolve_rule_id is None
    resident = db.session.scalar(sa.select(User).where(User.phone == "13900000001"))
    login(resident)
    body = _text(client.get("/rules/how-to-earn"))
    card = body[body.index("随手拍：安全隐患") :]
    assert re.match(r"随手拍：安全隐患 每次 10 分，每月最多 100 分 .*消防安全", card), card[:200]
    assert "随手拍：一般问题" in body and "有效问题上报" not in body
    coordinator = db.session.scalar(sa.select(User).where(User.phone == "13800000002"))
    filing = reports.Filing(category_id=fire.id, description="3栋楼道电动车飞线充电，很危险")
    report = run_in_unit(lambda: reports.file_report(db.session.get(User, resident.id), filing, [make_photo()]))
    before = ledger.balance(ledger.find_resident_account(resident)).balance
    run_in_unit(lambda: reports.accept(db.session.get(Report, report.id), db.session.get(User, coordinator.id)))
    db.session.expire_all()
    assert ledger.balance(ledger.find_resident_account(resident)).balance == before + 10


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    return community, make_user("coordinator", community=community, name="陈渝")


def _rule_body(community, title="随手拍：安全隐患"):
    return {"community_id": community.id, "category": "随手拍/社情民意", "title": title, "points": 10}


def test_two_active_rules_of_a_community_cannot_share_a_name(world, make_community, client, login):
    community, coordinator = world
    login(coordinator)
    first = client.post("/api/v1/rules", json=_rule_body(community)).get_json()
    draft = client.post("/api/v1/rules", json=_rule_body(community)).get_json()  # a draft may wait
    assert client.post(f"/api/v1/rules/{first['id']}/publish").status_code == 200
    clash = client.post(f"/api/v1/rules/{draft['id']}/publish")
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "rule_title_taken"
    again = client.post("/api/v1/rules", json=_rule_body(community))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "rule_title_taken"
    other = client.post("/api/v1/rules", json=_rule_body(community, "随手拍：一般问题")).get_json()
    client.post(f"/api/v1/rules/{other['id']}/publish")
    rename = client.patch(f"/api/v1/rules/{other['id']}", json={"title": "随手拍：安全隐患"})
    assert rename.status_code == 409 and rename.get_json()["error"]["code"] == "rule_title_taken"
    client.post(f"/api/v1/rules/{first['id']}/retire")
    assert client.post(f"/api/v1/rules/{draft['id']}/publish").status_code == 200  # the name is free again


def test_the_database_holds_one_published_title_per_community(world):
    community, coordinator = world

    def two():
        for _ in range(2):
            rule = Rule(community_id=community.id, category="志愿服务", title="楼道清扫", status="published")
            rule.versions.append(RuleVersion(version=1, points=5))
            db.session.add(rule)
        db.session.flush()

    with pytest.raises(IntegrityError):
        run_in_unit(two)
