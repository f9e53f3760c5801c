"""The points flows and active residents of one community per period, read from the entries themselves.

insights.rollup answers the same from daily rollups for finished days and calls these for the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer

FLOWS = ("issued", "spent", "donated", "expired")


def _in(column: Any, bounds: tuple[datetime, datetime]) -> Any:
    return sa.and_(column >= bounds[0], column < bounds[1])


def _sum_if(condition: Any, value: Any = 1) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def span(periods: dict[str, tuple[datetime, datetime]]) -> tuple[datetime, datetime]:
    """From the earliest start to the latest end of the periods."""
    return min(b[0] for b in periods.values()), max(b[1] for b in periods.values())


def community_entries(community_id: int, start: datetime, end: datetime, kinds: tuple[str, ...]) -> list[Any]:
    """Filters for the entries of one community in [start, end) on its accounts of these kinds (Entry join Account).

    The account's community is named too: without it PostgreSQL reads every such account of the district.
    """
    return [
        Entry.community_id == community_id,
        Entry.created_at >= start,
        Entry.created_at < end,
        Account.community_id == community_id,
        Account.kind.in_(kinds),
    ]


def live_points_flows(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, dict[str, int]]:
    """Issued, spent, donated and expired points per period, net of reversals (one query).

    What the community's issuance, station and expiry accounts receive or pay counts whatever the transfer; only
    the fund's entries need their transfer's kind (a donation, or the reversal of one), so only they join it.
    """
    lower, upper = span(periods)
    columns = [_sum_if(_in(Entry.created_at, b), Entry.amount).label(name) for name, b in periods.items()]

    def part(kinds: tuple[str, ...]) -> sa.Select:
        return (
            sa.select(Account.kind.label("account_kind"), *columns)
            .select_from(Entry)
            .join(Account, Account.id == Entry.account_id)
            .where(*community_entries(community_id, lower, upper, kinds))
            .group_by(Account.kind)
        )

    original = aliased(Transfer)
    donations = (
        part(("fund",))
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(original, original.id == Transfer.reverses_id)
        .where(sa.func.coalesce(original.kind, Transfer.kind) == "donation")
    )
    rows = db.session.execute(sa.union_all(part(("issuance", "expiry", "station")), donations)).all()
    flows = {name: dict.fromkeys(FLOWS, 0) for name in periods}
    sign = {"issuance": ("issued", -1), "station": ("spent", 1), "expiry": ("expired", 1), "fund": ("donated", 1)}
    for row in rows:
        flow, factor = sign[row.account_kind]
        for name in periods:
            flows[name][flow] += factor * int(row._mapping[name] or 0)
    return flows


def live_active_residents(community_id: int, periods: dict[str, tuple[datetime, datetime]]) -> dict[str, int]:
    """Residents whose points moved in each period (one query)."""
    lower, upper = span(periods)
    columns = [
        sa.func.count(sa.distinct(sa.case((_in(Entry.created_at, b), Entry.account_id)))).label(name)
        for name, b in periods.items()
    ]
    row = db.session.execute(
        sa.select(*columns)
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .where(*community_entries(community_id, lower, upper, ("resident",)))
    ).one()
    return {name: int(row._mapping[name] or 0) for name in periods}
