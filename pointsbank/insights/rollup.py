"""Daily rollups for the dashboards: finished local days are read from small tables, the rest from the entries.

A scheduled job (`rollups`) rolls each community forward to today: it adds one CommunityDay row per day with any
flow and shifts each resident's day bits, setting the days their points moved. A period the dashboards ask for
is split at the community's mark: days before it come from the rollups, later ones from the entries (live), so
the figures are the same with or without the job; without a mark everything is read live. Entries are written
at the time of posting, never earlier, so a finished day does not change after it was rolled up.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pointsbank.db import advisory_lock
from pointsbank.extensions import db
from pointsbank.insights.flows import (
    FLOWS,
    _in,
    _sum_if,
    community_entries,
    live_active_residents,
    live_points_flows,
    span,
)
from pointsbank.insights.models import CommunityDay, ResidentDays, RollupMark
from pointsbank.insights.weeks import SHANGHAI, local_midnight
from pointsbank.ledger.models import Account, Entry

WINDOW = 62  # days of bits per resident (a signed 64-bit integer holds them; 8 weeks and any month fit)
ALL_BITS = (1 << WINDOW) - 1
CHUNK = 31  # days per flows query while rolling
ROLLUP_LOCK = 7301
RESIDENTS = ("resident",)

Periods = dict[str, tuple[datetime, datetime]]


def local_day(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def rolled_until(community_id: int) -> date | None:
    """The community's mark, read once per session (a request's figures all split at the same day)."""
    marks = db.session.info.setdefault("pb_rollup_marks", {})
    if community_id not in marks:
        mark = db.session.get(RollupMark, community_id)
        marks[community_id] = mark.rolled_until if mark is not None else None
    return marks[community_id]


# ---------------------------------------------------------------- rolling forward


def roll(community_id: int, until: date) -> int:
    """Roll one community's finished days up to `until` (exclusive); returns the days added."""
    advisory_lock(ROLLUP_LOCK, community_id)
    start = rolled_until(community_id) or _first_day(community_id) or until
    days = [start + timedelta(days=i) for i in range((until - start).days)]
    if days:
        _roll_flows(community_id, days)
        _roll_resident_days(community_id, days, until)
    _set_mark(community_id, max(until, start))
    return len(days)


def rebuild(community_id: int, until: date) -> int:
    """Forget a community's rollups and roll them again from its first entry."""
    advisory_lock(ROLLUP_LOCK, community_id)
    for model in (CommunityDay, ResidentDays, RollupMark):
        db.session.execute(sa.delete(model).where(model.community_id == community_id))
    db.session.expire_all()
    db.session.info.get("pb_rollup_marks", {}).pop(community_id, None)
    return roll(community_id, until)


def _first_day(community_id: int) -> date | None:
    first = db.session.scalar(sa.select(sa.func.min(Entry.created_at)).where(Entry.community_id == community_id))
    if first is None:
        return None
    return local_day(first)


def _roll_flows(community_id: int, days: list[date]) -> None:
    for i in range(0, len(days), CHUNK):
        chunk = days[i : i + CHUNK]
        flows = live_points_flows(community_id, {d.isoformat(): day_bounds(d) for d in chunk})
        rows = [
            {"community_id": community_id, "day": d, **flows[d.isoformat()]}
            for d in chunk
            if any(flows[d.isoformat()].values())
        ]
        if rows:
            db.session.execute(sa.insert(CommunityDay), rows)


def _roll_resident_days(community_id: int, days: list[date], until: date) -> None:
    """Shift every resident's bits by the days added, then set the bits of the days their points moved."""
    shift = len(days)
    table = ResidentDays.__table__
    shifted = (
        sa.literal(0, sa.BigInteger)
        if shift >= WINDOW
        else table.c.days.op("<<")(sa.literal(shift, sa.Integer)).op("&")(ALL_BITS)
    )
    mine = table.c.community_id == community_id
    db.session.execute(sa.update(table).where(mine).values(days=shifted))
    db.session.execute(sa.delete(table).where(mine, table.c.days == 0))  # idle for longer than the bits reach
    recent = days[-WINDOW:]
    # Each day's bit once per resident (max), summed: distinct powers of two, so the sum is their OR.
    bits = sum(
        (sa.func.max(sa.case((_in(Entry.created_at, day_bounds(d)), _bit(until, d)), else_=0)) for d in recent),
        sa.literal(0, sa.BigInteger),
    )
    moved = (
        sa.select(sa.literal(community_id), Entry.account_id, bits)
        .join(Account, Account.id == Entry.account_id)
        .where(*community_entries(community_id, day_bounds(recent[0])[0], day_bounds(recent[-1])[1], RESIDENTS))
        .group_by(Entry.account_id)
    )
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).from_select(["community_id", "account_id", "days"], moved)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c.community_id, table.c.account_id],
            set_={"days": table.c.days.op("|")(insert.excluded.days)},
        )
    )


