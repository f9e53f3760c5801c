"""The signals page: coordinators see their community's signals in zh and en and review them."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.signals.models import FraudSignal
from pointsbank.signals.service import upsert


def test_page_lists_and_reviews_in_both_languages(app, login, make_community, make_user):
    community, other = make_community(), make_community()
    signal_id = run_in_unit(lambda: upsert(community.id, "pair", "pair:7:8", 22, {"approved": 22}).id)
    run_in_unit(lambda: upsert(other.id, "velocity", "awards:resident:9", 40, {"week": 40}))
    coordinator = make_user("coordinator", community=community)
    client = login(coordinator, app.test_client())
    home = client.get("/").get_data(as_text=True)
    assert "/signals/" in home
    zh = client.get("/signals/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "异常信号" in zh and "pair:7:8" in zh and "awards:resident:9" not in zh
    en = client.get("/signals/?lang=en").get_data(as_text=True)
    assert "One coordinator approving one resident" in en and "异常信号" not in en
    assert client.get(f"/signals/?community={other.id}").status_code == 404
    done = client.post(f"/signals/{signal_id}/review", data={"status": "confirmed", "note": "已核实"})
    assert done.status_code == 302
    with app.app_context():
        signal = db.session.get(FraudSignal, signal_id)
        assert (signal.status, signal.review_note) == ("confirmed", "已核实")
        actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "signal.reviewed")).all()
        assert actions == ["signal.reviewed"]
    refused = client.post(f"/signals/{signal_id}/review", data={"status": "dismissed", "note": ""})
    assert refused.status_code in (302, 400)
    with app.app_context():
        assert db.session.get(FraudSignal, signal_id).status == "confirmed"
        assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "signal.reviewed")) == 1


def test_residents_have_no_signals_page_or_link(app, login, make_user):
    resident = make_user()
    client = login(resident, app.test_client())
    assert "/signals/" not in client.get("/").get_data(as_text=True)
    assert client.get("/signals/").status_code == 404
