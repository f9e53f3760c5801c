"""Duplicate groups pay exactly the first reporter in either order; suggestions; the counter is the ledger's."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.reports import service
from pointsbank.reports.models import Notice, Report


@pytest.fixture(autouse=True)
def _app(app):
    return app


@pytest.fixture
def world(make_community, make_user, make_report_rule, make_category):
    community = make_community()
    coordinator = make_user("coordinator", community=community)
    rule = make_report_rule(coordinator, community, points=5)
    bonus = make_report_rule(coordinator, community, points=2, title="随手拍办结反馈")
    category = make_category(community, "设施损坏", rule=rule, resolve_rule=bonus)
    other_category = make_category(community, "环境卫生", rule=rule)
    alice = make_user("resident", community=community)
    bob = make_user("resident", community=community)
    return SimpleNamespace(
        community=community, coordinator=coordinator, category=category, other=other_category, alice=alice, bob=bob
    )


def _balance(user) -> int:
    return run_in_unit(lambda: ledger.balance(ledger.resident_account(user)).balance)


def _do(fn, report, actor, *args, **kw):
    def work():
        return fn(db.session.get(Report, report.id), db.session.get(type(actor), actor.id), *args, **kw)

    return run_in_unit(work)


def _report(report_id: int) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report_id)


def _marks() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "report.duplicate_marked")
    )


def _verify_ledger():
    from pointsbank.ledger.verify import verify

    assert run_in_unit(verify).ok


@pytest.mark.parametrize("mark_later", [True, False])
def test_later_report_paid_first_then_marked_pays_only_the_first_reporter(world, make_report, mark_later):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    _do(service.accept, second, world.coordinator)
    assert _balance(world.bob) == 5
    if mark_later:
        _do(service.mark_duplicate, second, world.coordinator, first.id)
    else:
        _do(service.mark_duplicate, first, world.coordinator, second.id)
    assert (_balance(world.alice), _balance(world.bob)) == (5, 0)
    later, earlier = _report(second.id), _report(first.id)
    assert (later.status, later.duplicate_of_id, later.points_awarded) == ("duplicate", first.id, 0)
    assert (earlier.status, earlier.duplicate_of_id, earlier.points_awarded) == ("accepted", None, 5)
    assert _marks() == 1
    # marking again, in either order, does nothing new
    _do(service.mark_duplicate, second, world.coordinator, first.id)
    _do(service.mark_duplicate, first, world.coordinator, second.id)
    assert (_balance(world.alice), _balance(world.bob)) == (5, 0)
    assert _marks() == 1
    _verify_ledger()


def test_both_reporters_are_told(world, make_report):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    _do(service.accept, second, world.coordinator)
    _do(service.mark_duplicate, second, world.coordinator, first.id)
    texts = {
        n.user_id: n.params.get("message", "")
        for n in db.session.scalars(sa.select(Notice).order_by(Notice.id))
        if n.params.get("message", "")
    }
    assert "taken back" in texts[world.bob.id]
    assert "first to report" in texts[world.alice.id]


def test_groups_merge_to_the_earliest_and_resolved_bonus_is_reversed(world, make_report):
    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    third = make_report(world.bob, world.category)
    _do(service.mark_duplicate, third, world.coordinator, second.id)  # group {2, 3}, original 2
    _do(service.assign, second, world.coordinator, department="物业公司")
    _do(service.resolve, second, world.coordinator, "已修好")
    assert _balance(world.bob) == 7
    _do(service.mark_duplicate, third, world.coordinator, first.id)  # joins group {1} and {2, 3}
    assert _balance(world.bob) == 0 and _balance(world.alice) == 5
    assert {_report(r.id).duplicate_of_id for r in (second, third)} == {first.id}
    _verify_ledger()


def test_a_rejected_report_or_another_community_cannot_be_marked(world, make_report, make_community, make_user):
    from pointsbank.errors import DomainError

    first = make_report(world.alice, world.category)
    second = make_report(world.bob, world.category)
    _do(service.reject, first, world.coordinator, "不是问题")
    with pytest.raises(DomainError) as info:
        _do(service.mark_duplicate, second, world.coordinator, first.id)
    assert info.value.code == "original_not_valid"
    elsewhere = make_community()
    carol = make_user("resident", community=elsewhere)
    from tests.factories.reports import photo_bytes  # noqa: F401  (factories loaded)

    with pytest.raises(DomainError) as info:
        _do(service.mark_duplicate, second, world.coordinator, 10_000)
    assert info.value.code == "unknown_original" and carol.id


def test_reopen_and_resolve_again_counter_is_the_ledger_and_no_points_notice(world, make_report):
    report = make_report(world.alice, world.category)
    _do(service.assign, report, world.coordinator, department="物业公司")
    _do(service.resolve, report, world.coordinator, "已更换井盖")
    _do(service.reopen, report, world.alice, "还是松的")
    _do(service.resolve, report, world.coordinator, "已加固")
    assert _balance(world.alice) == 7
    assert _report(report.id).points_awarded == 7
    totals = run_in_unit(lambda: ledger.resident_totals("report", [report.id]))
    assert totals[report.id] == 7
    resolved = [
        n.params["message"]
        for n in db.session.scalars(sa.select(Notice).where(Notice.user_id == world.alice.id).order_by(Notice.id))
        if "resolved" in n.params.get("message", "")
    ]
    assert len(resolved) == 2
    assert "more points" in resolved[0] and "more points" not in resolved[1]


def _file(make_report, who, category, days_ago=0, **place):
    report = make_report(who, category, **place)
    if days_ago:

        def shift():
            row = db.session.get(Report, report.id)
            row.created_at = row.created_at - timedelta(days=days_ago)

        run_in_unit(shift)
    return report


def test_suggestions_hit_and_miss(world, make_report, make_community, make_user, make_category):
    here = {"lat": 31.2300, "lon": 121.4700}
    base = _file(make_report, world.alice, world.category, **here)
    near = _file(make_report, world.bob, world.category, lat=31.2303, lon=121.4702)  # about 40 m
    far = _file(make_report, world.bob, world.category, lat=31.2330, lon=121.4700)  # about 330 m
    old = _file(make_report, world.bob, world.category, days_ago=20, **here)
    other_kind = _file(make_report, world.bob, world.other, **here)
    elsewhere = make_community()
    carol = make_user("resident", community=elsewhere)
    _file(make_report, carol, make_category(elsewhere, "设施损坏"), **here)
    same_text = _file(make_report, world.alice, world.category, building="3栋", place="南门")
    text_hit = _file(make_report, world.bob, world.category, building="3栋", place=" 南门 ")
    text_miss = _file(make_report, world.bob, world.category, building="5栋", place="南门")

    def ids(report):
        return [s.id for s in service.suggestions(db.session.get(Report, report.id))]

    found = run_in_unit(lambda: ids(base))
    assert near.id in found
    assert not {far.id, old.id, other_kind.id} & set(found)
    assert len(found) == 1
    assert run_in_unit(lambda: ids(same_text)) == [text_hit.id]
    assert text_miss.id not in run_in_unit(lambda: ids(same_text))


def test_suggestion_statements_do_not_grow(world, make_report):
    from sqlalchemy import event

    reports = [_file(make_report, world.bob, world.category, lat=31.23, lon=121.47, photos=1) for _ in range(6)]

    def count(report_ids):
        seen = []

        def listener(*_args, **_kw):
            seen.append(1)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", listener)
        try:

            def work():
                rows = [db.session.get(Report, i) for i in report_ids]
                seen.clear()
                service.suggestions_for(rows)

            run_in_unit(work)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    one = count([reports[0].id])
    page = count([r.id for r in reports])
    assert one <= 2 and page == one
