"""公示 and objections (异议): every state change of an award under 公示, with two coordinators."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, Forbidden, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.jobs import runner
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.notices.models import OutboxNotice
from pointsbank.objections import service as objections
from pointsbank.people.models import Community, User
from pointsbank.rules import publicity
from pointsbank.rules import service as rules
from tests.factories.ledger import new_key, set_ledger_clock


@pytest.fixture
def world(make_community, make_user, make_rule):
    """A community with 公示 of 3 days, coordinators A (approves) and B (decides), a resident and a neighbour."""

    def build(*, spend_after: bool = False, days: int = 3):
        community = make_community()

        def configure():
            row = db.session.get(Community, community.id)
            row.publicity_days, row.spend_after_publicity = days, spend_after

        run_in_unit(configure)
        a = make_user("coordinator", community=community, name="甲协调员")
        b = make_user("coordinator", community=community, name="乙协调员")
        resident = make_user(community=community, name="张三丰")
        neighbour = make_user(community=community, name="李四")
        rule = make_rule(community, a, title="楼道清扫", points=10)
        return community, a, b, resident, neighbour, rule

    return build


def award(rule, approver, resident, key=None) -> int:
    def work():
        outcome = rules.award_by_coordinator(
            db.session.get(User, approver.id), rule, resident.id, note="清扫三楼楼道", key=key or new_key("aw")
        )
        assert outcome.status == "posted", outcome
        return outcome.transfer.id

    return run_in_unit(work)


def object_to(user, transfer_id, reason="没有看到他清扫") -> objections.Objection:
    return run_in_unit(lambda: objections.file_objection(db.session.get(User, user.id), transfer_id, reason))


def decide(coordinator, objection_id, outcome, reason="核实后决定"):
    def work():
        actor = db.session.get(User, coordinator.id)
        return objections.decide(objections.objection_to_decide(objection_id, actor), actor, outcome, reason)

    return run_in_unit(work)


def state(transfer_id) -> str:
    return objections.get_award(transfer_id).state


def reversals(transfer_id) -> int:
    return db.session.scalar(sa.select(sa.func.count(Transfer.id)).where(Transfer.reverses_id == transfer_id))


def actions(subject_id) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.subject_type == "objection", AuditEntry.subject_id == subject_id)
            .order_by(AuditEntry.id)
        )
    )


def test_an_award_is_in_publicity_then_objected_then_upheld_and_reversed_once(world, app):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    info = objections.get_award(transfer_id)
    assert info.state == "in_publicity" and info.approver_id == a.id
    assert info.until == info.approved_at + timedelta(days=3)

    objection = object_to(neighbour, transfer_id)
    assert state(transfer_id) == "objected"
    assert actions(objection.id) == ["objection.filed"]

    decided = decide(b, objection.id, "upheld", "确认未参加清扫")
    assert decided.status == "upheld" and decided.reversal_id is not None
    assert state(transfer_id) == "reversed"
    assert reversals(transfer_id) == 1
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 0
    with pytest.raises(Conflict) as err:
        decide(b, objection.id, "upheld")
    assert err.value.code == "already_decided"
    assert reversals(transfer_id) == 1
    assert actions(objection.id) == ["objection.filed", "objection.upheld"]

    notices = {
        n.user_id: n for n in db.session.scalars(sa.select(OutboxNotice).where(OutboxNotice.code.like("objection.%")))
    }
    assert notices[neighbour.id].code == "objection.upheld"
    assert notices[resident.id].code == "objection.award_upheld"
    # The awarded resident never learns who objected.
    assert neighbour.name not in str(notices[resident.id].params) and str(neighbour.id) not in str(
        notices[resident.id].params
    )


def test_two_upheld_objections_to_one_award_reverse_it_once(world, app, make_user):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    first = object_to(neighbour, transfer_id)
    second = object_to(make_user(community=community, name="王五"), transfer_id, "照片是旧的")
    decide(b, first.id, "upheld")
    assert decide(b, second.id, "upheld").reversal_id == db.session.get(objections.Objection, first.id).reversal_id
    assert reversals(transfer_id) == 1


def test_dismissed_objection_leaves_the_award_in_publicity_then_final(world, app, monkeypatch):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    objection = object_to(neighbour, transfer_id)
    decided = decide(b, objection.id, "dismissed", "有签到记录")
    assert decided.status == "dismissed" and decided.reversal_id is None
    assert state(transfer_id) == "in_publicity"
    assert reversals(transfer_id) == 0
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 10
    assert actions(objection.id) == ["objection.filed", "objection.dismissed"]
    with pytest.raises(Conflict):
        decide(b, objection.id, "upheld")
    codes = set(db.session.scalars(sa.select(OutboxNotice.code).where(OutboxNotice.code.like("objection.%"))))
    assert codes == {"objection.dismissed", "objection.award_dismissed"}
    later = utcnow() + timedelta(days=3, minutes=1)
    monkeypatch.setattr("pointsbank.objections.publicity.utcnow", lambda: later)
    assert state(transfer_id) == "final"


def test_the_window_closes_after_the_publicity_days(world, app, monkeypatch):
    community, a, b, resident, neighbour, rule = world()
    past = datetime.now(UTC) - timedelta(days=3, minutes=5)
    set_ledger_clock(monkeypatch, lambda: past)
    transfer_id = award(rule, a, resident)
    monkeypatch.undo()
    assert state(transfer_id) == "final"
    with pytest.raises(Refused) as err:
        object_to(neighbour, transfer_id)
    assert err.value.code == "publicity_over"


def test_no_publicity_when_the_community_turned_it_off(world, app):
    community, a, b, resident, neighbour, rule = world(days=0)
    transfer_id = award(rule, a, resident)
    assert state(transfer_id) == "final"
    with pytest.raises(Refused):
        object_to(neighbour, transfer_id)


def test_one_objection_per_resident_per_award(world, app):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    object_to(neighbour, transfer_id)
    with pytest.raises(Conflict) as err:
        object_to(neighbour, transfer_id, "再说一次")
    assert err.value.code == "already_objected"


def test_who_may_object(world, app, make_community, make_user):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    stranger = make_user(community=make_community(), name="外人")
    with pytest.raises(NotFound):
        object_to(stranger, transfer_id)
    with pytest.raises(NotFound):  # a coordinator who does not live here is not a resident of the community
        object_to(b, transfer_id)
    with pytest.raises(Refused) as err:
        object_to(resident, transfer_id)
    assert err.value.code == "own_award"
    with pytest.raises(Invalid):
        object_to(neighbour, transfer_id, "   ")
    with pytest.raises(Invalid) as err:
        object_to(neighbour, transfer_id, "长" * 501)
    assert err.value.code == "reason_too_long"
    with pytest.raises(NotFound):
        object_to(neighbour, 999_999)


def test_the_approver_cannot_decide_and_does_not_see_it_in_the_queue(world, app, make_user):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    objection = object_to(neighbour, transfer_id)
    with pytest.raises(Forbidden) as err:
        decide(a, objection.id, "dismissed")
    assert err.value.code == "approver_cannot_decide"
    approver = db.session.get(User, a.id)
    decider = db.session.get(User, b.id)
    assert objections.queue(approver)[1] == 0 and objections.waiting_count(approver) == 0
    items, total = objections.queue(decider)
    assert total == 1 and items[0].objection.id == objection.id and items[0].award.transfer_id == transfer_id
    assert objections.waiting_count(decider) == 1
    elsewhere = make_user("coordinator", name="别处协调员")
    with pytest.raises(NotFound):
        decide(elsewhere, objection.id, "dismissed")
    with pytest.raises(Invalid):
        decide(b, objection.id, "maybe")
    with pytest.raises(Invalid):
        decide(b, objection.id, "upheld", "")
    assert state(transfer_id) == "objected"


def test_spend_after_publicity_holds_the_points_until_the_job_releases_them(world, app):
    community, a, b, resident, neighbour, rule = world(spend_after=True)
    transfer_id = award(rule, a, resident)
    account = ledger.find_resident_account(resident)
    assert ledger.balance(account) == (10, 10, 0)
    assert publicity.points_in_publicity(account.id) == 10
    now = utcnow()
    assert runner.run_job("holds", now, holder="t", now=now) == "ok"
    assert ledger.balance(account).available == 0  # still in 公示
    later = now + timedelta(days=3, minutes=1)
    assert runner.run_job("holds", later, holder="t", now=later) == "ok"
    db.session.expire_all()
    assert ledger.balance(account) == (10, 0, 10)
    assert publicity.points_in_publicity(account.id) == 0
    assert later > objections.get_award(transfer_id).until


def test_upheld_objection_under_spend_after_publicity_ends_the_hold_and_reverses(world, app):
    community, a, b, resident, neighbour, rule = world(spend_after=True)
    transfer_id = award(rule, a, resident)
    objection = object_to(neighbour, transfer_id)
    decide(b, objection.id, "upheld")
    account = ledger.find_resident_account(resident)
    db.session.expire_all()
    assert ledger.balance(account) == (0, 0, 0)
    assert publicity.publicity_hold(transfer_id) is None
    assert reversals(transfer_id) == 1


def test_upholding_when_the_points_are_spent_is_refused_and_changes_nothing(world, app, ledger_station):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    station = ledger_station(community)
    run_in_unit(
        lambda: ledger.spend(
            db.session.get(User, resident.id), station.id, 10, key=new_key("s"), actor_id=None, memo="大米"
        )
    )
    objection = object_to(neighbour, transfer_id)
    with pytest.raises(Refused) as err:
        decide(b, objection.id, "upheld")
    assert err.value.code == "award_points_spent"
    assert state(transfer_id) == "objected"
    db.session.expire_all()
    assert db.session.get(objections.Objection, objection.id).status == "open"


def test_a_photo_goes_through_the_report_upload_checks(world, app, make_photo, make_user):
    community, a, b, resident, neighbour, rule = world()
    transfer_id = award(rule, a, resident)
    objection = run_in_unit(
        lambda: objections.file_objection(
            db.session.get(User, neighbour.id), transfer_id, "照片为证", make_photo(gps=(29.5, 106.5))
        )
    )
    assert objection.photo and objection.photo.endswith(".jpg")
    other = make_user(community=community, name="王五")
    with pytest.raises(Invalid):
        run_in_unit(
            lambda: objections.file_objection(
                db.session.get(User, other.id), transfer_id, "x", io.BytesIO(b"not an image")
            )
        )


def test_champions_are_withheld_during_publicity_and_while_an_objection_is_open(app, world, monkeypatch):
    from pointsbank.insights import service as insights

    community, a, b, resident, neighbour, rule = world(days=14)
    run_in_unit(lambda: setattr(db.session.get(Community, community.id), "champions_after_publicity", True))
    this_week = insights.current_week()
    last_week = this_week.previous()
    when = last_week.bounds()[0] + timedelta(days=1)
    set_ledger_clock(monkeypatch, lambda: when)
    old = award(rule, a, resident)
    monkeypatch.undo()
    award(rule, a, resident)
    now = utcnow()
    held = insights.withheld_weeks(community.id, [this_week, last_week], now)
    assert held[this_week] == insights.Withheld(this_week.bounds()[1] + timedelta(days=14), False)
    assert held[last_week] == insights.Withheld(when + timedelta(days=14), False)
    later = when + timedelta(days=15)
    assert insights.withheld_weeks(community.id, [last_week], later)[last_week] is None
    objection = object_to(neighbour, old)
    both = insights.withheld_weeks(community.id, [this_week, last_week], later)
    assert both[last_week] == insights.Withheld(None, True) == insights.withheld(community.id, last_week, later)
    decide(b, objection.id, "dismissed")
    assert insights.withheld(community.id, last_week, later) is None
