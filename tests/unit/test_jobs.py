"""Scheduled jobs on SQLite: schedules, one run per slot under a lease, failures recorded, CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.jobs import registry, runner
from pointsbank.jobs.models import JobLease, JobRun
from pointsbank.jobs.schedule import BadSchedule, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_schedule_slots_in_local_time():
    now = at("2026-12-03T11:47:30+00:00")  # 19:47:30 in Shanghai
    assert parse("every 1m").slot(now) == at("2026-12-03T11:47:00+00:00")
    assert parse("every 15m").slot(now) == at("2026-12-03T11:45:00+00:00")
    assert parse("hourly :10").slot(now) == at("2026-12-03T11:10:00+00:00")
    assert parse("hourly :50").slot(now) == at("2026-12-03T10:50:00+00:00")
    assert parse("daily 02:30").slot(now) == at("2026-12-02T18:30:00+00:00")  # 02:30 Shanghai today
    assert parse("daily 21:00").slot(now) == at("2026-12-02T13:00:00+00:00")  # yesterday's 21:00
    assert parse("off").slot(now) is None
    for bad in ("every 0m", "hourly 5", "daily 24:00", "weekly", ""):
        with pytest.raises(BadSchedule):
            parse(bad)


def test_every_existing_command_has_a_job_and_config_overrides(app):
    assert {"reservations", "holds", "autoclose", "close-ended", "seal", "expiry", "check-stock"} <= set(registry.JOBS)
    app.config["PB_JOBS"] = "seal=daily 03:15; holds=off"
    plan = registry.schedules()
    assert plan["seal"].text == "daily 03:15" and plan["holds"].off and plan["reservations"].text == "every 1m"
    app.config["PB_JOBS"] = {"nosuch": "every 1m"}
    with pytest.raises(BadSchedule):
        registry.schedules()


def test_tick_runs_each_due_job_once_per_slot(app):
    now = at("2026-12-03T11:47:30+00:00")
    first = runner.tick(now, holder="a")
    assert set(first) == set(registry.JOBS)
    assert all(outcome == "ok" for outcome in first.values()), first
    assert runner.tick(now + timedelta(seconds=20), holder="b") == {}  # same slots: nothing again
    later = runner.tick(now + timedelta(minutes=1), holder="b")
    assert set(later) == {"reservations", "holds", "notices"}
    runs = db.session.scalars(sa.select(JobRun)).all()
    assert len(runs) == len(registry.JOBS) + 3
    assert all(r.finished_at is not None and r.outcome == "ok" for r in runs)
    holds = [r for r in runs if r.job == "holds"]
    assert holds[0].summary == {"expired": 0}


def test_a_held_lease_keeps_a_second_scheduler_out(app):
    now = at("2026-12-03T11:47:30+00:00")
    assert run_in_unit(lambda: runner._take_lease("seal", "a")) is True
    assert runner.run_job("seal", now, holder="b") == "busy"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    run_in_unit(lambda: runner._drop_lease("seal", "a"))
    assert runner.run_job("seal", now, holder="b") == "ok"
    assert runner.run_job("seal", now, holder="a") == "done"
    lease = db.session.get(JobLease, "seal")
    assert lease.holder == "a" and lease.expires_at <= datetime.now(UTC)


def test_a_failing_job_is_recorded_and_rolled_back(app, monkeypatch):
    def broken(now):
        from pointsbank.people.service import get_or_create_community

        get_or_create_community("区", "街道", "不该留下的社区", [])
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(registry.JOBS, "seal", registry.Job("seal", "x", "daily 02:30", broken))
    assert runner.run_once("seal", holder="a") == "failed"
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "seal"))
    assert run.outcome == "failed" and "disk on fire" in run.error and run.trigger == "manual"
    from pointsbank.people.models import Community

    assert db.session.scalar(sa.select(Community).where(Community.name == "不该留下的社区")) is None


def test_a_reservation_expires_with_nobody_opening_a_page(app, counter_setup):
    from pointsbank.ledger import service as ledger
    from pointsbank.stations import service as stations
    from pointsbank.stations.models import Reservation

    s = counter_setup(points=500)
    res = run_in_unit(lambda: stations.reserve(s.resident, s.station, [(s.rice.id, 1)], key="r1"))
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 300
    outcomes = runner.tick(res.expires_at + timedelta(minutes=1), holder="a")
    assert outcomes["reservations"] == "ok"
    db.session.expire_all()
    assert db.session.get(Reservation, res.id).status == "expired"
    assert ledger.balance(ledger.find_resident_account(s.resident)).available == 500
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "reservations"))
    assert run.summary == {"expired": 1}


def test_cli_list_and_run_once(app):
    runner_cli = app.test_cli_runner()
    result = runner_cli.invoke(args=["jobs", "run-once", "seal"])
    assert result.exit_code == 0, result.output
    assert "seal: ok" in result.output
    result = runner_cli.invoke(args=["jobs", "list"])
    assert result.exit_code == 0 and "seal" in result.output and "daily 02:30" in result.output
    assert "ok" in result.output.split("seal", 1)[1].splitlines()[0]
    result = runner_cli.invoke(args=["jobs", "run-once", "nosuch"])
    assert result.exit_code == 2 and "one of" in result.output


def test_report_places_are_deleted_after_each_communitys_retention(
    app, make_community, make_user, make_category, make_report
):
    from pointsbank.reports.models import Report

    now = at("2026-12-03T11:47:30+00:00")
    short, long_ = make_community(), make_community()
    short.coordinate_retention_days = 30
    long_.coordinate_retention_days = 365
    db.session.commit()
    filed = {}
    for community in (short, long_):
        resident = make_user("resident", community=community)
        category = make_category(community, "设施损坏")
        for age in (40, 10):
            report = make_report(resident, category, lat=29.561234, lon=106.452111)
            filed[(community.id, age)] = report.id
            db.session.execute(
                sa.update(Report).where(Report.id == report.id).values(created_at=now - timedelta(days=age))
            )
    db.session.commit()
    outcomes = runner.tick(now, holder="a")
    assert outcomes["report-places"] == "ok"
    db.session.expire_all()

    def place(key):
        report = db.session.get(Report, filed[key])
        return report.lat, report.lon

    assert place((short.id, 40)) == (None, None)
    assert place((short.id, 10)) == (29.561234, 106.452111)
    assert place((long_.id, 40)) == (29.561234, 106.452111)
    assert place((long_.id, 10)) == (29.561234, 106.452111)
    run = db.session.scalar(sa.select(JobRun).where(JobRun.job == "report-places"))
    assert run.summary == {"cleared": 1}
    assert run_in_unit(lambda: registry.JOBS["report-places"].run(now)) == {"cleared": 0}
