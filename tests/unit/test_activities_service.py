"""Activities: waiting list, QR check-in/out inside the window, no-shows, awards on confirmation, teams."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity, Signup
from pointsbank.db import run_in_unit
from pointsbank.errors import NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward


@pytest.fixture
def world(app, make_community, make_user):
    community = make_community()
    coordinator = make_user("coordinator", community=community, name="陈渝")
    volunteers = [make_user("resident", community=community, name=n) for n in ("王秀英", "李建国", "张桂兰")]
    return community, coordinator, volunteers


def fresh(activity) -> Activity:
    return db.session.get(Activity, activity.id)


def points(user) -> int:
    account = ledger.find_resident_account(user)
    return ledger.balance(account).balance if account else 0


def status_of(activity, user) -> str:
    db.session.expire_all()
    return activities.signup_of(activity, user.id).status


def test_full_activity_keeps_a_waiting_list_that_moves_up(world, make_activity):
    community, coordinator, (a, b, c) = world
    activity = make_activity(community, coordinator, capacity=1, starts_in=timedelta(days=1))
    for user in (a, b, c):
        run_in_unit(lambda u=user: activities.sign_up(u, fresh(activity)))
    assert [status_of(activity, u) for u in (a, b, c)] == [
        "signed_up",
        "waiting",
        "waiting",
    ]
    run_in_unit(lambda: activities.cancel_signup(a, fresh(activity)))
    assert [status_of(activity, u) for u in (a, b, c)] == [
        "cancelled",
        "signed_up",
        "waiting",
    ]
    # A waiting person leaving does not let anyone jump the queue.
    run_in_unit(lambda: activities.cancel_signup(c, fresh(activity)))
    assert status_of(activity, b) == "signed_up"
    # Signing up again goes to the back of the queue.
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    assert status_of(activity, a) == "waiting"


def test_residents_of_another_community_cannot_sign_up(world, make_activity, make_user):
    community, coordinator, _ = world
    activity = make_activity(community, coordinator)
    stranger = make_user("resident")
    with pytest.raises(NotFound):
        run_in_unit(lambda: activities.sign_up(stranger, fresh(activity)))
    assert activities.signups(fresh(activity)) == []


def test_poster_checks_in_then_out_and_hours_are_clipped(world, make_activity):
    community, coordinator, (a, *_) = world
    activity = make_activity(community, coordinator, starts_in=timedelta(minutes=-10), hours=2)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    code = activities.poster_code(activity)
    assert code.startswith("PB1A.") and len(code.split(".")[1]) == 32  # a random secret, not the id
    early = activity.starts_at - timedelta(minutes=20)
    assert run_in_unit(lambda: activities.check_in_with_poster(a, code, now=early)).action == "checked_in"
    assert run_in_unit(lambda: activities.check_in_with_poster(a, code, now=early)).action == "already_checked_in"
    late = activity.ends_at + timedelta(minutes=20)
    assert run_in_unit(lambda: activities.check_in_with_poster(a, code, now=late)).action == "checked_out"
    run_in_unit(lambda: activities.close_activity(coordinator, fresh(activity), now=late))
    db.session.expire_all()
    signup = activities.signup_of(activity, a.id)
    assert (signup.status, signup.hours) == ("attended", 2.0)


@pytest.mark.parametrize(
    "offset, code",
    [
        (timedelta(days=1), "expired"),
        (timedelta(minutes=31), "expired"),
        (-timedelta(hours=3), "not_started"),
    ],
)
def test_poster_code_outside_the_window_is_refused(world, make_activity, offset, code):
    community, coordinator, (a, *_) = world
    activity = make_activity(community, coordinator, hours=2)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    moment = (activity.ends_at if offset > timedelta(0) else activity.starts_at) + offset
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: activities.check_in_with_poster(a, activities.poster_code(activity), now=moment))
    assert err.value.code == code
    db.session.expire_all()
    assert activities.signup_of(activity, a.id).checked_in_at is None


def test_forged_or_foreign_codes_are_invalid(world, make_activity):
    community, coordinator, (a, *_) = world
    activity = make_activity(community, coordinator)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    real = activities.poster_code(activity)
    for bad in (
        real[:-2] + "xx",
        f"PB1A.{activity.id}",
        "hello",
        activities.personal_code(a)[0],
    ):
        with pytest.raises(Refused) as err:
            run_in_unit(lambda b=bad: activities.check_in_with_poster(a, b))
        assert err.value.code == "invalid"


def test_waiting_list_and_strangers_cannot_check_in(world, make_activity):
    community, coordinator, (a, b, c) = world
    activity = make_activity(community, coordinator, capacity=1)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    run_in_unit(lambda: activities.sign_up(b, fresh(activity)))
    code = activities.poster_code(activity)
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: activities.check_in_with_poster(b, code))
    assert err.value.code == "on_waiting_list"
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: activities.check_in_with_poster(c, code))
    assert err.value.code == "not_signed_up"


def test_coordinator_scans_personal_code_or_types_digits(world, make_activity):
    community, coordinator, (a, b, _) = world
    activity = make_activity(community, coordinator)
    for user in (a, b):
        run_in_unit(lambda u=user: activities.sign_up(u, fresh(activity)))
    payload, digits = activities.personal_code(a)
    result = run_in_unit(lambda: activities.check_in_volunteer(coordinator, fresh(activity), payload))
    assert (result.action, result.signup.user_id) == ("checked_in", a.id)
    result = run_in_unit(
        lambda: activities.check_in_volunteer(coordinator, fresh(activity), activities.personal_code(b)[1])
    )
    assert (result.action, result.signup.user_id) == ("checked_in", b.id)
    with pytest.raises(Refused):
        run_in_unit(
            lambda: activities.check_in_volunteer(coordinator, fresh(activity), "PB1V." + payload[5:-3] + "abc")
        )
    with pytest.raises(NotFound):
        run_in_unit(lambda: activities.check_in_volunteer(a, fresh(activity), digits))


def test_close_marks_no_shows_and_confirm_awards_once(world, make_activity):
    community, coordinator, (a, b, _) = world
    activity = make_activity(community, coordinator, hours=2, starts_in=timedelta(minutes=-10))
    for user in (a, b):
        run_in_unit(lambda u=user: activities.sign_up(u, fresh(activity)))
    code = activities.poster_code(activity)
    start = activity.starts_at
    run_in_unit(lambda: activities.check_in_with_poster(a, code, now=start + timedelta(minutes=30)))
    run_in_unit(lambda: activities.check_in_with_poster(a, code, now=start + timedelta(minutes=120)))
    run_in_unit(lambda: activities.close_activity(coordinator, fresh(activity), now=activity.ends_at))
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    assert (status_of(activity, a), status_of(activity, b)) == ("attended", "no_show")
    signup = activities.signup_of(activity, a.id)
    assert (signup.hours, signup.points_awarded, signup.award_status) == (
        1.5,
        15,
        "posted",
    )
    assert points(a) == 15 and points(b) == 0
    transfer = db.session.get(Transfer, signup.transfer_id)
    assert transfer.rule_version_id == rules.current_version(activity.rule).id
    assert transfer.memo == "志愿活动：楼道清扫志愿活动 1.5 小时"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_confirmation_under_a_cap_explains_the_cut(world, make_activity, make_rule):
    community, coordinator, (a, *_) = world
    rule = make_rule(community, coordinator, points=10, unit="hour", cap_day=30)
    activity = make_activity(community, coordinator, rule=rule, hours=4, starts_in=timedelta(minutes=-10))
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    code = activities.poster_code(activity)
    run_in_unit(lambda: activities.check_in_with_poster(a, code, now=activity.starts_at))
    run_in_unit(lambda: activities.check_in_with_poster(a, code, now=activity.ends_at))
    run_in_unit(lambda: activities.close_activity(coordinator, fresh(activity), now=activity.ends_at))
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    signup = activities.signup_of(activity, a.id)
    assert (signup.points_requested, signup.points_awarded) == (40, 30)
    assert signup.cap_note == "每日上限 30 分，已得 0 分，本次应得 40 分，实得 30 分"


def test_activity_under_an_approval_rule_waits_for_the_coordinator(world, make_activity, make_rule):
    community, coordinator, (a, *_) = world
    rule = make_rule(community, coordinator, points=15, needs_approval=True, title="关爱独居老人")
    activity = make_activity(community, coordinator, rule=rule)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    run_in_unit(lambda: activities.check_in_with_poster(a, activities.poster_code(activity), now=activity.starts_at))
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    signup = activities.signup_of(activity, a.id)
    assert signup.award_status == "pending" and points(a) == 0
    run_in_unit(lambda: rules.approve(db.session.get(PendingAward, signup.pending_award_id), coordinator))
    db.session.expire_all()
    signup = activities.signup_of(activity, a.id)
    assert (signup.award_status, signup.points_awarded) == ("posted", 15) and points(a) == 15


def test_coordinator_corrects_attendance_before_confirming(world, make_activity):
    community, coordinator, (a, *_) = world
    activity = make_activity(community, coordinator, hours=2)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    run_in_unit(lambda: activities.close_activity(coordinator, fresh(activity)))
    signup = activities.signup_of(activity, a.id)
    assert signup.status == "no_show"
    run_in_unit(
        lambda: activities.set_attendance(coordinator, db.session.get(Signup, signup.id), attended=True, hours=1)
    )
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    assert points(a) == 10


def test_close_ended_closes_only_finished_activities(world, make_activity):
    community, coordinator, _ = world
    done = make_activity(community, coordinator, starts_in=timedelta(hours=-5), hours=2)
    running = make_activity(community, coordinator, starts_in=timedelta(hours=-1), hours=2)
    assert run_in_unit(activities.close_ended) == 1
    assert (fresh(done).status, fresh(running).status) == ("closed", "open")


def test_teams_and_totals(world, make_activity):
    community, coordinator, (a, b, _) = world
    team = run_in_unit(lambda: activities.create_team(coordinator, community.id, "外卖小哥志愿服务队"))
    for user in (a, b):
        run_in_unit(lambda u=user: activities.join_team(u, team))
    run_in_unit(lambda: activities.join_team(a, team))
    activity = make_activity(community, coordinator, team_id=team.id)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    run_in_unit(lambda: activities.check_in_with_poster(a, activities.poster_code(activity), now=activity.starts_at))
    run_in_unit(lambda: activities.close_activity(coordinator, fresh(activity), now=activity.ends_at))
    run_in_unit(lambda: activities.confirm_activity(coordinator, fresh(activity)))
    [row] = activities.team_totals({community.id}, user_id=a.id)
    assert (row["members"], row["hours"], row["points"], row["joined"]) == (
        2,
        2.0,
        20,
        True,
    )


def test_more_places_move_the_waiting_list_up_and_fewer_than_taken_is_refused(world, make_activity):
    community, coordinator, (a, b, c) = world
    activity = make_activity(community, coordinator, capacity=1, starts_in=timedelta(days=1))
    for user in (a, b, c):
        run_in_unit(lambda u=user: activities.sign_up(u, fresh(activity)))
    run_in_unit(lambda: activities.update_activity(coordinator, fresh(activity), capacity=2, place="梨园小区5栋"))
    assert [status_of(activity, u) for u in (a, b, c)] == ["signed_up", "signed_up", "waiting"]
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: activities.update_activity(coordinator, fresh(activity), capacity=1))
    assert err.value.code == "capacity_below_signups"
    assert (fresh(activity).capacity, fresh(activity).place) == (2, "梨园小区5栋")
    with pytest.raises(NotFound):
        run_in_unit(lambda: activities.update_activity(a, fresh(activity), capacity=5))


def test_closing_early_counts_a_missing_check_out_only_until_the_close(world, make_activity):
    community, coordinator, (a, *_) = world
    activity = make_activity(community, coordinator, hours=3)
    run_in_unit(lambda: activities.sign_up(a, fresh(activity)))
    code = activities.poster_code(activity)
    run_in_unit(lambda: activities.check_in_with_poster(a, code, now=activity.starts_at - timedelta(minutes=20)))
    run_in_unit(
        lambda: activities.close_activity(coordinator, fresh(activity), now=activity.starts_at + timedelta(hours=1))
    )
    assert activities.signup_of(activity, a.id).hours == 1.0  # not the 3 hours of the window, not the 20 early minutes
