"""Privacy services: service records, certificates, consent versions, export contents, erasure."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from pointsbank.activities import records, registry
from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict, Invalid, NotFound
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.seal import seal
from pointsbank.people.models import User
from pointsbank.privacy import service as privacy


def test_service_records_by_year_and_activity_with_the_confirming_coordinator(privacy_world):
    w = privacy_world
    mine = records.records_of(w.resident.id)
    assert [(r.activity, r.hours, r.confirmed_by, r.organiser) for r in mine] == [("楼道清扫", 2.0, "陈渝", "梨园社区")]
    assert records.total_hours(mine) == 2.0
    assert list(records.hours_by_year(mine).values()) == [2.0]
    assert records.hours_by_activity(mine) == {"楼道清扫": 2.0}
    assert {r.name for r in records.community_records(w.community.id)} == {"张三丰", "李四"}


def test_xlsx_and_csv_have_the_registry_columns_and_mask_phones_unless_asked(privacy_world):
    rows = records.community_records(privacy_world.community.id)
    sheet = load_workbook(io.BytesIO(registry.xlsx_bytes(rows))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == registry.HEADERS
    documented = ("姓名", "证件类型", "证件号码", "手机号码", "活动名称", "服务日期", "服务时长（小时）", "组织单位")
    assert values[0] == documented
    assert {v[0] for v in values[1:]} == {"张三丰", "李四"}
    assert all("****" in v[3] for v in values[1:])
    full = load_workbook(io.BytesIO(registry.xlsx_bytes(rows, full_phone=True))).active
    assert privacy_world.resident.phone in [r[3] for r in full.iter_rows(values_only=True)]
    data = registry.csv_bytes(rows)
    assert data.startswith(b"\xef\xbb\xbf") and "服务时长（小时）" in data.decode("utf-8-sig")


def test_certificate_verifies_and_a_forged_token_does_not(privacy_world):
    w = privacy_world
    cert = run_in_unit(lambda: privacy.issue(db.session.get(User, w.resident.id), w.resident))
    token = privacy.token_of(cert)
    assert str(cert.id) != token and cert.key not in token.split(".")[-1]
    assert privacy.verify(token).id == cert.id
    assert cert.content["name"] == "张*丰" and cert.hours == 2.0
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(NotFound):
        privacy.verify(forged)
    with pytest.raises(NotFound):
        privacy.verify(str(cert.id))


def test_consent_is_asked_again_for_a_new_version(privacy_world, app):
    uid = privacy_world.resident.id
    assert not privacy.has_consented(uid)
    run_in_unit(lambda: privacy.record_consent(db.session.get(User, uid), "zh"))
    run_in_unit(lambda: privacy.record_consent(db.session.get(User, uid), "zh"))  # once per version
    assert privacy.has_consented(uid) and len(privacy.consents_of(uid)) == 1
    app.config["PB_PRIVACY_NOTICE_VERSION"] = "2099-01"
    assert not privacy.has_consented(uid)


def test_export_holds_every_kind_of_record_and_nothing_of_another(privacy_world):
    w = privacy_world
    run_in_unit(lambda: privacy.record_consent(db.session.get(User, w.resident.id), "zh"))
    data = privacy.collect(db.session.get(User, w.resident.id))
    for key in ("profile", "roles", "ledger_statement", "activities", "service_hours", "reports", "notices",
                "devices", "consents", "redemptions", "reservations", "erasure_requests", "certificates"):  # fmt: skip
        assert key in data
    assert data["profile"]["name"] == "张三丰" and data["roles"] == ["resident"]
    assert data["ledger_statement"] and data["ledger_statement"][0]["amount"] == 20
    assert data["service_hours"]["total"] == 2.0 and data["activities"][0]["hours"] == 2.0
    assert data["reports"][0]["photos"] and data["notices"] and data["devices"]["api_tokens"] and data["consents"]
    assert data["inbox"] and data["devices"]["sessions"] and data["devices"]["pay_devices"]
    raw = privacy.archive(db.session.get(User, w.resident.id))
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = zf.namelist()
        assert {"data.json", "index.html"} <= set(names)
        assert any(n.startswith("photos/") for n in names)
        text = zf.read("data.json").decode() + zf.read("index.html").decode()
    assert "张三丰" in text and json.loads(zf_json(raw))["profile"]["phone"] == w.resident.phone
    other = db.session.get(User, w.other.id)
    assert "李四" not in text and other.phone not in text


def zf_json(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        return zf.read("data.json").decode()


def _text_hits(needles: list[str]) -> list[str]:
    """Every (table.column) of every table whose text holds one of the needles."""
    hits = []
    for table in db.metadata.sorted_tables:
        for col in table.columns:
            if not isinstance(col.type, (sa.String, sa.Text, sa.JSON)):
                continue
            as_text = sa.cast(col, sa.Text)
            for needle in needles:
                query = sa.select(sa.func.count()).select_from(table).where(as_text.contains(needle, autoescape=True))
                if db.session.scalar(query):
                    hits.append(f"{table.name}.{col.name}")
    return hits


def _erase(w, reason="本人申请注销"):
    req = run_in_unit(lambda: privacy.request_erasure(db.session.get(User, w.resident.id), w.resident))
    return run_in_unit(lambda: privacy.approve(privacy.get_request(w.coordinator, req.id), w.coordinator, reason))


def test_erasure_leaves_ledger_verify_passing_and_no_trace_of_name_or_phone(privacy_world, app, tmp_path):
    w = privacy_world
    name, phone = "张三丰", w.resident.phone
    run_in_unit(seal)
    photo_files = list((tmp_path / "uploads" / "reports").glob("*.jpg"))
    assert len(photo_files) == 2 and _text_hits([name, phone])
    balance_before = ledger.balance(ledger.find_resident_account(w.resident)).balance
    result = _erase(w)
    db.session.expire_all()
    assert result.leftovers == []
    assert _text_hits([name, phone]) == []
    runner = app.test_cli_runner()
    out = runner.invoke(args=["ledger", "verify"])
    assert out.exit_code == 0, out.output
    person = db.session.get(User, w.resident.id)
    assert person.name == f"已注销居民 #{person.id}" and not person.active
    assert ledger.balance(ledger.find_resident_account(person)).balance == balance_before
    report = db.session.get(type(w.report), w.report.id)
    assert (report.category.name, report.place, report.status, report.photos, report.description) == (
        "设施损坏", "南门", "submitted", [], "",
    )  # fmt: skip
    assert len(list((tmp_path / "uploads" / "reports").glob("*.jpg"))) == 1  # only 李四's photo is left
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.erased")).details["request_id"]
    # The other resident keeps everything.
    assert db.session.get(User, w.other.id).name == "李四"


def test_erasure_reports_a_name_kept_in_a_sealed_memo_and_verify_still_passes(privacy_world, app, award_points):
    w = privacy_world
    award_points(db.session.get(User, w.resident.id), 5, memo="爱心奖励：张三丰", actor_id=w.coordinator.id)
    run_in_unit(seal)
    result = _erase(w)
    assert result.leftovers == ["transfer.memo"]  # sealed rows are never edited; the memo keeps the name
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0


def test_erasure_needs_a_reason_and_is_decided_once_and_not_by_oneself(privacy_world):
    w = privacy_world
    req = run_in_unit(lambda: privacy.request_erasure(db.session.get(User, w.resident.id), w.resident))
    again = run_in_unit(lambda: privacy.request_erasure(db.session.get(User, w.resident.id), w.coordinator))
    assert again.id == req.id
    with pytest.raises(Invalid):
        run_in_unit(lambda: privacy.approve(privacy.get_request(w.coordinator, req.id), w.coordinator, "  "))
    run_in_unit(lambda: privacy.reject(privacy.get_request(w.coordinator, req.id), w.coordinator, "身份未核实"))
    with pytest.raises(Conflict):
        run_in_unit(lambda: privacy.approve(privacy.get_request(w.coordinator, req.id), w.coordinator, "再试"))
    mine = run_in_unit(lambda: privacy.request_erasure(db.session.get(User, w.coordinator.id), w.coordinator))
    assert mine.community_id is None  # a coordinator without a home community: nobody's desk but admin
    with pytest.raises(NotFound):
        privacy.get_request(w.resident, req.id)


def test_device_records_are_exported_then_erased_and_others_are_kept(privacy_world):
    from pointsbank.signals.models import DeviceRecord

    w = privacy_world

    def record():
        for user, action in ((w.resident, "report"), (w.resident, "checkin"), (w.other, "report")):
            db.session.add(
                DeviceRecord(
                    community_id=w.community.id,
                    user_id=user.id,
                    action=action,
                    device_hash="d" * 64,
                    address_hash="a" * 64,
                )
            )

    run_in_unit(record)
    exported = privacy.collect(db.session.get(User, w.resident.id))["devices"]["write_records"]
    assert sorted(r["action"] for r in exported) == ["checkin", "report"]
    _erase(w)
    db.session.expire_all()
    owners = db.session.scalars(sa.select(DeviceRecord.user_id)).all()
    assert owners == [w.other.id]
