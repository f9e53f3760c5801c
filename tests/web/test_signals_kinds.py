"""Each fraud signal kind: data that triggers it and data that must not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.signals import kinds
from pointsbank.signals.models import DeviceRecord, FraudSignal

# 10:00 in Shanghai.
DAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _events(counts: dict[int, int]) -> list[tuple[int, datetime]]:
    return [(user, DAY + timedelta(hours=i % 5, days=i % 3)) for user, n in counts.items() for i in range(n)]


def test_velocity_flags_one_resident_far_above_the_norm():
    normal = {1: 2, 2: 3, 3: 2, 4: 4, 5: 3}
    assert kinds.velocity(_events(normal)) == {}
    found = kinds.velocity(_events(normal | {6: 40}), label="reports")
    assert list(found) == ["reports:resident:6"]
    assert found["reports:resident:6"][1]["week"] == 40


def test_velocity_flags_a_burst_on_one_day():
    events = _events({1: 3, 2: 3, 3: 3, 4: 3, 5: 3})
    assert kinds.velocity(events) == {}
    burst = events + [(9, DAY + timedelta(minutes=i)) for i in range(12)]
    assert "awards:resident:9" in kinds.velocity(burst)


def test_pair_flags_one_coordinator_resident_pair():
    even = [(c, r) for c in (1, 2) for r in (10, 11, 12) for _ in range(2)]
    assert kinds.pair(even) == {}
    found = kinds.pair(even + [(1, 10)] * 20)
    assert list(found) == ["pair:1:10"]
    assert found["pair:1:10"][1]["approved"] == 22


def test_fast_approval_in_bulk_or_after_hours():
    careful = [(i, 1, DAY, DAY + timedelta(minutes=10)) for i in range(30)]
    few_fast = [(100 + i, 2, DAY, DAY + timedelta(seconds=5)) for i in range(kinds.BULK - 1)]
    assert kinds.fast_approval(careful + few_fast) == {}
    bulk_fast = [(200 + i, 3, DAY, DAY + timedelta(seconds=5)) for i in range(kinds.BULK)]
    night = DAY + timedelta(hours=14)  # 00:00 in Shanghai
    bulk_night = [(300 + i, 4, night - timedelta(hours=1), night) for i in range(kinds.BULK)]
    found = kinds.fast_approval(careful + bulk_fast + bulk_night)
    assert set(found) == {"coordinator:3", "coordinator:4"}
    assert found["coordinator:3"][1]["fast"] == kinds.BULK
    assert found["coordinator:4"][1]["after_hours"] == kinds.BULK


def test_clerk_redeem_pairs_and_undo_rates():
    base = [(c, r, None, "done") for c in (1, 2, 3, 4, 5) for r in (10, 11, 12, 13) for _ in range(3)]
    assert kinds.clerk_redeem(base) == {}
    often = base + [(2, 10, 99, "done")] * 25
    assert list(kinds.clerk_redeem(often)) == ["clerk:2:resident:10"]
    undo = base + [(3, 20 + i, None, "undone") for i in range(6)] + [(1, 30, None, "refunded")]
    found = kinds.clerk_redeem(undo)
    assert "clerk:3:undo" in found and "clerk:1:undo" not in found
    assert found["clerk:3:undo"][1]["ended"] == 6


def test_shared_device_within_minutes_only():
    spread = [(u, "dev-a", None, DAY + timedelta(minutes=30 * u)) for u in range(1, 6)]
    same_user = [(1, "dev-b", None, DAY + timedelta(minutes=i)) for i in range(8)]
    assert kinds.shared_device(spread + same_user) == {}
    close = [(u, "dev-c", f"addr-{u}", DAY + timedelta(minutes=2 * u)) for u in range(1, 4)]
    address = [(u, f"dev-{u}", "addr-x", DAY + timedelta(minutes=u)) for u in (7, 8, 9)]
    found = kinds.shared_device(close + address)
    assert set(found) == {"device:dev-c", "address:addr-x"}
    assert found["device:dev-c"][1]["user_ids"] == [1, 2, 3]


def test_compute_reads_device_records_and_stores_signals(app, make_community, make_user):
    community = make_community()
    other = make_community()
    users = [make_user(community=community) for _ in range(3)]
    now = datetime.now(UTC)

    def add():
        for i, user in enumerate(users):
            for place in (community, other):
                db.session.add(
                    DeviceRecord(
                        community_id=place.id,
                        user_id=user.id,
                        action="report",
                        device_hash="d" * 64 if place is community else f"{i}" * 64,
                        created_at=now - timedelta(minutes=i),
                    )
                )

    run_in_unit(add)
    assert run_in_unit(lambda: kinds.compute(community.id, now)) == 1
    assert run_in_unit(lambda: kinds.compute(other.id, now)) == 0
    run_in_unit(lambda: kinds.compute(community.id, now))
    with app.app_context():
        signals = db.session.scalars(sa.select(FraudSignal)).all()
        assert [(s.community_id, s.kind, s.subject_key) for s in signals] == [
            (community.id, "shared_device", "device:" + "d" * 16)
        ]


def test_nightly_and_daily_jobs(app, make_community, make_user):
    from pointsbank.jobs import registry

    community = make_community()
    users = [make_user(community=community) for _ in range(3)]
    now = datetime.now(UTC)

    def add():
        for age_days, device in ((0, "e" * 64), (91, "f" * 64)):
            for user in users:
                db.session.add(
                    DeviceRecord(
                        community_id=community.id,
                        user_id=user.id,
                        action="check_in",
                        device_hash=device,
                        created_at=now - timedelta(days=age_days),
                    )
                )

    run_in_unit(add)
    summary = run_in_unit(lambda: registry.JOBS["signals"].run(now))
    assert summary["signals"] == 1 and summary["communities"] >= 1
    assert run_in_unit(lambda: registry.JOBS["device-records"].run(now)) == {"deleted": 3}
    assert run_in_unit(lambda: registry.JOBS["device-records"].run(now)) == {"deleted": 0}
    assert "signals" in registry.schedules() and "device-records" in registry.schedules()


def test_compute_counts_posted_awards_from_the_ledger(app, make_community, make_user, make_rule):
    from pointsbank.rules import service as rules

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    rule = make_rule(community, coordinator, title="文明劝导", points=1, evidence="coordinator")
    residents = [make_user(community=community) for _ in range(6)]
    plan = {r.id: 1 for r in residents[:5]} | {residents[5].id: 15}

    def award():
        for resident_id, times in plan.items():
            for n in range(times):
                rules.award_by_coordinator(coordinator, rule, resident_id, key=f"v-{resident_id}-{n}")

    run_in_unit(award)
    run_in_unit(lambda: kinds.compute(community.id, datetime.now(UTC)))
    with app.app_context():
        keys = db.session.scalars(sa.select(FraudSignal.subject_key).where(FraudSignal.kind == "velocity")).all()
        assert keys == [f"awards:resident:{residents[5].id}"]


def test_k_is_the_communitys_setting(app, make_community, make_user, make_rule):
    from pointsbank.people import settings as community_settings
    from pointsbank.people.models import Community
    from pointsbank.rules import service as rules

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    rule = make_rule(community, coordinator, title="垃圾分类", points=1, evidence="coordinator")
    residents = [make_user(community=community) for _ in range(6)]
    # Median 3.5, MAD 1.5: the sixth resident's 9 awards pass k=3 (limit 8) but not the default k=5 (limit 11).
    plan = dict(zip([r.id for r in residents], [1, 2, 3, 4, 5, 9], strict=True))

    def award():
        for resident_id, times in plan.items():
            for n in range(times):
                rules.award_by_coordinator(coordinator, rule, resident_id, key=f"k-{resident_id}-{n}")

    run_in_unit(award)

    def velocity_keys():
        run_in_unit(lambda: kinds.compute(community.id, datetime.now(UTC)))
        with app.app_context():
            return db.session.scalars(sa.select(FraudSignal.subject_key).where(FraudSignal.kind == "velocity")).all()

    assert velocity_keys() == []

    def lower_k():
        community_settings.update(coordinator, db.session.get(Community, community.id), {"signal_mad_k": 3})

    run_in_unit(lower_k)
    assert velocity_keys() == [f"awards:resident:{residents[5].id}"]
