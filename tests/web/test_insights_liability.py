"""Liability pages and API: scope (404 elsewhere), figures equal to the ledger, links, the item's reference value
on the form and the API, the OpenAPI document, and statements that do not grow with residents."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account
from pointsbank.people.service import get_or_create_community, grant_role
from pointsbank.stations.models import Item
from tests.factories.ledger import new_key
from tests.web.test_ledger_statement_counts import counted


@pytest.fixture
def streets(app, make_user, award_points, make_station, make_item):
    """Two streets of one district, two communities each; residents with points, a station with stock each."""

    def work():
        one = [get_or_create_community("测区", "东街道", f"东{i}社区") for i in range(2)]
        two = [get_or_create_community("测区", "西街道", f"西{i}社区") for i in range(2)]
        return one, two

    one, two = run_in_unit(work)
    for i, community in enumerate(one + two):
        for n in range(i + 1):
            award_points(make_user(community=community), 10 + i + n)
        station = make_station(community)
        make_item(station, "大米 10kg", 400, stock=i + 1, reference_value_fen=5000)
    return one, two


def _officer(make_user, role, **where):
    user = make_user("resident")
    run_in_unit(lambda: grant_role(user, role, **where))
    return user


def _balances(community_id: int) -> tuple[int, int]:
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Account.balance), 0), sa.func.coalesce(sa.func.sum(Account.held), 0)
        ).where(Account.kind == "resident", Account.community_id == community_id)
    ).one()
    return int(row[0]), int(row[1])


def test_street_officer_sees_their_street_and_gets_404_elsewhere(client, login, make_user, streets):
    one, two = streets
    login(_officer(make_user, "street_officer", street=one[0].street))
    body = client.get(f"/api/v1/streets/{one[0].street_id}/liability").get_json()
    assert body["street_id"] == one[0].street_id
    assert [c["community_id"] for c in body["communities"]] == sorted(c.id for c in one)
    for row in body["communities"]:
        assert (row["outstanding"], row["held"]) == _balances(row["community_id"])
    assert body["total"]["outstanding"] == sum(_balances(c.id)[0] for c in one)
    assert body["total"]["stock_points"] == (1 + 2) * 400 and body["total"]["stock_value_fen"] == 3 * 5000
    assert len(body["months"]) == 12 and len(body["total"]["monthly"]) == 12
    page = client.get(f"/insights/streets/{one[0].street_id}/liability")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert all(c.name in text for c in one) and not any(c.name in text for c in two)
    assert client.get(f"/api/v1/communities/{one[1].id}/liability").status_code == 200
    assert client.get(f"/insights/communities/{one[1].id}/liability").status_code == 200
    for url in (
        f"/api/v1/streets/{two[0].street_id}/liability",
        f"/api/v1/communities/{two[0].id}/liability",
        f"/insights/streets/{two[0].street_id}/liability",
        f"/insights/communities/{two[0].id}/liability",
        "/api/v1/streets/999999/liability",
        "/insights/communities/999999/liability",
    ):
        answer = client.get(url)
        assert answer.status_code == 404, url
    assert client.get(f"/api/v1/communities/{two[0].id}/liability").get_json()["error"]["code"]


def test_district_officer_sees_every_street_of_the_district(client, login, make_user, streets):
    one, two = streets
    login(_officer(make_user, "district_officer", district=one[0].street.district))
    for community in one + two:
        assert client.get(f"/api/v1/streets/{community.street_id}/liability").status_code == 200
        assert client.get(f"/insights/communities/{community.id}/liability").status_code == 200


def test_coordinator_sees_their_community_only(client, login, make_user, streets):
    one, two = streets
    login(make_user("coordinator", community=one[0]))
    body = client.get(f"/api/v1/communities/{one[0].id}/liability").get_json()
    assert body["community_id"] == one[0].id and [c["community_id"] for c in body["communities"]] == [one[0].id]
    assert body["total"]["outstanding"] == body["communities"][0]["outstanding"] == _balances(one[0].id)[0]
    assert client.get(f"/insights/communities/{one[0].id}/liability").status_code == 200
    for url in (
        f"/api/v1/communities/{one[1].id}/liability",  # same street, not theirs
        f"/insights/communities/{one[1].id}/liability",
        f"/api/v1/communities/{two[0].id}/liability",
        f"/api/v1/streets/{one[0].street_id}/liability",  # a street is for its officers
        f"/insights/streets/{one[0].street_id}/liability",
    ):
        assert client.get(url).status_code == 404, url


def test_residents_get_404_and_strangers_401(client, login, make_user, streets):
    one, _ = streets
    assert client.get(f"/api/v1/communities/{one[0].id}/liability").status_code == 401
    login(make_user(community=one[0]))
    assert client.get(f"/api/v1/communities/{one[0].id}/liability").status_code == 404
    assert client.get(f"/insights/communities/{one[0].id}/liability").status_code == 404


def test_holds_sit_inside_the_outstanding_points(client, login, make_user, streets, award_points):
    one, _ = streets
    resident = make_user(community=one[0])
    award_points(resident, 50)
    account = ledger.find_resident_account(resident)
    run_in_unit(
        lambda: ledger.hold(
            db.session.get(Account, account.id),
            20,
            key=new_key("h"),
            expires_at=utcnow() + timedelta(days=1),
            memo="预约",
        )
    )
    login(make_user("coordinator", community=one[0]))
    row = client.get(f"/api/v1/communities/{one[0].id}/liability").get_json()["communities"][0]
    balance, held = _balances(one[0].id)
    assert (row["outstanding"], row["held"], row["available"]) == (balance, held, balance - held)
    assert held == 20


def test_linked_from_the_dashboard_and_the_street_overview(client, login, make_user, streets):
    one, _ = streets
    login(_officer(make_user, "street_officer", street=one[0].street))
    overview = client.get(f"/insights/streets/{one[0].street_id}/").get_data(as_text=True)
    assert f"/insights/streets/{one[0].street_id}/liability" in overview
    dashboard = client.get(f"/insights/communities/{one[0].id}/dashboard").get_data(as_text=True)
    assert f"/insights/communities/{one[0].id}/liability" in dashboard
    street = client.get(f"/insights/streets/{one[0].street_id}/liability").get_data(as_text=True)
    assert f"/insights/communities/{one[1].id}/liability" in street  # each community column opens its own view


def test_page_in_chinese_first_and_english(client, login, make_user, streets):
    one, _ = streets
    login(make_user("coordinator", community=one[0]))
    url = f"/insights/communities/{one[0].id}/liability"
    zh = client.get(url).get_data(as_text=True)
    assert "积分负债" in zh and "兑换站点库存（元）" in zh and "<svg" in zh and 'data-testid="monthly"' in zh
    client.set_cookie("pb_lang", "en")
    en = client.get(url).get_data(as_text=True)
    assert "Points liability" in en and "Stock at stations (yuan)" in en and "¥50.00" in en


def test_page_statements_do_not_grow_with_residents(client, login, make_user, streets, award_points):
    one, _ = streets
    login(_officer(make_user, "street_officer", street=one[0].street))
    url = f"/insights/streets/{one[0].street_id}/liability"
    client.get(url)
    with counted() as few:
        assert client.get(url).status_code == 200
    for i in range(20):
        award_points(make_user(community=one[i % 2]), 3 + i)
    with counted() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), many


# ---------------------------------------------------------------- the item's reference value


def test_item_form_takes_yuan_and_stores_fen(client, login, make_user, make_community, make_station):
    community = make_community()
    station = make_station(community)
    login(make_user("coordinator", community=community))
    form = {
        "item-name": "大米 10kg",
        "item-kind": "goods",
        "item-points": "400",
        "item-limit_period": "",
        "item-reference_value_yuan": "50.5",
        "item-active": "y",
        "item-submit": "1",
    }
    page = client.get(f"/stations/{station.id}").get_data(as_text=True)
    assert "参考价值（元）" in page
    assert client.post(f"/stations/{station.id}", data=form).status_code == 302
    item = db.session.scalar(sa.select(Item).where(Item.station_id == station.id))
    assert item.reference_value_fen == 5050
    edit = client.get(f"/stations/items/{item.id}/edit").get_data(as_text=True)
    assert 'value="50.50"' in edit
    base = {"name": "大米 10kg", "kind": "goods", "points": "400", "limit_period": "", "active": "y"}
    bad = client.post(f"/stations/items/{item.id}/edit", data={**base, "reference_value_yuan": "1.234"})
    assert bad.status_code == 200 and "最多两位小数" in bad.get_data(as_text=True)
    assert (
        client.post(f"/stations/items/{item.id}/edit", data={**base, "reference_value_yuan": "-1"}).status_code == 200
    )
    db.session.expire_all()
    assert db.session.get(Item, item.id).reference_value_fen == 5050
    assert client.post(f"/stations/items/{item.id}/edit", data={**base, "reference_value_yuan": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, item.id).reference_value_fen is None


def test_item_api_takes_fen(client, login, make_user, make_community, make_station):
    community = make_community()
    station = make_station(community)
    login(make_user("coordinator", community=community))
    made = client.post(
        f"/api/v1/stations/{station.id}/items", json={"name": "食用油 5L", "points": 150, "reference_value_fen": 6500}
    )
    assert made.status_code == 201 and made.get_json()["reference_value_fen"] == 6500
    item_id = made.get_json()["id"]
    plain = client.post(f"/api/v1/stations/{station.id}/items", json={"name": "书包", "points": 60})
    assert plain.get_json()["reference_value_fen"] is None
    assert (
        client.patch(f"/api/v1/items/{item_id}", json={"reference_value_fen": 6990}).get_json()["reference_value_fen"]
        == 6990
    )
    assert client.patch(f"/api/v1/items/{item_id}", json={"points": 160}).get_json()["reference_value_fen"] == 6990
    for wrong in (-1, 1.5, "65.00", 100_000_001):
        answer = client.patch(f"/api/v1/items/{item_id}", json={"reference_value_fen": wrong})
        assert answer.status_code == 400, wrong
    assert (
        client.patch(f"/api/v1/items/{item_id}", json={"reference_value_fen": None}).get_json()["reference_value_fen"]
        is None
    )


def test_openapi_document_has_the_liability_and_the_item_field(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/communities/{community_id}/liability", "/api/v1/streets/{street_id}/liability"):
        operation = document["paths"][path]["get"]
        assert {"200", "401", "404"} <= set(operation["responses"]), path
    schemas = document["components"]["schemas"]
    row = schemas["LiabilityRow"]["properties"]
    assert {"outstanding", "held", "available", "stock_points", "stock_value_fen", "cover_ratio"} <= set(row)
    assert {"expiring_points", "expiring_on", "monthly", "items_without_value"} <= set(row)
    item = schemas["Item"]["properties"]["reference_value_fen"]
    assert item["minimum"] == 0 and "fen" in item["description"]
    assert "reference_value_fen" in schemas["ItemUpdate"]["properties"]
