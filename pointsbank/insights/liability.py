"""The liability view: the points residents hold against what the stations can hand out, per community and street.

Every figure comes from the ledger and stock tables in a fixed number of grouped queries (never one per account):
the communities, the points outstanding, the stock, the monthly flows, and one query per expiry policy in use.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights.weeks import months_back
from pointsbank.ledger.expiry import LOCAL, earned_before, next_clearing
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.people.models import Community
from pointsbank.stations.models import Item, Station

MONTHS = 12
# Points issued: credits into resident accounts from the kinds residents earn by — awards (volunteering,
# activities and report rewards all post as "award") and grants from the community fund ("fund_award").
EARNING_KINDS = ("award", "fund_award")
# Points redeemed: resident debits for redemptions at stations ("spend", also a posted pickup hold).
REDEMPTION_KINDS = ("spend",)
# Reversals count as the kind they reverse, so an undone redemption or a refund (a reversal of a "spend") lowers
# the month's redeemed points and a reversed award lowers the month's issued points. Neither issued nor redeemed:
# "donation" (resident to the community fund), "transfer" (resident to resident), "adjustment" (manual
# corrections) and "expiry" (cleared points).


def outstanding_by_community(ids: list[int]) -> dict[int, dict[str, int]]:
    """Residents' points per community: `outstanding` is the balance, which already holds the points on hold
    (a hold reserves points inside the balance, see ledger.holds), so `available` = outstanding - held."""
    rows = db.session.execute(
        sa.select(
            Account.community_id,
            sa.func.coalesce(sa.func.sum(Account.balance), 0),
            sa.func.coalesce(sa.func.sum(Account.held), 0),
        )
        .where(Account.kind == "resident", Account.community_id.in_(ids))
        .group_by(Account.community_id)
    ).all()
    out = {i: {"outstanding": 0, "held": 0, "available": 0} for i in ids}
    for community_id, balance, held in rows:
        out[community_id] = {"outstanding": int(balance), "held": int(held), "available": int(balance) - int(held)}
    return out


def outstanding(ids: list[int]) -> dict[str, int]:
    """Residents' points of the communities together: balance (held points included), held and available."""
    rows = outstanding_by_community(ids).values()
    balance, held = sum(r["outstanding"] for r in rows), sum(r["held"] for r in rows)
    return {"balance": balance, "held": held, "available": balance - held}


def stock_by_community(ids: list[int]) -> dict[int, dict[str, int]]:
    """Goods in stock at active stations' active items: their points value, their value in fen and how many
    items in stock have no reference value (their money value is missing from `stock_value_fen`)."""
    units = sa.cast(Item.stock, sa.BigInteger)
    valued = Item.reference_value_fen.is_not(None)
    rows = db.session.execute(
        sa.select(
            Station.community_id,
            sa.func.coalesce(sa.func.sum(units * Item.points), 0),
            sa.func.coalesce(sa.func.sum(sa.case((valued, units * Item.reference_value_fen), else_=0)), 0),
            sa.func.count(Item.id),
            sa.func.coalesce(sa.func.sum(sa.case((valued, 0), else_=1)), 0),
        )
        .join(Station, Station.id == Item.station_id)
        .where(
            Station.community_id.in_(ids),
            Station.active.is_(True),
            Item.active.is_(True),
            Item.stock > 0,
        )
        .group_by(Station.community_id)
    ).all()
    out = {i: {"stock_points": 0, "stock_value_fen": 0, "items_in_stock": 0, "items_without_value": 0} for i in ids}
    for community_id, points, fen, items, unvalued in rows:
        out[community_id] = {
            "stock_points": int(points),
            "stock_value_fen": int(fen),
            "items_in_stock": int(items),
            "items_without_value": int(unvalued),
        }
    return out


def monthly_flows(ids: list[int], months: list[tuple[str, datetime, datetime]]) -> dict[int, list[dict[str, Any]]]:
    """Points issued to and redeemed by residents per local calendar month, per community (one query)."""
    original = aliased(Transfer)
    kind = sa.func.coalesce(original.kind, Transfer.kind)
    columns = []
    for n, (_label, start, end) in enumerate(months):
        month = sa.and_(Entry.created_at >= start, Entry.created_at < end)
        issued = sa.case((sa.and_(month, kind.in_(EARNING_KINDS)), Entry.amount), else_=0)
        redeemed = sa.case((sa.and_(month, kind.in_(REDEMPTION_KINDS)), -Entry.amount), else_=0)
        columns += [sa.func.sum(issued).label(f"i{n}"), sa.func.sum(redeemed).label(f"r{n}")]
    rows = db.session.execute(
        sa.select(Entry.community_id, *columns)
        .select_from(Entry)
        .join(Account, Account.id == Entry.account_id)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(original, original.id == Transfer.reverses_id)
        .where(
            Account.kind == "resident",
            Entry.community_id.in_(ids),
            Account.community_id.in_(ids),  # equal to the entry's (verify checks it); lets the plan use it
            Entry.created_at >= months[0][1],
            Entry.created_at < months[-1][2],
        )
        .group_by(Entry.community_id)
    ).all()
    found = {row[0]: row._mapping for row in rows}
    out = {}
    for community_id in ids:
        row = found.get(community_id, {})
        out[community_id] = [
            {"month": label, "issued": int(row.get(f"i{n}") or 0), "redeemed": int(row.get(f"r{n}") or 0)}
            for n, (label, _s, _e) in enumerate(months)
        ]
    return out


