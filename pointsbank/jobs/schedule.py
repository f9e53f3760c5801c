"""Schedules in words ("every 1m", "hourly :05", "daily 02:30", "off", local time) and the slot due now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
_EVERY = re.compile(r"^every (\d{1,4})m$")
_HOURLY = re.compile(r"^hourly :([0-5]\d)$")
_DAILY = re.compile(r"^daily ([01]\d|2[0-3]):([0-5]\d)$")


class BadSchedule(ValueError):
    """A schedule that is not one of the forms above."""


@dataclass(frozen=True)
class Schedule:
    """When a job is due: every N minutes, once an hour at a minute, once a day at a local time, or never."""

    text: str
    minutes: int = 0
    hour: int | None = None
    minute: int = 0
    off: bool = False

    def slot(self, now: datetime) -> datetime | None:
        """The latest due time at or before now (UTC); None when the job is off."""
        if self.off:
            return None
        now = now.astimezone(UTC)
        if self.minutes:
            step = self.minutes * 60
            return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)
        local = now.astimezone(LOCAL)
        if self.hour is None:
            due = local.replace(minute=self.minute, second=0, microsecond=0)
            if due > local:
                due -= timedelta(hours=1)
        else:
            due = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
            if due > local:
                due -= timedelta(days=1)
        return due.astimezone(UTC)


def parse(text: str) -> Schedule:
    """Read a schedule; raises BadSchedule naming the forms it accepts."""
    text = " ".join(str(text).split()).lower()
    if text == "off":
        return Schedule(text, off=True)
    if m := _EVERY.match(text):
        minutes = int(m.group(1))
        if minutes < 1 or minutes > 1440:
            raise BadSchedule(f"{text!r}: every 1m to every 1440m")
        return Schedule(text, minutes=minutes)
    if m := _HOURLY.match(text):
        return Schedule(text, minute=int(m.group(1)))
    if m := _DAILY.match(text):
        return Schedule(text, hour=int(m.group(1)), minute=int(m.group(2)))
    raise BadSchedule(f"{text!r}: use 'every 5m', 'hourly :05', 'daily 02:30' or 'off'")
