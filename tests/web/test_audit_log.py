"""The audit log: scope, filters, pages, CSV and XLSX, readable actions in zh and en, verify commands."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.audit import service as audit
from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.people.auth import create_token


@pytest.fixture
def world(make_user, make_community):
    """Two communities, a coordinator of the first, an admin, and entries in both."""
    here, there = make_community(), make_community()
    coordinator = make_user("coordinator", community=here, name="王主任")
    resident = make_user("resident", community=here, name="李阿姨")
    admin = make_user("admin")

    def add(action, community, subject_id=None, actor=coordinator):
        return run_in_unit(
            lambda: audit.record(
                action,
                actor_id=actor.id,
                community_id=community.id if community else None,
                subject=("user", subject_id) if subject_id else None,
                details={"before": {"undo_minutes": 10}, "after": {"undo_minutes": 15}}
                if action == "settings.changed"
                else {},
            )
        )

    add("password.reset", here, resident.id)
    add("settings.changed", here)
    add("role.granted", there, actor=admin)
    add("role.granted", None, actor=admin)
    return type("World", (), dict(here=here, there=there, coordinator=coordinator, resident=resident, admin=admin))


def test_coordinator_sees_own_communities_admin_all_resident_nothing(client, login, world):
    login(world.coordinator)
    page = client.get("/audit").get_data(as_text=True)
    assert "发放了临时密码" in page and "修改了社区设置" in page and "李阿姨" in page
    assert "授予了角色" not in page  # the other community's and the global entries stay hidden
    assert "undo_minutes: 10 → 15" in page
    assert client.get(f"/audit?community_id={world.there.id}").status_code == 404
    login(world.admin)
    assert "授予了角色" in client.get("/audit").get_data(as_text=True)
    login(world.resident)
    assert client.get("/audit").status_code == 404


def test_filters_and_english(client, login, world):
    login(world.coordinator)
    by_person = client.get(f"/audit?phone={world.resident.phone}&lang=en").get_data(as_text=True)
    assert "Temporary password given (sessions and tokens ended)<br>" in by_person  # a row, not the filter's option
    assert "Community settings changed<br>" not in by_person
    by_action = client.get("/audit?action=settings.changed").get_data(as_text=True)
    assert "修改了社区设置<br>" in by_action and "发放了临时密码（会话和令牌已结束）<br>" not in by_action
    today = (utcnow() + timedelta(hours=8)).date()
    future = client.get(f"/audit?date_from={today + timedelta(days=1)}").get_data(as_text=True)
    assert "没有符合条件的记录" in future
    assert client.get(f"/audit?date_from={today}&date_to={today - timedelta(days=1)}").status_code == 400
    assert client.get("/audit?phone=13900000000").status_code == 400


def test_pages_of_fifty(client, login, world):
    for _ in range(55):
        run_in_unit(lambda: audit.record("login.unlocked", actor_id=world.coordinator.id, community_id=world.here.id))
    login(world.coordinator)
    first = client.get("/audit").get_data(as_text=True)
    assert "第 1 页，共 2 页" in first
    second = client.get("/audit?page=2").get_data(as_text=True)
    assert "发放了临时密码（会话和令牌已结束）<br>" in second


def test_csv_and_xlsx_exports_are_filtered_and_audited(client, login, world):
    from openpyxl import load_workbook

    login(world.coordinator)
    answer = client.get("/audit/export.csv?action=password.reset")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "时间" and len(rows) == 2 and rows[1][3] == "password.reset"
    xlsx = client.get("/audit/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    codes = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "settings.changed" in codes and "role.granted" not in codes
    exported = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "audit.exported")).all()
    assert [e.details["format"] for e in exported] == ["csv", "xlsx"]
    assert exported[0].details["action"] == "password.reset"


def test_api_lists_and_exports(app, world):
    api = app.test_client()
    coordinator = {"Authorization": f"Bearer {run_in_unit(lambda: create_token(world.coordinator, 'x'))[1]}"}
    body = api.get("/api/v1/audit-entries", headers=coordinator).get_json()
    assert body["total"] == 2 and {e["action"] for e in body["items"]} == {"password.reset", "settings.changed"}
    assert body["items"][0]["action_text"] == "修改了社区设置"
    english = api.get("/api/v1/audit-entries?lang=en&action=settings.changed", headers=coordinator).get_json()
    assert english["items"][0]["action_text"] == "Community settings changed"
    person = api.get(f"/api/v1/audit-entries?person_id={world.resident.id}", headers=coordinator).get_json()
    assert person["total"] == 1
    out = api.get(f"/api/v1/audit-entries?community_id={world.there.id}", headers=coordinator)
    assert out.status_code == 404
    bad = api.get("/api/v1/audit-entries?date_from=2026-02-30", headers=coordinator)
    assert bad.status_code == 400
    assert api.get("/api/v1/audit-entries.csv", headers=coordinator).get_data().startswith("\ufeff".encode())
    assert api.get("/api/v1/audit-entries.xlsx", headers=coordinator).get_data()[:2] == b"PK"
    resident = {"Authorization": f"Bearer {run_in_unit(lambda: create_token(world.resident, 'x'))[1]}"}
    assert api.get("/api/v1/audit-entries", headers=resident).status_code == 404


def test_verify_commands_report_an_edited_log(app, world):
    runner = app.test_cli_runner()
    good = runner.invoke(args=["audit", "verify"])
    assert good.exit_code == 0 and "audit log OK: 4 entries" in good.output
    assert "audit log OK" in runner.invoke(args=["ledger", "verify"]).output
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "settings.changed"))
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(details={"after": {}}))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and f"BROKEN at entry {entry.id}" in bad.output
    ledger = runner.invoke(args=["ledger", "verify"])
    assert ledger.exit_code == 1 and "audit log BROKEN" in ledger.output


def test_each_privileged_people_action_is_audited_once(app, client, login, world, make_user):
    admin_api = {"Authorization": f"Bearer {run_in_unit(lambda: create_token(world.admin, 'x'))[1]}"}
    api = app.test_client()
    before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    someone = make_user("resident")
    granted = api.post(
        "/api/v1/role-grants",
        json={"phone": someone.phone, "role": "coordinator", "community_id": world.here.id},
        headers=admin_api,
    )
    assert granted.status_code == 201
    assert api.delete(f"/api/v1/role-grants/{granted.get_json()['id']}", headers=admin_api).status_code == 204
    login(world.coordinator)
    assert (
        client.post(
            f"/communities/{world.here.id}/residents", data={"name": "赵大爷", "phone": "13911112222", "grid_id": 0}
        ).status_code
        == 201
    )
    client.post(f"/communities/{world.here.id}/residents/{world.resident.id}/reset-password")
    client.post(f"/communities/{world.here.id}/residents/{world.resident.id}/end-sessions")
    client.post(f"/communities/{world.here.id}/residents/{world.resident.id}/unlock")
    client.post("/account/tokens", data={"name": "脚本", "scope": "read", "days": 30})
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id).offset(before)))
    assert actions == [
        "role.granted",
        "role.revoked",
        "user.registered",
        "password.reset",
        "session.ended_all",
        "login.unlocked",
        "token.created",
    ]
    details = db.session.scalars(sa.select(AuditEntry.details).order_by(AuditEntry.id).offset(before)).all()
    assert "赵大爷" not in str(details) and "13911112222" not in str(details)  # no personal data in details
