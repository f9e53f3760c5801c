"""What the admin page and API show: each job with its schedule and last run; the runs, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.jobs.models import JobRun
from pointsbank.jobs.registry import JOBS, schedules


@dataclass
class JobRow:
    """One job as listed: name, what it does, its schedule, its last run."""

    name: str
    title: Any
    schedule: str
    last: JobRun | None


def require_admin(user: Any) -> None:
    """Only admins see the jobs; others get 404."""
    if not getattr(user, "is_admin", False):
        raise NotFound()


def last_run(name: str) -> JobRun | None:
    """The newest run of a job."""
    return db.session.scalar(sa.select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc()).limit(1))


def overview() -> list[JobRow]:
    """Every registered job with its schedule and newest run (one query for the runs)."""
    plan = schedules()
    newest = sa.select(sa.func.max(JobRun.id)).group_by(JobRun.job).scalar_subquery()
    last = {run.job: run for run in db.session.scalars(sa.select(JobRun).where(JobRun.id.in_(newest)))}
    return [JobRow(name, job.title, plan[name].text, last.get(name)) for name, job in JOBS.items()]


def runs_query(job: str | None = None, outcome: str | None = None) -> sa.Select:
    """Runs, newest first, optionally of one job or one outcome."""
    query = sa.select(JobRun).order_by(JobRun.id.desc())
    if job:
        query = query.where(JobRun.job == job)
    if outcome:
        query = query.where(JobRun.outcome == outcome)
    return query
