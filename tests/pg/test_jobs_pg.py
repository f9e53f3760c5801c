"""Two schedulers on one PostgreSQL database: every job runs once per slot (advisory lock + one run row per slot)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.jobs import registry, runner
from pointsbank.jobs.models import JobRun
from tests.conftest import make_test_app


def test_two_schedulers_run_every_job_once(pg_app, pg_schema, tmp_path, counter_setup):
    from pointsbank.stations import service as stations
    from pointsbank.stations.models import Reservation

    s = counter_setup(points=500)

    res = run_in_unit(lambda: stations.reserve(s.resident, s.station, [(s.rice.id, 1)], key="pg-r1"))
    second = make_test_app(pg_schema, tmp_path / "second")
    apps = [pg_app, second]
    start = res.expires_at + timedelta(minutes=1)
    ticks = [start + timedelta(minutes=m) for m in range(3)]
    outcomes: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def scheduler(app, name: str, barrier: threading.Barrier, now: datetime) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                outcomes.append(runner.tick(now, holder=name))
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    for now in ticks:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=scheduler, args=(app, f"s{i}", barrier, now)) for i, app in enumerate(apps)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors

    rows = db.session.execute(sa.select(JobRun.job, JobRun.slot, JobRun.outcome, JobRun.error)).all()
    per_slot: dict[tuple[str, datetime], int] = {}
    for job, slot, outcome, error in rows:
        assert outcome == "ok", (job, outcome, error)
        per_slot[(job, slot)] = per_slot.get((job, slot), 0) + 1
    assert set(per_slot.values()) == {1}, per_slot
    plan = registry.schedules()
    expected = {(name, plan[name].slot(now)) for name in registry.JOBS for now in ticks}
    assert set(per_slot) == expected
    # Whatever one scheduler did, the other only skipped: "ok" once per job and slot across both.
    oks = sum(1 for result in outcomes for outcome in result.values() if outcome == "ok")
    assert oks == len(expected)
    db.session.expire_all()
    assert db.session.get(Reservation, res.id).status == "expired"
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
