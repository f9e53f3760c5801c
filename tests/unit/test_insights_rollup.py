"""Dashboard rollups give the figures the entries give: before the job ran, after it, rolled in steps, rebuilt,
with entries after the mark, and for periods longer than the residents' day bits reach."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.insights import dashboard, overview, rollup
from pointsbank.insights.flows import live_active_residents, live_points_flows
from pointsbank.insights.models import CommunityDay, ResidentDays
from pointsbank.insights.weeks import local_midnight, local_today, month_bounds
from pointsbank.jobs.registry import JOBS
from pointsbank.ledger import service as ledger
from tests.factories.ledger import new_key
from tests.unit.test_insights_liability import generated_dataset


def periods(now) -> dict:
    """What the dashboards ask for, and some odd ranges: weeks, the month, eight and 26 weeks, single days."""
    today = local_today(now)
    weeks = overview.weeks_back(9, now)
    out = {f"w{i}": w.bounds() for i, w in enumerate(weeks)}
    out["month"] = month_bounds(now)
    out["eight"] = (weeks[1].bounds()[0], weeks[-1].bounds()[1])
    out["half_year"] = (overview.weeks_back(26, now)[0].bounds()[0], weeks[-1].bounds()[1])
    for back in (0, 1, 2, 12, 61, 62, 63):
        day = today - timedelta(days=back)
        out[f"day{back}"] = (local_midnight(day), local_midnight(day + timedelta(days=1)))
    return out


def assert_same_as_live(community_ids, now) -> None:
    asked = periods(now)
    for community_id in community_ids:
        assert rollup.points_flows(community_id, asked) == live_points_flows(community_id, asked)
        assert rollup.active_residents(community_id, asked) == live_active_residents(community_id, asked)


def stored() -> tuple[list, list]:
    days = db.session.execute(sa.select(CommunityDay).order_by(CommunityDay.community_id, CommunityDay.day)).scalars()
    bits = db.session.execute(sa.select(ResidentDays).order_by(ResidentDays.account_id)).scalars()
    flows = [(d.community_id, d.day, d.issued, d.spent, d.donated, d.expired) for d in days]
    return flows, [(b.community_id, b.account_id, b.days) for b in bits]


@pytest.mark.parametrize("seed", [5, 77])
def test_rollups_answer_what_the_entries_answer(app, monkeypatch, make_community, make_user, ledger_station, seed):
    a, b = generated_dataset(monkeypatch, make_community, make_user, ledger_station, seed=seed, steps=220, days=80)
    now = utcnow()
    ids = [a.id, b.id]
    assert_same_as_live(ids, now)  # no mark yet: everything live
    today = local_today(now)
    run_in_unit(lambda: [rollup.roll(c, today - timedelta(days=30)) for c in ids])
    assert_same_as_live(ids, now)  # half rolled, half live
    run_in_unit(lambda: [rollup.roll(c, today - timedelta(days=29)) for c in ids])
    run_in_unit(lambda: [rollup.roll(c, today) for c in ids])
    assert_same_as_live(ids, now)
    for community_id in ids:  # the page reads both at once; the same figures as asking for each
        alone = (
            dashboard.dashboard(community_id, now),
            overview.community_figures(community_id, overview.weeks_back(8, now)),
        )
        assert overview.dashboard_with_trend(community_id, now) == alone
    in_steps = stored()
    assert in_steps[0] and in_steps[1]
    run_in_unit(lambda: rollup.roll_all(now, fresh=True))
    assert stored() == in_steps  # rolled at once from the first entry: the same rows
    for community in (a, b):  # points that move after the mark are read live
        resident = make_user(community=community)
        run_in_unit(lambda r=resident: ledger.award(r, 7, key=new_key("late"), actor_id=None, memo="今天"))
    assert_same_as_live(ids, utcnow())


def test_the_job_rolls_every_community_and_the_dashboards_read_the_rollups(app, make_community, make_user):
    community = make_community()
    resident = make_user(community=community)
    run_in_unit(lambda: ledger.award(resident, 30, key=new_key("r"), actor_id=None, memo="志愿"))
    tomorrow = utcnow() + timedelta(days=1)
    summary = run_in_unit(lambda: JOBS["rollups"].run(tomorrow))
    assert summary["communities"] >= 1 and summary["days"] >= 1
    assert rollup.rolled_until(community.id) == local_today(tomorrow)
    figures = dashboard.dashboard(community.id, tomorrow)
    week_has_today = figures["week"]["starts_at"] <= utcnow()
    assert figures["week"]["points"]["issued"] == (30 if week_has_today else 0)
    assert figures["month"]["active_residents"] == (1 if figures["month"]["starts_at"] <= utcnow() else 0)
    run_in_unit(lambda: JOBS["rollups"].run(tomorrow))  # again: nothing more to roll
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CommunityDay)) == 1


def test_residents_idle_longer_than_the_bits_reach_leave_no_row(app, make_community, make_user):
    community = make_community()
    resident = make_user(community=community)
    run_in_unit(lambda: ledger.award(resident, 5, key=new_key("idle"), actor_id=None, memo="志愿"))
    today = local_today()
    run_in_unit(lambda: rollup.roll(community.id, today + timedelta(days=1)))
    assert [row[2] for row in stored()[1]] == [1]  # active today, rolled up to tomorrow: bit 0
    run_in_unit(lambda: rollup.roll(community.id, today + timedelta(days=rollup.WINDOW + 1)))
    assert stored()[1] == [] and stored()[0] != []  # the bits are gone, the day's flows stay
    later = utcnow() + timedelta(days=rollup.WINDOW + 1)
    assert_same_as_live([community.id], later)
