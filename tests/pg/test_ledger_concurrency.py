"""Acceptance 3: the ledger under real concurrency on PostgreSQL (threads, each with its own connection)."""

from __future__ import annotations

import random

from pointsbank.db import run_in_unit
from pointsbank.errors import Refused
from pointsbank.ledger import service as ledger
from tests.factories.ledger import (
    ledger_totals,
    run_together,
    scenario_hold_end_race,
    scenario_opposite_directions,
    scenario_reverse_race,
    scenario_same_key,
    scenario_spend_race,
)


def test_a_fifty_spends_of_ten_from_one_hundred(pg_app, make_user, award_points, ledger_station):
    scenario_spend_race(pg_app, make_user, award_points, ledger_station, threads=50)


def test_b_opposite_directions_keep_balances(pg_app, make_user, award_points):
    scenario_opposite_directions(pg_app, make_user, award_points, per_thread=500)


def test_c_twenty_reversals_of_one_transfer(pg_app, make_user, award_points):
    scenario_reverse_race(pg_app, make_user, award_points, threads=20)


def test_d_fifty_posts_with_one_key(pg_app, make_user, award_points):
    scenario_same_key(pg_app, make_user, award_points, threads=50)


def test_e_ten_workers_random_transfers_keep_every_promise(pg_app, make_user, award_points, ledger_station):
    community = make_user().community
    residents = [make_user(community=community) for _ in range(8)]
    station = ledger_station(community)
    for r in residents:
        award_points(r, 50)
    accounts = [run_in_unit(lambda r=r: ledger.resident_account(r)) for r in residents]

    def work(i):
        rng = random.Random(i)
        done = refused = 0
        for n in range(1000):
            key = f"random:{i}:{n}"
            choice = rng.random()
            account, amount = rng.choice(accounts), rng.randint(1, 20)
            src, dst = rng.sample(accounts, 2)
            try:
                if choice < 0.2:
                    run_in_unit(
                        lambda a=account, p=amount, k=key: ledger.award(a, p, key=k, actor_id=None, memo="志愿活动")
                    )
                elif choice < 0.4:
                    run_in_unit(
                        lambda a=account, p=amount, k=key: ledger.spend(
                            a, station.id, p, key=k, actor_id=None, memo="兑换"
                        )
                    )
                else:
                    run_in_unit(
                        lambda s=src, d=dst, p=amount, k=key: ledger.post(
                            "transfer", [(s, -p), (d, p)], key=k, actor_id=None, memo="转赠"
                        )
                    )
                done += 1
            except Refused:
                refused += 1
        return done, refused

    results = run_together(pg_app, 10, work)
    assert all(r[0] == "ok" for r in results), [r for r in results if r[0] != "ok"]
    assert sum(d + f for _s, (d, f) in results) == 10_000
    assert ledger_totals() == (0, {}, [])
    assert all(ledger.balance(a).balance >= 0 for a in accounts)


def test_hold_ends_once_under_concurrency(pg_app, make_user, award_points, ledger_station):
    scenario_hold_end_race(pg_app, make_user, award_points, ledger_station, threads=20)


def test_two_expiry_runs_at_once_expire_once_on_postgresql(pg_app, make_user, award_points):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from pointsbank.extensions import db
    from pointsbank.ledger import expiry
    from pointsbank.people.models import Community

    residents = [make_user()]
    residents.append(make_user(community=residents[0].community))
    run_in_unit(lambda: setattr(db.session.get(Community, residents[0].community_id), "expiry_policy", "year_end"))
    for r in residents:
        award_points(r, 40)
    later = datetime(datetime.now().year + 1, 1, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    results = run_together(pg_app, 4, lambda i: run_in_unit(lambda: expiry.expire_points(now=later)))
    assert all(r[0] == "ok" for r in results), results
    assert sum(r[1] for r in results) == 80
    assert ledger_totals() == (0, {}, [])
