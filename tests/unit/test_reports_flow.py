"""The report loop: status flow, points by rule, duplicates, reopen, notices, caps, auto-close, hot topics."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, DomainError, Forbidden, NotFound
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.reports import service
from pointsbank.reports.models import Notice, Report, ReportEvent


@pytest.fixture(autouse=True)
def _app(app):
    return app


@pytest.fixture
def world(make_community, make_user, make_report_rule, make_category):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    rule = make_report_rule(coordinator, community, points=5)
    bonus = make_report_rule(coordinator, community, points=2, title="随手拍办结反馈")
    category = make_category(community, "设施损坏", rule=rule, resolve_rule=bonus)
    alice = make_user("resident", community=community, name="王秀英")
    bob = make_user("resident", community=community, name="李建国")
    return SimpleNamespace(
        community=community, coordinator=coordinator, rule=rule, category=category, alice=alice, bob=bob
    )


def _balance(user) -> int:
    return run_in_unit(lambda: ledger.balance(ledger.resident_account(user)).balance)


def _do(fn, *args, **kw):
    """Run a service action on a freshly loaded report inside one unit of work."""

    def work():
        report = db.session.get(Report, args[0].id)
        actor = db.session.get(type(args[1]), args[1].id)
        return fn(report, actor, *args[2:], **kw)

    return run_in_unit(work)


def _refused(code: str, fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as info:
        _do(fn, *args, **kw)
    assert info.value.code == code
    return info.value


def test_accept_pays_the_reporter_once_under_the_rule(world, make_report):
    report = make_report(world.alice, world.category)
    assert report.status == "submitted"
    _do(service.accept, report, world.coordinator)
    assert _balance(world.alice) == 5
    _refused("illegal_transition", service.accept, report, world.coordinator)
    assert _balance(world.alice) == 5
    stored = db.session.get(Report, report.id)
    assert stored.points_awarded == 5 and stored.accepted_at is not None


def test_full_loop_with_reopen_keeps_history_and_pays_the_bonus_once(world, make_report):
    report = make_report(world.alice, world.category)
    _do(service.assign, report, world.coordinator, department="物业公司")  # a submitted report is accepted first
    assert db.session.get(Report, report.id).status == "assigned"
    _do(service.resolve, report, world.coordinator, "已更换井盖")
    assert _balance(world.alice) == 5 + 2
    _do(service.reopen, report, world.alice, "井盖还是松的")
    reopened = db.session.get(Report, report.id)
    assert reopened.status == "assigned" and reopened.department == "物业公司"
    _do(service.resolve, report, world.coordinator, "已加固")
    assert _balance(world.alice) == 7  # the resolve bonus is keyed by report: paid once
    _do(service.close, report, world.alice, 4)
    closed = db.session.get(Report, report.id)
    assert closed.status == "closed" and closed.satisfaction == 4
    events = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("file", None, "submitted"),
        ("accept", "submitted", "accepted"),
        ("assign", "accepted", "assigned"),
        ("resolve", "assigned", "resolved"),
        ("reopen", "resolved", "assigned"),
        ("resolve", "assigned", "resolved"),
        ("close", "resolved", "closed"),
    ]
    assert all(e.created_at is not None for e in events)
    assert [e.actor_id for e in events] == [world.alice.id] + [world.coordinator.id] * 3 + [world.alice.id] + [
        world.coordinator.id,
        world.alice.id,
    ]
    # every change told the reporter
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Notice).where(Notice.user_id == world.alice.id)
    ) == len(events)
    assert service.unread_count(world.alice.id) == len(events)


def test_only_the_first_reporter_of_a_duplicate_is_paid(world, make_report):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category, description="南门井盖松动")
    _do(service.accept, first, world.coordinator)
    _do(service.mark_duplicate, second, world.coordinator, first.id)
    assert _balance(world.alice) == 5
    assert _balance(world.bob) == 0
    dup = db.session.get(Report, second.id)
    assert dup.status == "duplicate" and dup.duplicate_of_id == first.id
    # a duplicate cannot be accepted afterwards (so it can never be paid)
    _refused("illegal_transition", service.accept, second, world.coordinator)
    assert _balance(world.bob) == 0


def test_marking_the_earlier_report_marks_the_later_one(world, make_report):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    _refused("unknown_original", service.mark_duplicate, first, world.coordinator, first.id)
    _do(service.mark_duplicate, first, world.coordinator, second.id)  # a mark points at the earliest filed
    assert db.session.get(Report, first.id).status == "submitted"
    later = db.session.get(Report, second.id)
    assert (later.status, later.duplicate_of_id) == ("duplicate", first.id)


def test_illegal_transitions_are_refused_with_stable_codes(world, make_report):
    report = make_report(world.alice, world.category)
    _refused("illegal_transition", service.resolve, report, world.coordinator, "done")
    _refused("illegal_transition", service.close, report, world.alice, 5)
    _refused("illegal_transition", service.reopen, report, world.alice, "not fixed")
    _do(service.reject, report, world.coordinator, "不属于本社区")
    for fn, args in ((service.accept, ()), (service.reject, ("again",))):
        _refused("illegal_transition", fn, report, world.coordinator, *args)
    _refused("assignee_required", service.assign, make_report(world.alice, world.category), world.coordinator)
    assert db.session.get(Report, report.id).status == "rejected"


def test_bad_values_change_nothing(world, make_report):
    report = make_report(world.alice, world.category)
    _refused("reason_required", service.reject, report, world.coordinator, "  ")
    _do(service.assign, report, world.coordinator, assignee_id=world.coordinator.id)
    _do(service.resolve, report, world.coordinator, "done")
    _refused("invalid_satisfaction", service.close, report, world.alice, 6)
    _refused("note_required", service.reopen, report, world.alice, " ")
    assert db.session.get(Report, report.id).status == "resolved"


def test_roles_are_checked(world, make_report, make_user, make_community):
    report = make_report(world.alice, world.category)
    _refused("not_coordinator", service.accept, report, world.alice)  # the reporter sees it, may not triage it
    with pytest.raises(NotFound):
        _do(service.accept, report, world.bob)
    outsider = make_user("coordinator", community=make_community())
    with pytest.raises(NotFound):
        _do(service.accept, report, outsider)
    _do(service.assign, report, world.coordinator, assignee_id=world.coordinator.id)
    _do(service.resolve, report, world.coordinator, "done")
    with pytest.raises(Forbidden):
        _do(service.close, report, world.coordinator, 5)
    with pytest.raises(NotFound):
        run_in_unit(lambda: service.visible_report(world.bob, report.id))


def test_caps_apply(make_community, make_user, make_report_rule, make_category, make_report):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    rule = make_report_rule(coordinator, community, points=5, cap_day=5)
    category = make_category(community, rule=rule)
    alice = make_user("resident", community=community)
    one, two = (make_report(alice, category), make_report(alice, category, description="另一个井盖也坏了"))
    _do(service.accept, one, coordinator)
    _do(service.accept, two, coordinator)
    assert _balance(alice) == 5
    capped = db.session.get(Report, two.id)
    assert capped.points_awarded == 0 and capped.award_note


def test_category_without_rule_pays_nothing(world, make_category, make_report):
    other = make_category(world.community, "其他")
    report = make_report(world.alice, other)
    _do(service.accept, report, world.coordinator)
    assert _balance(world.alice) == 0


def test_bulk_assign_is_all_or_nothing(world, make_report):
    reports = [make_report(world.alice, world.category) for _ in range(3)]
    _do(service.reject, reports[2], world.coordinator, "重复")
    with pytest.raises(Conflict):
        run_in_unit(
            lambda: service.bulk_assign(
                db.session.get(type(world.coordinator), world.coordinator.id),
                [r.id for r in reports],
                department="物业公司",
            )
        )
    assert {db.session.get(Report, r.id).status for r in reports[:2]} == {"submitted"}
    done = run_in_unit(
        lambda: service.bulk_assign(
            db.session.get(type(world.coordinator), world.coordinator.id),
            [r.id for r in reports[:2]],
            department="物业公司",
        )
    )
    assert {r.status for r in done} == {"assigned"}
    assert _balance(world.alice) == 10


def test_autoclose_closes_only_old_resolved_reports(world, make_report):
    old, recent = (make_report(world.alice, world.category), make_report(world.alice, world.category))
    for report in (old, recent):
        _do(service.assign, report, world.coordinator, department="物业公司")
        _do(service.resolve, report, world.coordinator, "done")

    def age():
        db.session.get(Report, old.id).resolved_at = utcnow() - timedelta(days=8)

    run_in_unit(age)
    assert run_in_unit(lambda: service.autoclose(7)) == 1
    assert db.session.get(Report, old.id).status == "closed"
    assert db.session.get(Report, recent.id).status == "resolved"
    last = db.session.scalars(
        sa.select(ReportEvent).where(ReportEvent.report_id == old.id).order_by(ReportEvent.id.desc())
    ).first()
    assert last.action == "autoclose" and last.actor_id is None


def test_overdue_by_category_time_limit(world, make_report):
    report = make_report(world.alice, world.category)
    stored = db.session.get(Report, report.id)
    assert not stored.is_overdue()
    assert stored.is_overdue(utcnow() + timedelta(hours=49))


def test_hot_topics_shares(world, make_category, make_report):
    noise = make_category(world.community, "噪音扰民")
    for _ in range(3):
        make_report(world.alice, world.category)
    make_report(world.bob, noise)
    year, week = service.parse_week(None)
    items, total = run_in_unit(lambda: service.hot_topics(world.community.id, year, week))
    assert total == 4
    assert [(i.category, i.count, i.share) for i in items] == [("设施损坏", 3, 0.75), ("噪音扰民", 1, 0.25)]
    items, total = run_in_unit(lambda: service.hot_topics(world.community.id, year - 1, week))
    assert total == 0 and items == []
    with pytest.raises(DomainError):
        service.parse_week("2026-W60")


def test_filing_checks_category_and_grid(world, make_community, make_category, make_photo):
    foreign = make_category(make_community(), "设施损坏")
    filing = service.Filing(category_id=foreign.id, description="南门井盖破损")
    with pytest.raises(DomainError) as info:
        run_in_unit(lambda: service.file_report(world.alice, filing, [make_photo()]))
    assert info.value.code == "unknown_category"
    filing = service.Filing(category_id=world.category.id, description="南门井盖破损", lat=29.5)
    with pytest.raises(DomainError) as info:
        run_in_unit(lambda: service.file_report(world.alice, filing, [make_photo()]))
    assert info.value.code == "invalid_location"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_points_waiting_for_approval_reach_the_report(
    make_community, make_user, make_report_rule, make_category, make_report
):
    from pointsbank.rules import service as rules
    from pointsbank.rules.models import PendingAward

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    rule = make_report_rule(coordinator, community, points=5, needs_approval=True)
    category = make_category(community, rule=rule)
    alice = make_user("resident", community=community)
    report = make_report(alice, category)
    _do(service.accept, report, coordinator)
    assert _balance(alice) == 0
    assert db.session.get(Report, report.id).award_note
    pending = db.session.scalars(sa.select(PendingAward).where(PendingAward.subject_id == report.id)).one()

    def approve():
        decided = rules.approve(
            db.session.get(PendingAward, pending.id), db.session.get(type(coordinator), coordinator.id)
        )
        service.record_decision(decided)  # rules.approve already told it: counted once

    run_in_unit(approve)
    assert _balance(alice) == 5
    assert db.session.get(Report, report.id).points_awarded == 5
