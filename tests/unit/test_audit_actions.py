"""One audit entry per privileged action: the kinds not covered by their features' own tests, and labels for all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from pointsbank.audit.labels import ACTION_LABELS
from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "pointsbank"


def recorded(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_every_recorded_action_has_a_readable_label():
    """Each action code a feature writes (a literal first argument of record/_audit) reads as text on the page."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            arg = node.args[0]
            if name in ("record", "_audit", "_audit_decision") and isinstance(arg, ast.Constant):
                if isinstance(arg.value, str) and re.fullmatch(r"[a-z_]+\.[a-z_]+", arg.value):
                    found.add(arg.value)
    found |= {"redemption.undone", "redemption.refunded"}  # written as f"redemption.{status}"
    assert found, "the scan found no audit calls"
    assert sorted(found - set(ACTION_LABELS)) == []


@pytest.mark.parametrize("end", ["undo", "refund"])
def test_undo_and_refund_are_audited_once(app, counter_setup, make_user, end):
    from pointsbank.stations import service as stations
    from pointsbank.stations.models import Redemption

    s = counter_setup(points=1000)
    coordinator = make_user("coordinator", community=s.community)
    code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
    payload = stations.pay_payload(code)
    r = run_in_unit(lambda: stations.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=f"audit-{end}"))
    if end == "undo":
        run_in_unit(lambda: stations.undo(s.clerk, db.session.get(Redemption, r.id)))
        actor, action = s.clerk, "redemption.undone"
    else:
        run_in_unit(lambda: stations.refund(coordinator, db.session.get(Redemption, r.id), "坏了", restock=True))
        actor, action = coordinator, "redemption.refunded"
    (entry,) = recorded(action)
    assert (entry.actor_id, entry.community_id, entry.subject_type, entry.subject_id) == (
        actor.id,
        s.community.id,
        "redemption",
        r.id,
    )
    assert entry.details["points"] == 200 and entry.details["restock"] is True
    with pytest.raises(Exception):  # a second end is refused and writes nothing
        run_in_unit(lambda: stations.undo(s.clerk, db.session.get(Redemption, r.id)))
    assert len(recorded(action)) == 1


def test_stock_change_by_staff_is_audited_with_before_and_after(app, counter_setup):
    from pointsbank.errors import Invalid
    from pointsbank.stations import service as stations
    from pointsbank.stations.models import Item

    s = counter_setup(points=0, stock=10)
    run_in_unit(lambda: stations.record_stock(s.clerk, db.session.get(Item, s.rice.id), -2, "adjustment", "受潮"))
    with pytest.raises(Invalid):
        run_in_unit(lambda: stations.record_stock(s.clerk, db.session.get(Item, s.rice.id), -1, "adjustment", ""))
    (entry,) = recorded("stock.changed")
    assert entry.actor_id == s.clerk.id and entry.subject_id == s.rice.id
    assert entry.details["before"] == {"stock": 10} and entry.details["after"] == {"stock": 8}
    assert entry.details["reason"] == "adjustment" and "受潮" not in str(entry.details)


def test_category_created_and_changed_are_audited_only_when_something_changes(app, make_community, make_user):
    from pointsbank.reports import categories

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    made = run_in_unit(lambda: categories.save_category(coordinator, community.id, name="噪音扰民"))

    def change(**values):
        return run_in_unit(
            lambda: categories.save_category(
                coordinator, community.id, categories.get_category(coordinator, made.id), **values
            )
        )

    change(time_limit_hours=48)
    change(time_limit_hours=48)  # nothing changed: nothing recorded
    (created,) = recorded("category.created")
    assert created.subject_id == made.id and created.details["after"]["name"] == "噪音扰民"
    (changed,) = recorded("category.changed")
    assert changed.details == {"before": {"time_limit_hours": 72}, "after": {"time_limit_hours": 48}}


def test_offline_phone_enrolled_and_removed_are_audited(app, make_user):
    from pointsbank.offline import devices

    resident = make_user("resident")
    device = run_in_unit(lambda: devices.enrol(resident, "我的手机"))
    run_in_unit(lambda: devices.revoke(resident, devices.device_for(resident, device.id)))
    (enrolled,) = recorded("device.enrolled")
    (revoked,) = recorded("device.revoked")
    assert enrolled.subject_id == revoked.subject_id == device.id
    assert enrolled.actor_id == revoked.actor_id == resident.id


def test_token_revoked_is_audited_once(app, make_user):
    from pointsbank.people import accounts
    from pointsbank.people.auth import create_token

    user = make_user("resident")
    token, _ = run_in_unit(lambda: create_token(user, "脚本"))
    run_in_unit(lambda: accounts.revoke_token(user, token.id))
    run_in_unit(lambda: accounts.revoke_token(user, token.id))  # revoking is final; a repeat adds nothing
    (entry,) = recorded("token.revoked")
    assert entry.subject_id == token.id and entry.actor_id == user.id


def test_erasure_turned_down_is_audited_with_the_reason_kept_out(app, make_community, make_user):
    from pointsbank.privacy import erasure

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user("resident", community=community, name="钱多多")
    req = run_in_unit(lambda: erasure.request_erasure(resident, resident))
    run_in_unit(lambda: erasure.reject(erasure.pending_request(resident.id), coordinator, "尚有未取的预约"))
    (entry,) = recorded("privacy.erasure_rejected")
    assert entry.actor_id == coordinator.id and entry.community_id == community.id
    assert entry.subject_id in (req.id, resident.id)
    assert "钱多多" not in str(entry.details)