def _set_mark(community_id: int, until: date) -> None:
    mark = db.session.get(RollupMark, community_id)
    if mark is None:
        db.session.add(RollupMark(community_id=community_id, rolled_until=until))
    else:
        mark.rolled_until = until
    db.session.flush()
    db.session.info.get("pb_rollup_marks", {}).pop(community_id, None)  # read again: this unit may roll back


# ---------------------------------------------------------------- reading


def _split(community_id: int, periods: Periods) -> tuple[date, dict, dict] | None:
    """Each period's finished part (local days before the mark) and live part (UTC bounds from the mark on)."""
    until = rolled_until(community_id)
    if until is None:
        return None
    mark = local_midnight(until)
    rolled: dict[str, tuple[date, date]] = {}
    live: Periods = {}
    for name, (start, end) in periods.items():
        first, last = local_day(start), local_day(end)
        if local_midnight(first) != start or local_midnight(last) != end:
            return None  # not whole local days: read it all live
        if start < mark:
            rolled[name] = (first, min(last, until))
        if end > mark:
            live[name] = (max(start, mark), end)
    return until, rolled, live


def points_flows(community_id: int, periods: Periods) -> dict[str, dict[str, int]]:
    """Issued, spent, donated and expired points per period, as live_points_flows gives them."""
    split = _split(community_id, periods)
    if split is None:
        return live_points_flows(community_id, periods)
    _until, rolled, live = split
    out = {name: dict.fromkeys(FLOWS, 0) for name in periods}
    if rolled:
        day = CommunityDay.day
        columns = [
            _sum_if(sa.and_(day >= lo, day < hi), getattr(CommunityDay, flow)).label(f"{name}__{flow}")
            for name, (lo, hi) in rolled.items()
            for flow in FLOWS
        ]
        lowest = min(lo for lo, _hi in rolled.values())
        row = db.session.execute(
            sa.select(*columns).where(CommunityDay.community_id == community_id, day >= lowest)
        ).one()
        for name in rolled:
            for flow in FLOWS:
                out[name][flow] += int(row._mapping[f"{name}__{flow}"] or 0)
    if live:
        for name, figures in live_points_flows(community_id, live).items():
            for flow in FLOWS:
                out[name][flow] += figures[flow]
    return out


def active_residents(community_id: int, periods: Periods) -> dict[str, int]:
    """Residents whose points moved in each period, as live_active_residents gives them."""
    split = _split(community_id, periods)
    if split is None:
        return live_active_residents(community_id, periods)
    until, rolled, live = split
    if any((until - lo).days > WINDOW for lo, _hi in rolled.values()):
        return live_active_residents(community_id, periods)  # older than the bits reach
    bits = {name: sum(_bit(until, d) for d in _days(lo, hi)) for name, (lo, hi) in rolled.items()}
    marks = ResidentDays.days
    parts = [
        sa.select(
            ResidentDays.account_id.label("account_id"),
            *(_flag(marks.op("&")(bits[name]) != 0 if name in bits else None, name) for name in periods),
        ).where(ResidentDays.community_id == community_id)
    ]
    if live:
        parts.append(
            sa.select(
                Entry.account_id.label("account_id"),
                *(_flag(_in(Entry.created_at, live[name]) if name in live else None, name) for name in periods),
            )
            .join(Account, Account.id == Entry.account_id)
            .where(*community_entries(community_id, *span(live), RESIDENTS))
        )
    both = sa.union_all(*parts).subquery("moved")
    per_resident = (
        sa.select(*(sa.func.max(both.c[name]).label(name) for name in periods)).group_by(both.c.account_id).subquery()
    )
    row = db.session.execute(
        sa.select(*(sa.func.coalesce(sa.func.sum(per_resident.c[name]), 0).label(name) for name in periods))
    ).one()
    return {name: int(row._mapping[name]) for name in periods}


def _bit(until: date, day: date) -> int:
    """A day's bit in ResidentDays.days: bit 0 is the day before the mark."""
    return 1 << ((until - day).days - 1)


def _flag(condition: Any, name: str) -> Any:
    if condition is None:
        return sa.literal(0).label(name)
    return sa.case((condition, 1), else_=0).label(name)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days)]


def roll_all(now: datetime, *, fresh: bool = False) -> dict[str, int]:
    """Roll every community up to today (fresh: rebuild each from its entries first)."""
    from pointsbank.people.models import Community

    today = local_day(now)
    step = rebuild if fresh else roll
    ids = db.session.scalars(sa.select(Community.id).order_by(Community.id)).all()
    return {"communities": len(ids), "days": sum(step(community_id, today) for community_id in ids)}
