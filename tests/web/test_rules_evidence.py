"""A rule's evidence is enforced: check-in rules pay from activities, report rules from reports, photo and
witness rules only with the photo or witness attached; approvals, rejections and rule edits are audited."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.errors import Invalid, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    resident = make_user("resident", community=community, name="王秀英")
    return community, coordinator, resident


def _jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, "JPEG")
    out.seek(0)
    return out


def _balance(user) -> int:
    db.session.expire_all()
    return ledger.balance(ledger.find_resident_account(user)).balance


def _transfers() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Transfer))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    ("evidence", "code"),
    [("check_in", "rule_pays_from_activity"), ("report", "rule_pays_from_report")],
)
def test_manual_award_under_a_check_in_or_report_rule_is_refused(world, make_rule, client, login, evidence, code):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, points=10, evidence=evidence)
    login(coordinator)
    response = client.post(f"/api/v1/rules/{rule.id}/awards", json={"resident_id": resident.id})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code
    page = client.post(f"/rules/{rule.id}/award", data={"phone": resident.phone, "quantity": "1", "nonce": "n1"})
    assert page.status_code in (302, 422)
    assert _balance(resident) == 0 and _transfers() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAward)) == 0


def test_service_refuses_coordinator_word_under_a_check_in_rule(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, evidence="check_in"))
    with pytest.raises(Refused) as err:
        run_in_unit(
            lambda: rules.award_under_rule(resident, version, key="k", actor_id=None, memo="x", evidence="coordinator")
        )
    assert err.value.code == "rule_pays_from_activity"


def test_photo_rule_needs_the_photo_and_queues_it(world, make_rule, client, login):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, title="文明劝导", points=3, evidence="photo")
    login(coordinator)
    response = client.post(f"/api/v1/rules/{rule.id}/awards", json={"resident_id": resident.id})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "photo_required"
    form = {"phone": resident.phone, "quantity": "1", "note": "劝导遛狗牵绳", "nonce": "n2"}
    client.post(f"/rules/{rule.id}/award", data=dict(form, nonce="n1"))  # no photo
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAward)) == 0
    client.post(
        f"/rules/{rule.id}/award",
        data=dict(form, photo=(_jpeg(), "a.jpg")),
        content_type="multipart/form-data",
    )
    pending = db.session.scalar(sa.select(PendingAward))
    assert pending is not None and pending.status == "pending" and pending.evidence_photo
    assert _balance(resident) == 0  # it waits for a coordinator to look at the photo
    body = client.get("/rules/approvals").get_data(as_text=True)
    assert f"/rules/approvals/{pending.id}/photo" in body
    photo = client.get(f"/rules/approvals/{pending.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    listed = client.get(f"/api/v1/pending-awards/{pending.id}").get_json()
    assert listed["has_photo"] is True and listed["evidence"] == "photo"
    login(resident)
    assert client.get(f"/rules/approvals/{pending.id}/photo").status_code == 404


def test_witness_rule_needs_another_person_of_the_community(world, make_rule, make_user, client, login):
    community, coordinator, resident = world
    neighbour = make_user("resident", community=community, name="李建国")
    stranger = make_user("resident", name="外人")
    rule = make_rule(community, coordinator, title="邻里帮扶", points=5, evidence="witness")
    login(coordinator)
    url = f"/api/v1/rules/{rule.id}/awards"
    missing = client.post(url, json={"resident_id": resident.id})
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "witness_required"
    for witness in (resident, coordinator, stranger):
        bad = client.post(url, json={"resident_id": resident.id, "witness_id": witness.id})
        assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_witness"
    good = client.post(url, json={"resident_id": resident.id, "witness_id": neighbour.id})
    assert good.status_code == 201 and good.get_json()["status"] == "pending"
    pending = db.session.scalar(sa.select(PendingAward))
    assert pending.witness_id == neighbour.id
    assert "李建国" in client.get("/rules/approvals").get_data(as_text=True)
    page = {"phone": resident.phone, "quantity": "1", "nonce": "w1", "witness_phone": neighbour.phone}
    client.post(f"/rules/{rule.id}/award", data=page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAward)) == 2
    assert _balance(resident) == 0


def test_coordinator_rule_still_pays_on_their_word(world, make_rule, client, login):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, title="文明养犬劝导", points=3, evidence="coordinator")
    login(coordinator)
    response = client.post(f"/api/v1/rules/{rule.id}/awards", json={"resident_id": resident.id})
    assert response.status_code == 201 and response.get_json()["status"] == "posted"
    assert _balance(resident) == 3
    assert "rule.award" in _actions()


def test_activities_and_report_categories_only_use_rules_they_can_pay(world, make_rule, make_activity):
    from pointsbank.people.models import User
    from pointsbank.reports import service as reports

    community, coordinator, _ = world

    def make_category(community, name="设施损坏", *, rule):
        actor = db.session.get(User, coordinator.id)
        return run_in_unit(lambda: reports.save_category(actor, community.id, name=name, rule_id=rule.id))

    report_rule = make_rule(community, coordinator, title="随手拍：一般问题", evidence="report")
    check_in_rule = make_rule(community, coordinator, title="楼道清扫", evidence="check_in")
    with pytest.raises(Invalid) as err:
        make_activity(community, coordinator, rule=report_rule)
    assert err.value.code == "rule_evidence_mismatch"
    assert make_activity(community, coordinator, rule=check_in_rule).rule_id == check_in_rule.id
    with pytest.raises(Invalid) as err:
        make_category(community, rule=check_in_rule)
    assert err.value.code == "rule_evidence_mismatch"
    assert make_category(community, name="消防安全", rule=report_rule).rule_id == report_rule.id


def test_check_in_rule_pays_from_an_attended_sign_up(world, make_rule, make_activity, make_user):
    from pointsbank.activities import service as activities
    from pointsbank.people.models import User

    community, coordinator, _ = world
    rule = make_rule(community, coordinator, title="楼道清扫", points=10, unit="occurrence", evidence="check_in")
    activity = make_activity(community, coordinator, rule=rule)
    volunteer = make_user("resident", community=community, name="李志愿")
    run_in_unit(lambda: activities.sign_up(db.session.get(User, volunteer.id), db.session.merge(activity)))
    code = activities.poster_code(activity)
    run_in_unit(lambda: activities.check_in_with_poster(db.session.get(User, volunteer.id), code))
    run_in_unit(lambda: activities.confirm_activity(db.session.get(User, coordinator.id), db.session.merge(activity)))
    assert _balance(volunteer) == 10


def test_report_rule_pays_from_an_accepted_report(world, make_rule, make_category, make_photo, make_user):
    from pointsbank.people.models import User
    from pointsbank.reports import service as reports

    community, coordinator, resident = world
    rule = make_rule(
        community, coordinator, category="随手拍/社情民意", title="随手拍：安全隐患", points=10, evidence="report"
    )
    category = make_category(community, name="消防安全", rule=rule)
    filing = reports.Filing(category_id=category.id, description="楼道堆放纸箱堵住消防通道")
    report = run_in_unit(lambda: reports.file_report(db.session.get(User, resident.id), filing, [make_photo()]))
    run_in_unit(lambda: reports.accept(db.session.merge(report), db.session.get(User, coordinator.id)))
    assert _balance(resident) == 10


def test_approvals_rejections_and_rule_edits_are_audited(world, make_rule, make_user, client, login):
    community, coordinator, resident = world
    login(coordinator)
    created = client.post(
        "/api/v1/rules",
        json={
            "community_id": community.id,
            "category": "邻里互助",
            "title": "邻里帮扶",
            "points": 5,
            "needs_approval": True,
        },
    ).get_json()
    client.patch(f"/api/v1/rules/{created['id']}", json={"points": 6})
    client.post(f"/api/v1/rules/{created['id']}/publish")
    client.patch(f"/api/v1/rules/{created['id']}", json={"points": 8})
    url = f"/api/v1/rules/{created['id']}/awards"
    first = client.post(url, json={"resident_id": resident.id}, headers={"Idempotency-Key": "a"}).get_json()
    client.post(url, json={"resident_id": resident.id}, headers={"Idempotency-Key": "a"})  # a replay: no entry
    second = client.post(url, json={"resident_id": resident.id}, headers={"Idempotency-Key": "b"}).get_json()
    client.post(f"/api/v1/pending-awards/{first['pending_award_id']}/approve")
    client.post(f"/api/v1/pending-awards/{first['pending_award_id']}/approve")  # again: changes nothing
    client.post(f"/api/v1/pending-awards/{second['pending_award_id']}/reject", json={"reason": "没有人证"})
    client.post(f"/api/v1/rules/{created['id']}/retire")
    assert _actions() == [
        "rule.created",
        "rule.updated",
        "rule.published",
        "rule.updated",
        "rule.award",
        "rule.award",
        "award.approved",
        "award.rejected",
        "rule.retired",
    ]
    updated = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rule.updated")).all()
    assert [(e.details["before"], e.details["after"]) for e in updated] == [
        ({"points": 5}, {"points": 6}),
        ({"points": 6}, {"points": 8}),
    ]
    approved = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "award.approved"))
    assert approved.actor_id == coordinator.id and approved.details["awarded"] == 8
    assert approved.subject_type == "pending_award" and approved.community_id == community.id
