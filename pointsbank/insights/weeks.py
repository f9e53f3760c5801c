"""Weeks and months of the Asia/Shanghai calendar, as UTC bounds for queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Invalid

SHANGHAI = ZoneInfo("Asia/Shanghai")


WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
DAY_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Week:
    """An ISO week of the Asia/Shanghai calendar."""

    year: int
    number: int

    @property
    def label(self) -> str:
        """The ISO form, e.g. 2026-W47."""
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        """The first local day of the week."""
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        """The last local day of the week."""
        return self.monday + timedelta(days=6)

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local Monday 00:00 to the next local Monday 00:00."""
        return local_midnight(self.monday), local_midnight(self.monday + timedelta(days=7))

    def previous(self) -> Week:
        """The week before."""
        return week_of_day(self.monday - timedelta(days=7))

    def next(self) -> Week:
        """The week after."""
        return week_of_day(self.monday + timedelta(days=7))


def local_midnight(day: date) -> datetime:
    """00:00 of a Shanghai calendar day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def local_today(now: datetime | None = None) -> date:
    """Today in Asia/Shanghai."""
    return (now or utcnow()).astimezone(SHANGHAI).date()


def week_of_day(day: date) -> Week:
    """The ISO week a local day belongs to."""
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def current_week(now: datetime | None = None) -> Week:
    """This week in Asia/Shanghai."""
    return week_of_day(local_today(now))


def parse_week(text: str | None, now: datetime | None = None) -> Week:
    """`2026-W47` → Week; empty → this week; anything else is 400 invalid_week."""
    if text is None or not str(text).strip():
        return current_week(now)
    match = WEEK_PATTERN.match(str(text).strip())
    if match:
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            match = None
        else:
            if 2000 <= year <= 2100:
                return Week(year, number)
    raise Invalid(
        "invalid_week",
        _l("Give the week as an ISO week such as 2026-W47."),
        details={"week": str(text)[:20]},
    )


def pick_week(week: str | None, day: str | None = None, now: datetime | None = None) -> Week:
    """The week of `day` (YYYY-MM-DD, from a date picker) when given, else `week` (2026-W47), else this week.

    A day after today picks this week: there is nothing to show in later weeks. A bad day is 400 invalid_week.
    """
    if day is None or not str(day).strip():
        return parse_week(week, now)
    text = str(day).strip()
    try:
        picked = date.fromisoformat(text) if DAY_PATTERN.match(text) else None
    except ValueError:
        picked = None
    if picked is None or not 2000 <= picked.year <= 2100:
        raise Invalid("invalid_week", _l("Pick a day from the calendar."), details={"day": str(day)[:20]})
    return week_of_day(min(picked, local_today(now)))


def month_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of this local calendar month."""
    today = local_today(now)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_midnight(first), local_midnight(following)


def months_back(count: int, now: datetime | None = None) -> list[tuple[str, datetime, datetime]]:
    """The last `count` local calendar months, oldest first, ending with this one: (YYYY-MM, start, end) in UTC."""
    today = local_today(now)
    index = today.year * 12 + today.month - 1
    out = []
    for i in range(index - count + 1, index + 1):
        first = date(i // 12, i % 12 + 1, 1)
        following = date((i + 1) // 12, (i + 1) % 12 + 1, 1)
        out.append((f"{first.year}-{first.month:02d}", local_midnight(first), local_midnight(following)))
    return out
