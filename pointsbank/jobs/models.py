"""Job runs (one row per job and schedule slot) and the SQLite lease rows that stand in for advisory locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pointsbank.db import IdMixin, UTCDateTime, utcnow
from pointsbank.extensions import db

__all__ = ["JobLease", "JobRun"]


class JobRun(IdMixin, db.Model):
    """One run of a job: the slot it ran for (unique per job, so a slot runs once), outcome, counts, error."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "slot", name="uq_job_run_job_slot"),)
    job: Mapped[str] = mapped_column(sa.String(40))
    # The scheduled time this run stands for (a manual run uses the time it was asked for).
    slot: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(sa.String(12), default="schedule")
    holder: Mapped[str] = mapped_column(sa.String(80), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # running, ok, failed
    outcome: Mapped[str] = mapped_column(sa.String(12), default="running")
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.String(2000))


class JobLease(db.Model):
    """Who runs a job until when (SQLite only; PostgreSQL takes an advisory lock instead)."""

    __tablename__ = "job_lease"
    job: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
