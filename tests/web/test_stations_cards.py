"""A lost resident card (居民卡): reported by the resident or a coordinator, refused with `revoked`, reissued."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.extensions import db


@pytest.fixture
def cards(app, login, counter_setup, make_user):
    s = counter_setup(points=500)
    s.clerk_client = login(s.clerk, app.test_client())
    s.resident_client = login(s.resident, app.test_client())
    s.coordinator = make_user("coordinator", community=s.community)
    s.coordinator_client = login(s.coordinator, app.test_client())
    s.other_coordinator_client = login(make_user("coordinator"), app.test_client())
    s.card = s.resident_client.put("/api/v1/resident-card", json={"pin": "2580"}).get_json()
    return s


def scan(s, payload, pin="2580"):
    return s.clerk_client.post(f"/api/v1/stations/{s.station.id}/code-checks", json={"code": payload, "pin": pin})


def actions() -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("card.%")).order_by(AuditEntry.id))
    )


def test_resident_reports_lost_then_reissues_and_only_the_new_card_works(cards):
    s = cards
    assert scan(s, s.card["payload"]).status_code == 200
    lost = s.resident_client.post("/api/v1/resident-card/lost")
    assert lost.status_code == 200 and lost.get_json()["revoked_at"]
    assert s.resident_client.post("/api/v1/resident-card/lost").status_code == 200  # a repeat changes nothing
    refused = scan(s, s.card["payload"])
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "revoked"
    s.resident_client.put("/api/v1/resident-card", json={"pin": "1357"})  # a new PIN does not revive a lost card
    assert scan(s, s.card["payload"], "1357").get_json()["error"]["code"] == "revoked"
    new = s.resident_client.post("/api/v1/resident-card/reissue").get_json()
    assert new["payload"] != s.card["payload"]
    assert scan(s, new["payload"], "1357").status_code == 200
    old = scan(s, s.card["payload"], "1357")
    assert old.status_code == 422 and old.get_json()["error"]["code"] == "revoked"
    assert actions() == ["card.revoked", "card.reissued"]


def test_coordinator_reports_lost_and_prints_a_new_card_other_communities_get_404(cards):
    s = cards
    url = f"/api/v1/residents/{s.resident.id}/resident-card"
    assert s.other_coordinator_client.post(f"{url}/lost").status_code == 404
    assert s.clerk_client.post(f"{url}/lost").status_code == 404
    assert scan(s, s.card["payload"]).status_code == 200
    assert s.coordinator_client.post(f"{url}/lost").status_code == 200
    assert scan(s, s.card["payload"]).get_json()["error"]["code"] == "revoked"
    page = s.coordinator_client.get(f"/stations/residents/{s.resident.id}/card")
    assert page.status_code == 200 and "挂失" in page.get_data(as_text=True)
    reissued = s.coordinator_client.post(f"/stations/residents/{s.resident.id}/card/reissue", follow_redirects=True)
    assert reissued.status_code == 200 and "<img" in reissued.get_data(as_text=True)  # the new card to print
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.like("card.%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_id, e.subject_id) for e in entries] == [
        ("card.revoked", s.coordinator.id, s.resident.id),
        ("card.reissued", s.coordinator.id, s.resident.id),
    ]
    assert s.other_coordinator_client.get(f"/stations/residents/{s.resident.id}/card").status_code == 404


def test_resident_pages_report_lost_and_reissue(cards):
    s = cards
    assert "挂失" in s.resident_client.get("/stations/card").get_data(as_text=True)
    page = s.resident_client.post("/stations/card/lost", follow_redirects=True).get_data(as_text=True)
    assert "已挂失" in page and "<img" not in page.split("<main", 1)[-1].split("</main>")[0].replace('class="icon"', "")
    s.resident_client.post("/stations/card/reissue", follow_redirects=True)
    assert scan(s, s.card["payload"]).get_json()["error"]["code"] == "revoked"


def test_no_card_answers_404(app, login, make_user):
    resident = make_user("resident")
    c = login(resident, app.test_client())
    assert c.post("/api/v1/resident-card/lost").status_code == 404
    assert c.post("/api/v1/resident-card/reissue").status_code == 404
