"""Run a job once per slot: a PostgreSQL advisory lock (a lease row on SQLite) per job, and a run row per slot."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import traceback
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.jobs.models import JobLease, JobRun
from pointsbank.jobs.registry import JOBS, schedules

LEASE = timedelta(minutes=30)  # a run that takes longer than this on SQLite may be run again by another holder


def new_holder() -> str:
    """A name for this scheduler: host, process and a random tail."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lock_key(job: str) -> int:
    """The advisory lock key of a job: a signed 64-bit number from its name."""
    return int.from_bytes(hashlib.sha256(f"pointsbank.job:{job}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def job_lock(job: str, holder: str) -> Iterator[bool]:
    """Yield True when this holder may run the job now, False when another one is running it."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(job) as got:
            yield got
        return
    got = run_in_unit(lambda: _take_lease(job, holder))
    try:
        yield got
    finally:
        if got:
            run_in_unit(lambda: _drop_lease(job, holder))


@contextlib.contextmanager
def _advisory_lock(job: str) -> Iterator[bool]:
    # A connection of its own holds the session-level lock while the job's units of work commit.
    conn = db.engine.connect()
    try:
        got = bool(conn.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(job)}))
        conn.commit()
        try:
            yield got
        finally:
            if got:
                try:
                    conn.scalar(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job)})
                    conn.commit()
                except Exception:
                    conn.invalidate()  # closing the connection ends its locks
                    raise
    finally:
        conn.close()


def _take_lease(job: str, holder: str) -> bool:
    now = utcnow()
    lease = db.session.get(JobLease, job)
    if lease is None:
        db.session.add(JobLease(job=job, holder=holder, expires_at=now + LEASE))
    elif lease.holder != holder and lease.expires_at > now:
        return False
    else:
        lease.holder, lease.expires_at = holder, now + LEASE
    db.session.flush()
    return True


def _drop_lease(job: str, holder: str) -> None:
    lease = db.session.get(JobLease, job)
    if lease is not None and lease.holder == holder:
        lease.expires_at = utcnow()
        db.session.flush()


def _start(job: str, slot: datetime, trigger: str, holder: str) -> int | None:
    """Insert the run row for the slot; None when the slot already has one."""
    exists = db.session.scalar(sa.select(JobRun.id).where(JobRun.job == job, JobRun.slot == slot))
    if exists is not None:
        return None
    run = JobRun(job=job, slot=slot, trigger=trigger, holder=holder[:80], started_at=utcnow(), summary={})
    db.session.add(run)
    db.session.flush()
    return run.id


def _finish(run_id: int, outcome: str, summary: dict | None, error: str | None) -> None:
    run = db.session.get(JobRun, run_id)
    run.outcome, run.finished_at = outcome, utcnow()
    run.summary = summary or {}
    run.error = error[:2000] if error else None
    db.session.flush()


def run_job(name: str, slot: datetime, *, holder: str, trigger: str = "schedule", now: datetime | None = None) -> str:
    """Run one job for one slot under its lock: "ok", "failed", "done" (the slot already ran) or "busy"."""
    job = JOBS[name]
    with job_lock(name, holder) as got:
        if not got:
            return "busy"
        try:
            run_id = run_in_unit(lambda: _start(name, slot, trigger, holder))
        except IntegrityError:
            return "done"
        if run_id is None:
            return "done"
        when = now or utcnow()

        def work() -> None:
            summary = job.run(when)
            _finish(run_id, "ok", summary, None)

        try:
            if job.own_units:
                summary = job.run(when)
                run_in_unit(lambda: _finish(run_id, "ok", summary, None))
            else:
                run_in_unit(work)
            return "ok"
        except Exception as exc:  # the job's work rolled back; the failure is recorded and the scheduler goes on
            db.session.rollback()
            detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
            run_in_unit(lambda: _finish(run_id, "failed", {}, detail))
            return "failed"


def tick(now: datetime | None = None, *, holder: str | None = None) -> dict[str, str]:
    """Run every job whose current slot has not run yet; returns job -> outcome for the jobs it tried."""
    now = now or utcnow()
    holder = holder or new_holder()
    due = {name: schedule.slot(now) for name, schedule in schedules().items()}
    due = {name: slot for name, slot in due.items() if slot is not None}
    done = set(
        db.session.execute(
            sa.select(JobRun.job, JobRun.slot).where(JobRun.job.in_(due), JobRun.slot.in_(set(due.values())))
        ).all()
    )
    db.session.rollback()  # end the read before the jobs' own units of work
    outcomes: dict[str, str] = {}
    for name, slot in due.items():
        if (name, slot) in done:
            continue
        outcomes[name] = run_job(name, slot, holder=holder, now=now)
    return outcomes


def run_once(name: str, *, holder: str | None = None) -> str:
    """Run a job now, outside its schedule (recorded as a manual run)."""
    now = utcnow()
    return run_job(name, now, holder=holder or new_holder(), trigger="manual", now=now)
