"""On PostgreSQL with real threads: concurrent approval, check-in, confirmation and sign-up never double up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity, Signup
from pointsbank.db import run_in_unit
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from pointsbank.people.models import User
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward, RuleVersion


def race(app, work, n: int = 2) -> list:
    """Run work(i) in n threads that start together; returns results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = run_in_unit(lambda: work(i))
            except Exception as exc:  # noqa: BLE001 - recorded for the assertions
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def points(user) -> int:
    db.session.expire_all()
    account = ledger.find_resident_account(user)
    return ledger.balance(account).balance if account else 0


def test_two_coordinators_approving_at_once_post_once(pg_app, make_community, make_user, make_rule):
    community = make_community()
    coordinators = [make_user("coordinator", community=community, name=n) for n in ("陈渝", "周红")]
    resident = make_user("resident", community=community, name="王秀英")
    version = rules.current_version(make_rule(community, coordinators[0], points=15, needs_approval=True))
    pending = run_in_unit(
        lambda: rules.award_under_rule(
            resident, version, key="pg:approve", actor_id=None, memo="关爱独居老人", evidence="coordinator"
        )
    ).pending_award

    def approve(i):
        return rules.approve(
            db.session.get(PendingAward, pending.id),
            db.session.get(User, coordinators[i].id),
        ).id

    results = race(pg_app, approve)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)], results
    assert points(resident) == 15
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_concurrent_scans_check_in_once_and_confirmations_award_once(pg_app, make_community, make_user, make_activity):
    community = make_community()
    coordinators = [make_user("coordinator", community=community, name=n) for n in ("陈渝", "周红")]
    volunteer = make_user("resident", community=community, name="李建国")
    activity = make_activity(community, coordinators[0], hours=2)
    run_in_unit(lambda: activities.sign_up(volunteer, db.session.get(Activity, activity.id)))
    code = activities.poster_code(activity)
    at = activity.starts_at + timedelta(minutes=5)

    results = race(
        pg_app,
        lambda i: activities.check_in_with_poster(volunteer, code, now=at).action,
        n=4,
    )
    assert sorted(results) == ["already_checked_in"] * 3 + ["checked_in"]

    run_in_unit(
        lambda: activities.close_activity(coordinators[0], db.session.get(Activity, activity.id), now=activity.ends_at)
    )

    def confirm(i):
        return activities.confirm_activity(
            db.session.get(User, coordinators[i].id),
            db.session.get(Activity, activity.id),
        ).status

    results = race(pg_app, confirm)
    assert results == ["confirmed", "confirmed"], results
    assert points(volunteer) == 19  # 1 h 55 min, rounded down
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_last_place_goes_to_one_of_two_at_once(pg_app, make_community, make_user, make_activity):
    community = make_community()
    people = [make_user("resident", community=community, name=n) for n in ("张桂兰", "刘德华")]
    activity = make_activity(community, capacity=1, starts_in=timedelta(days=1))

    results = race(
        pg_app,
        lambda i: (
            activities.sign_up(
                db.session.get(User, people[i].id),
                db.session.get(Activity, activity.id),
            ).status
        ),
    )
    assert sorted(results) == ["signed_up", "waiting"]
    statuses = db.session.scalars(sa.select(Signup.status).where(Signup.activity_id == activity.id)).all()
    assert sorted(statuses) == ["signed_up", "waiting"]


@pytest.mark.parametrize("n", [3])
def test_concurrent_awards_respect_the_cap(pg_app, make_community, make_user, make_rule, n):
    community = make_community()
    resident = make_user("resident", community=community)
    version = rules.current_version(make_rule(community, points=10, cap_day=15))
    results = race(
        pg_app,
        lambda i: (
            rules.award_under_rule(
                db.session.get(User, resident.id),
                db.session.get(RuleVersion, version.id),
                key=f"pg:cap:{i}",
                actor_id=None,
                memo="楼道清扫",
                evidence="coordinator",
            ).awarded
        ),
        n=n,
    )
    assert sorted(results) == [0, 5, 10]
    assert points(resident) == 15


def test_same_award_queued_twice_at_once_is_one_pending_award(pg_app, make_community, make_user, make_rule):
    community = make_community()
    resident = make_user("resident", community=community)
    version = rules.current_version(make_rule(community, points=5, needs_approval=True))
    results = race(
        pg_app,
        lambda i: (
            rules.award_under_rule(
                db.session.get(User, resident.id),
                db.session.get(RuleVersion, version.id),
                key="pg:queue",
                actor_id=None,
                memo="邻里帮扶",
                evidence="coordinator",
            ).pending_award.id
        ),
        n=3,
    )
    assert len(set(results)) == 1, results
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingAward)) == 1


def test_two_coordinators_changing_a_rule_at_once_make_two_versions(pg_app, make_community, make_user, make_rule):
    from pointsbank.rules.models import Rule

    community = make_community()
    coordinators = [make_user("coordinator", community=community, name=n) for n in ("陈渝", "周红")]
    rule = make_rule(community, coordinators[0], points=10)

    def change(i):
        user = db.session.get(User, coordinators[i].id)
        return rules.update_rule(user, db.session.get(Rule, rule.id), points=11 + i).version

    results = race(pg_app, change)
    assert sorted(results) == [2, 3], results
    db.session.expire_all()
    in_force = db.session.scalars(
        sa.select(RuleVersion).where(RuleVersion.rule_id == rule.id, RuleVersion.superseded_at.is_(None))
    ).all()
    assert len(in_force) == 1 and in_force[0].version == 3