def expiring_by_community(policies: dict[int, str], now: datetime) -> dict[int, dict[str, Any]]:
    """Points that expire at each community's next clearing, and the last local day they can be used.

    The clearing is the next instant the community's expiry policy clears points (the end of this local month
    under rolling_12_months, the end of the year under year_end). Per account, like ledger.expiry, debits use the
    oldest lots first, so the points still unspent in the lots earned before a cut-off are max(0, credits before
    it - all debits); the lots expiring at the clearing are those left before the clearing's cut-off minus those
    left before now's (already past their expiry, waiting for the daily expiry job). That is the same figure
    expiring_soon tells each resident whose next expiry is this clearing (points on hold count too, though the
    expiry job only moves what is not on hold when it runs). One grouped query per policy in use; under "none"
    points never expire: 0 points and no date.
    """
    out: dict[int, dict[str, Any]] = {i: {"expiring_points": 0, "expiring_on": None} for i in policies}
    for policy in sorted({p for p in policies.values() if p not in (None, "none")}):
        ids = [i for i, p in policies.items() if p == policy]
        clearing = next_clearing(policy, now)
        a = _lots_per_account(ids, earned_before(policy, clearing), earned_before(policy, now))
        left_next = sa.case((a.c.by_next > a.c.debits, a.c.by_next - a.c.debits), else_=0)
        left_now = sa.case((a.c.by_now > a.c.debits, a.c.by_now - a.c.debits), else_=0)
        rows = db.session.execute(
            sa.select(a.c.community_id, sa.func.coalesce(sa.func.sum(left_next - left_now), 0)).group_by(
                a.c.community_id
            )
        ).all()
        last_day = (clearing.astimezone(LOCAL) - timedelta(seconds=1)).date()
        for community_id in ids:
            out[community_id]["expiring_on"] = last_day
        for community_id, points in rows:
            out[community_id]["expiring_points"] = int(points or 0)
    return out


def _lots_per_account(ids: list[int], cut_next: datetime, cut_now: datetime) -> sa.Subquery:
    """Per resident account: all its debits, and its credits earned before each cut-off."""
    credit = Entry.amount > 0
    return (
        sa.select(
            Entry.community_id.label("community_id"),
            sa.func.sum(sa.case((Entry.amount < 0, -Entry.amount), else_=0)).label("debits"),
            sa.func.sum(sa.case((sa.and_(credit, Entry.created_at < cut_next), Entry.amount), else_=0)).label(
                "by_next"
            ),
            sa.func.sum(sa.case((sa.and_(credit, Entry.created_at < cut_now), Entry.amount), else_=0)).label("by_now"),
        )
        .join(Account, Account.id == Entry.account_id)
        .where(Account.kind == "resident", Entry.community_id.in_(ids), Account.community_id.in_(ids))
        .group_by(Entry.community_id, Entry.account_id)
        .subquery()
    )


def cover_ratio(stock_points: int, outstanding_points: int) -> float | None:
    """Stock points value per point outstanding (1.0: the stations could honour every point); None if none out."""
    if outstanding_points <= 0:
        return None
    return round(stock_points / outstanding_points, 3)


def liability(communities: list[Community], now: datetime | None = None, months: int = MONTHS) -> dict[str, Any]:
    """One row per community (in id order) and a total row, with the last `months` local calendar months."""
    now = now or utcnow()
    communities = sorted(communities, key=lambda c: c.id)
    ids = [c.id for c in communities]
    calendar = months_back(months, now)
    owed = outstanding_by_community(ids)
    stock = stock_by_community(ids)
    flows = monthly_flows(ids, calendar)
    expiring = expiring_by_community({c.id: c.expiry_policy for c in communities}, now)
    rows = []
    for c in communities:
        row = {"community_id": c.id, "name": c.name, "expiry_policy": c.expiry_policy}
        row.update(owed[c.id], **stock[c.id], **expiring[c.id], monthly=flows[c.id])
        row["cover_ratio"] = cover_ratio(row["stock_points"], row["outstanding"])
        rows.append(row)
    return {
        "as_of": now,
        "months": [label for label, _s, _e in calendar],
        "communities": rows,
        "total": _total(rows, [label for label, _s, _e in calendar]),
    }


SUMMED = (
    "outstanding",
    "held",
    "available",
    "stock_points",
    "stock_value_fen",
    "items_in_stock",
    "items_without_value",
    "expiring_points",
)


def _total(rows: list[dict[str, Any]], months: list[str]) -> dict[str, Any]:
    """The rows added up; the date of the next clearing only when every community shares it."""
    total: dict[str, Any] = {key: sum(r[key] for r in rows) for key in SUMMED}
    days = {r["expiring_on"] for r in rows if r["expiring_on"] is not None}
    total.update(community_id=None, name=None, expiry_policy=None)
    total["expiring_on"] = days.pop() if len(days) == 1 else None
    total["cover_ratio"] = cover_ratio(total["stock_points"], total["outstanding"])
    total["monthly"] = [
        {
            "month": label,
            "issued": sum(r["monthly"][n]["issued"] for r in rows),
            "redeemed": sum(r["monthly"][n]["redeemed"] for r in rows),
        }
        for n, label in enumerate(months)
    ]
    return total


def community_liability(user: Any, community_id: int, now: datetime | None = None) -> dict[str, Any]:
    """One community's liability; 404 unless the user coordinates it or oversees its street or district."""
    from pointsbank.insights.scope import community_for_reader

    community = community_for_reader(user, community_id)
    return {"community_id": community.id, "name": community.name, **liability([community], now)}


def street_liability(user: Any, street_id: int, now: datetime | None = None) -> dict[str, Any]:
    """A street's communities and their total; 404 unless the user oversees the street."""
    from pointsbank.people.scope import street_in_view

    street = street_in_view(user, street_id)
    return {"street_id": street.id, "name": street.name, **liability(list(street.communities), now)}


def yuan(fen: int | None) -> str:
    """12345 fen as "123.45" (yuan, thousands separated); "—" when unknown."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
