"""Rules: versions, in force, caps (Asia/Shanghai calendar), approval queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward, RuleVersion

_keys = iter(range(1, 10**6))


def key() -> str:
    return f"test:rule-award:{next(_keys)}"


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    resident = make_user("resident", community=community, name="王秀英")
    return community, coordinator, resident


def award(resident, version, quantity=1, k=None, actor_id=None):
    return run_in_unit(
        lambda: rules.award_under_rule(
            resident,
            db.session.get(RuleVersion, version.id),
            quantity=quantity,
            key=k or key(),
            actor_id=actor_id,
            memo="志愿活动：楼道清扫",
            subject=("activity", 1),
            evidence="coordinator",
        )
    )


def balance(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).balance if ledger.find_resident_account(user) else 0


def test_draft_is_not_in_force_until_published(world, make_rule):
    community, coordinator, _ = world
    rule = make_rule(community, coordinator, publish=False)
    assert rules.current_version(rule) is None
    assert rules.rules_in_force(community.id) == []
    run_in_unit(lambda: rules.publish_rule(coordinator, rule))
    assert [v.rule_id for v in rules.rules_in_force(community.id)] == [rule.id]


def test_changing_a_published_rule_makes_a_new_version_and_old_awards_keep_theirs(world, make_rule):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, points=10)
    v1 = rules.current_version(rule)
    first = award(resident, v1)
    v2 = run_in_unit(lambda: rules.update_rule(coordinator, rule, points=15))
    assert (v1.version, v2.version) == (1, 2)
    assert rules.current_version(rule).id == v2.id
    second = award(resident, v2)
    db.session.expire_all()
    transfers = {t.id: t for t in db.session.scalars(sa.select(Transfer))}
    assert transfers[first.transfer.id].rule_version_id == v1.id
    assert transfers[second.transfer.id].rule_version_id == v2.id
    assert db.session.get(RuleVersion, v1.id).points == 10  # the published version did not change
    assert balance(resident) == 25


def test_draft_edits_in_place(world, make_rule):
    community, coordinator, _ = world
    rule = make_rule(community, coordinator, publish=False)
    version = run_in_unit(lambda: rules.update_rule(coordinator, rule, points=12, cap_day=24))
    assert version.version == 1 and version.points == 12 and len(rule.versions) == 1


def test_retired_rule_is_no_longer_in_force(world, make_rule):
    community, coordinator, _ = world
    rule = make_rule(community, coordinator)
    run_in_unit(lambda: rules.retire_rule(coordinator, rule))
    assert rules.current_version(rule) is None
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: rules.update_rule(coordinator, rule, points=1))
    assert err.value.code == "rule_retired"


def test_dates_in_force(world, make_rule):
    community, coordinator, _ = world
    later = utcnow() + timedelta(days=3)
    rule = make_rule(community, coordinator, valid_from=later, valid_until=later + timedelta(days=10))
    assert rules.current_version(rule) is None
    assert rules.current_version(rule, at=later + timedelta(hours=1)) is not None
    assert rules.current_version(rule, at=later + timedelta(days=10)) is None


def test_another_communitys_coordinator_cannot_touch_the_rule(world, make_rule, make_user):
    community, coordinator, _ = world
    rule = make_rule(community, coordinator)
    stranger = make_user("coordinator")
    with pytest.raises(NotFound):
        run_in_unit(lambda: rules.retire_rule(stranger, rule))


def test_bad_values_are_refused_and_change_nothing(world, make_rule):
    community, coordinator, _ = world
    for bad in ({"points": 0}, {"category": "其他"}, {"cap_day": -1}, {"unit": "week"}):
        with pytest.raises(Invalid):
            make_rule(community, coordinator, **bad)
    assert rules.list_rules(coordinator)[1] == 0


def test_plain_words(world, make_rule, app):
    community, coordinator, _ = world
    rule = make_rule(community, coordinator, points=10, unit="hour", cap_day=30)
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert rules.describe(rules.current_version(rule)) == "每小时 10 分，每天最多 30 分"


# ------------------------------------------------------------------ caps


def test_exactly_at_the_cap_then_one_over(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, cap_day=30))
    outcomes = [award(resident, version) for _ in range(3)]
    assert [o.status for o in outcomes] == ["posted"] * 3 and all(o.cap_note is None for o in outcomes)
    fourth = award(resident, version)
    assert (fourth.status, fourth.awarded, fourth.transfer) == ("capped_out", 0, None)
    assert "每日上限 30 分" in fourth.cap_note
    assert balance(resident) == 30


def test_a_cap_cuts_an_award_and_says_why(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, unit="hour", cap_day=30))
    first = award(resident, version, quantity=2)
    cut = award(resident, version, quantity=2)
    assert (first.awarded, cut.requested, cut.awarded) == (20, 20, 10)
    assert cut.cap_note == "每日上限 30 分，已得 20 分，本次应得 20 分，实得 10 分"
    memo = db.session.get(Transfer, cut.transfer.id).memo
    assert cut.cap_note in memo
    assert balance(resident) == 30


def test_hours_round_down(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, unit="hour"))
    assert award(resident, version, quantity=1.99).awarded == 19
    with pytest.raises(Invalid):
        award(
            resident,
            rules.current_version(make_rule(community, coordinator, title="关爱老人")),
            quantity=1.5,
        )


def test_the_tightest_cap_wins(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, cap_day=50, cap_week=15))
    assert award(resident, version).awarded == 10
    second = award(resident, version)
    assert second.awarded == 5 and second.cap_note.startswith("每周上限 15 分")


def test_caps_count_per_rule_across_versions(world, make_rule):
    community, coordinator, resident = world
    rule = make_rule(community, coordinator, points=10, cap_day=20)
    award(resident, rules.current_version(rule))
    v2 = run_in_unit(lambda: rules.update_rule(coordinator, rule, points=15))
    assert award(resident, v2).awarded == 10
    other = rules.current_version(make_rule(community, coordinator, title="垃圾分类督导", points=5, cap_day=5))
    assert award(resident, other).awarded == 5


def test_same_key_awards_once(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10))
    k = key()
    first, again = award(resident, version, k=k), award(resident, version, k=k)
    assert first.transfer.id == again.transfer.id and again.awarded == 10
    assert balance(resident) == 10


def test_cap_windows_follow_the_shanghai_calendar():
    # Sunday 2026-11-22 23:59:59 in Shanghai is 15:59:59 UTC; one second later is Monday.
    sunday_night = datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC)
    monday = sunday_night + timedelta(seconds=1)
    a, b = rules.cap_windows(sunday_night), rules.cap_windows(monday)
    assert a["day"] == (
        datetime(2026, 11, 21, 16, tzinfo=UTC),
        datetime(2026, 11, 22, 16, tzinfo=UTC),
    )
    assert b["day"][0] == monday
    assert a["week"] == (
        datetime(2026, 11, 15, 16, tzinfo=UTC),
        datetime(2026, 11, 22, 16, tzinfo=UTC),
    )
    assert b["week"][0] == monday
    assert (
        a["month"]
        == b["month"]
        == (
            datetime(2026, 10, 31, 16, tzinfo=UTC),
            datetime(2026, 11, 30, 16, tzinfo=UTC),
        )
    )
    month_end = datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC)
    assert rules.cap_windows(month_end)["month"][1] == month_end + timedelta(seconds=1)
    assert rules.cap_windows(month_end + timedelta(seconds=1))["month"][0] == month_end + timedelta(seconds=1)
    # 07:59 UTC is still "today" in Shanghai (15:59), not yesterday as in UTC.
    assert rules.cap_windows(datetime(2026, 12, 31, 16, tzinfo=UTC))["month"][0] == datetime(
        2026, 12, 31, 16, tzinfo=UTC
    )


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_an_award_just_before_the_period_does_not_count(world, make_rule, period):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, **{f"cap_{period}": 10}))
    first = award(resident, version)
    assert award(resident, version).status == "capped_out"
    start = rules.cap_windows(utcnow())[period][0]
    # Move the first award to one second before this period began (SQLite has no append-only trigger).
    db.session.execute(
        sa.update(Transfer).where(Transfer.id == first.transfer.id).values(created_at=start - timedelta(seconds=1))
    )
    db.session.commit()
    assert award(resident, version).awarded == 10
    db.session.execute(sa.update(Transfer).where(Transfer.id == first.transfer.id).values(created_at=start))
    db.session.commit()
    assert award(resident, version).status == "capped_out"


# ------------------------------------------------------------------ approval queue


@pytest.fixture
def queued(world, make_rule):
    community, coordinator, resident = world
    version = rules.current_version(make_rule(community, coordinator, points=10, needs_approval=True, cap_day=15))
    outcome = award(resident, version)
    return outcome.pending_award, version


def test_needs_approval_queues_instead_of_posting(world, queued):
    _, coordinator, resident = world
    pending, _ = queued
    assert pending.status == "pending" and balance(resident) == 0
    items, total = rules.queue(coordinator)
    assert total == 1 and items[0].id == pending.id


def test_approving_twice_posts_once(world, queued):
    _, coordinator, resident = world
    pending, _ = queued
    run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), coordinator))
    again = run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), coordinator))
    assert again.status == "approved" and again.awarded_points == 10
    assert balance(resident) == 10
    assert rules.queue(coordinator)[1] == 0


def test_caps_apply_at_approval(world, queued, make_rule):
    _community, coordinator, resident = world
    pending, version = queued
    second = award(resident, version).pending_award
    run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), coordinator))
    cut = run_in_unit(lambda: rules.approve(db.session.get(PendingAward, second.id), coordinator))
    assert cut.awarded_points == 5 and "实得 5 分" in cut.cap_note
    assert balance(resident) == 15


def test_reject_needs_a_reason_the_resident_sees(world, queued):
    _, coordinator, resident = world
    pending, _ = queued
    with pytest.raises(Invalid) as err:
        run_in_unit(lambda: rules.reject(db.session.get(PendingAward, pending.id), coordinator, " "))
    assert err.value.code == "reason_required"
    assert db.session.get(PendingAward, pending.id).status == "pending"
    run_in_unit(lambda: rules.reject(db.session.get(PendingAward, pending.id), coordinator, "照片看不清"))
    mine, _ = rules.my_pending(resident)
    assert (mine[0].status, mine[0].reason) == ("rejected", "照片看不清")
    with pytest.raises(Conflict):
        run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), coordinator))
    assert balance(resident) == 0


def test_a_resident_cannot_approve_their_own_award(world, queued):
    _, _, resident = world
    pending, _ = queued
    with pytest.raises(NotFound):
        run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), resident))
    assert db.session.get(PendingAward, pending.id).status == "pending" and balance(resident) == 0


def test_a_coordinator_cannot_approve_an_award_to_themself(world, make_rule):
    community, coordinator, _ = world
    from pointsbank.people.models import User

    def make_resident():
        user = db.session.get(User, coordinator.id)
        user.community_id = community.id
        return user

    me = run_in_unit(make_resident)
    version = rules.current_version(make_rule(community, coordinator, needs_approval=True))
    pending = award(me, version).pending_award
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: rules.approve(db.session.get(PendingAward, pending.id), me))
    assert err.value.code == "own_award"
    assert rules.approve_many([pending.id], me) == {"approved": 0, "skipped": 1}
    assert db.session.get(PendingAward, pending.id).status == "pending"


def test_bulk_approve(world, make_rule, make_user):
    community, coordinator, resident = world
    other = make_user("resident", community=community, name="李建国")
    version = rules.current_version(make_rule(community, coordinator, points=5, needs_approval=True))
    ids = [award(u, version).pending_award.id for u in (resident, resident, other)]
    counts = run_in_unit(lambda: rules.approve_many(ids + [999999], coordinator))
    assert counts == {"approved": 3, "skipped": 1}
    assert (balance(resident), balance(other)) == (10, 5)
    assert run_in_unit(lambda: rules.approve_many(ids, coordinator)) == {
        "approved": 0,
        "skipped": 3,
    }
